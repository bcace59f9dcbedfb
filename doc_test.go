package streamfake

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedNameIsDocumented: every exported type, function,
// method, constant, variable and struct field of the module's packages has
// a doc comment (a group's comment covers its constants), and no comment
// points outside the repository.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	fset := token.NewFileSet()
	var missing []string
	filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "examples" || d.Name() == "testdata" || d.Name() == "node_modules") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range file.Comments {
			if text := c.Text(); strings.Contains(text, "../") || strings.Contains(text, "shared/design") || strings.Contains(text, "cloudflare-facts") {
				t.Errorf("%s: a comment points outside the repository: %q", fset.Position(c.Pos()), text)
			}
		}
		report := func(pos token.Pos, name string) {
			missing = append(missing, fset.Position(pos).String()+" "+name)
		}
		fields := func(st *ast.StructType) {
			for _, f := range st.Fields.List {
				for _, n := range f.Names {
					if n.IsExported() && f.Doc == nil && f.Comment == nil {
						report(n.Pos(), n.Name)
					}
				}
			}
		}
		for _, decl := range file.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if !decl.Name.IsExported() || (decl.Recv != nil && !receiverExported(decl.Recv)) {
					continue
				}
				if decl.Doc == nil {
					report(decl.Pos(), decl.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range decl.Specs {
					switch spec := spec.(type) {
					case *ast.TypeSpec:
						if !spec.Name.IsExported() {
							continue
						}
						if decl.Doc == nil && spec.Doc == nil {
							report(spec.Pos(), spec.Name.Name)
						}
						if st, ok := spec.Type.(*ast.StructType); ok {
							fields(st)
						}
					case *ast.ValueSpec:
						for _, n := range spec.Names {
							if n.IsExported() && decl.Doc == nil && spec.Doc == nil && spec.Comment == nil {
								report(n.Pos(), n.Name)
							}
						}
					}
				}
			}
		}
		return nil
	})
	for _, m := range missing {
		t.Errorf("no doc comment: %s", m)
	}
}

func receiverExported(recv *ast.FieldList) bool {
	typ := recv.List[0].Type
	if star, ok := typ.(*ast.StarExpr); ok {
		typ = star.X
	}
	id, ok := typ.(*ast.Ident)
	return ok && id.IsExported()
}
