package snippets

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// block is a fenced code block of a Markdown file.
type block struct {
	file  string
	line  int // of the opening fence
	info  string
	lines []string
}

// moduleRoot walks up from the package directory to go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// goBlocks returns the ```go blocks of a Markdown file.
func goBlocks(t *testing.T, path string) []block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []block
	var cur *block
	fence := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, "`"))]
			info := strings.TrimSpace(trimmed[len(fence):])
			if f := strings.Fields(info); len(f) > 0 && f[0] == "go" {
				cur = &block{file: path, line: n, info: info}
			}
		case fence != "" && strings.HasPrefix(trimmed, fence) && strings.Trim(trimmed, "`") == "":
			if cur != nil {
				out = append(out, *cur)
			}
			cur, fence = nil, ""
		case cur != nil:
			cur.lines = append(cur.lines, line)
		}
	}
	if cur != nil {
		t.Errorf("%s:%d: code block never closed", path, cur.line)
	}
	return out
}

// normalize trims each line and drops leading and trailing blank lines.
func normalize(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimSpace(l)
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// contains reports whether needle is a run of consecutive lines of hay.
func contains(hay, needle []string) bool {
	if len(needle) == 0 {
		return true
	}
	for i := 0; i+len(needle) <= len(hay); i++ {
		match := true
		for j := range needle {
			if hay[i+j] != needle[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// sources returns the code a snippet may come from: the body of every
// Example function in the module's tests, and every file under examples/.
// It also returns the signature of every func and method in the module.
func sources(t *testing.T, root string) (code [][]string, sigs map[string]bool) {
	t.Helper()
	sigs = make(map[string]bool)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if strings.HasPrefix(filepath.ToSlash(rel), "examples/") {
			code = append(code, normalize(strings.Split(string(src), "\n")))
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		test := strings.HasSuffix(path, "_test.go")
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if test && strings.HasPrefix(fn.Name.Name, "Example") && fn.Body != nil {
				body := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
				code = append(code, normalize(strings.Split(string(body), "\n")))
			}
			if !test {
				sigs[signature(fset, fn)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return code, sigs
}

// signature prints a func declaration without its doc and body, on one
// line with single spaces.
func signature(fset *token.FileSet, fn *ast.FuncDecl) string {
	decl := *fn
	decl.Doc, decl.Body = nil, nil
	var buf bytes.Buffer
	printer.Fprint(&buf, fset, &decl)
	return strings.Join(strings.Fields(buf.String()), " ")
}

// apiLine returns the signature on a line of an api block, without its
// trailing comment, or "" for a line that declares no func.
func apiLine(line string) string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "func ") {
		return ""
	}
	if i := strings.Index(line, "//"); i >= 0 {
		line = line[:i]
	}
	return strings.Join(strings.Fields(line), " ")
}

func TestDocsCodeIsCompiled(t *testing.T) {
	root := moduleRoot(t)
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"))
	code, sigs := sources(t, root)
	checked := 0
	for _, file := range files {
		rel, _ := filepath.Rel(root, file)
		for _, b := range goBlocks(t, file) {
			checked++
			if f := strings.Fields(b.info); len(f) > 1 && f[1] == "api" {
				for i, l := range b.lines {
					if sig := apiLine(l); sig != "" && !sigs[sig] {
						t.Errorf("%s:%d: no such func in the module: %s", rel, b.line+1+i, sig)
					}
				}
				continue
			}
			want := normalize(b.lines)
			found := false
			for _, c := range code {
				if contains(c, want) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("%s:%d: this go block appears in no Example function and no file under examples/; copy it from one (or fence a signature listing as ```go api):\n%s",
					rel, b.line, strings.Join(b.lines, "\n"))
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no go blocks: is the test looking in the right place?")
	}
}
