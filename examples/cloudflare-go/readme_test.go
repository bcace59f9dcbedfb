package cloudflarego

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEQuickstartIsThisModulesTest: the README's Go quickstart is
// quickstart_test.go, from its imports on, so it compiles and passes as
// pasted (into a _test.go file of any package; only the package line is
// yours).
func TestREADMEQuickstartIsThisModulesTest(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "## Go quickstart")
	if ok {
		_, block, ok = strings.Cut(block, "```go\n")
	}
	if ok {
		block, _, ok = strings.Cut(block, "```")
	}
	if !ok {
		t.Fatal("the README has no Go quickstart block")
	}
	file, err := os.ReadFile("quickstart_test.go")
	if err != nil {
		t.Fatal(err)
	}
	afterPackage := func(s string) string { _, rest, _ := strings.Cut(s, "\n"); return rest }
	if afterPackage(block) != afterPackage(string(file)) {
		t.Errorf("the README's quickstart and quickstart_test.go differ:\n--- README\n%s\n--- quickstart_test.go\n%s", block, file)
	}
}
