// Command ratios reads `go test -bench` output and prints, as a Markdown
// table, the medians of each paired benchmark (the fake and its baseline,
// timed side by side) and of its fake-to-baseline ratio, with the targets
// of the README's Performance section. bench/run uses it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// line matches "BenchmarkName/sub-2   1234   5678 ns/op   90 B/op ...".
var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

// samples maps benchmark name → unit → values.
type samples map[string]map[string][]float64

func parse(r io.Reader) (samples, []string) {
	s := samples{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := strings.TrimPrefix(m[1], "Benchmark")
		if s[name] == nil {
			s[name] = map[string][]float64{}
			order = append(order, name)
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				s[name][f[i+1]] = append(s[name][f[i+1]], v)
			}
		}
	}
	return s, order
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// targets are the README's, for ratios and for figures that stand alone.
var ratioTargets = map[string]float64{"CreateHTTP": 1.25, "CreateHTTPParallel": 1.2, "CreateInProcess": 2, "GetHTTP": 1.25, "List100HTTP": 1.25, "Startup": 1.5}

func main() {
	s, order := parse(os.Stdin)
	if len(order) == 0 {
		fmt.Fprintln(os.Stderr, "ratios: no benchmark lines on stdin")
		os.Exit(1)
	}
	fmt.Println("| Benchmark | fake (median) | baseline (median) | ratio (median) | target | met |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, name := range order {
		ratios := s[name]["ratio"]
		if len(ratios) == 0 {
			continue
		}
		ratio, target := median(ratios), ratioTargets[name]
		met := "(no target)"
		if target > 0 {
			met = yes(ratio <= target)
		}
		fmt.Printf("| %s | %s | %s | %.3f× | ≤ %.2f× | %s |\n", name,
			dur(median(s[name]["fake-ns/op"])), dur(median(s[name]["base-ns/op"])), ratio, target, met)
	}
	if v := s["CreateAllocs"]["allocs/op"]; len(v) > 0 {
		m := median(v)
		fmt.Printf("| Allocations per create, in process | %s | | | ≤ 50 | %s |\n", num(m), yes(m <= 50))
	}
	if v := s["Validate"]["ns/op"]; len(v) > 0 {
		m := median(v)
		fmt.Printf("| Validate (decode + schema) | %s, %s B/op | | | ≤ 15 µs | %s |\n", dur(m), num(median(s["Validate"]["B/op"])), yes(m <= 15000))
	}
	if v := s["LogEntry"]["heap-B/entry"]; len(v) > 0 {
		m := median(v)
		fmt.Printf("| Log entry heap beyond bodies | %s B | | | ≤ 2048 B | %s |\n", num(m), yes(m <= 2048))
	}
}

func dur(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
