package typegen_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/pyast"
	"github.com/farm-stack/farm-lsp/analysis/tsxast"
	"github.com/farm-stack/farm-lsp/analysis/typegen"
)

// exampleTSX extracts the example app's TSX/TS sources with tsxast.
func exampleTSX(t *testing.T) []*facts.File {
	t.Helper()
	var out []*facts.File
	root := filepath.Join(exampleRoot, "apps/web/src")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".tsx" && filepath.Ext(p) != ".ts") || strings.HasSuffix(p, ".d.ts") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lang := parse.TSX
		if filepath.Ext(p) == ".ts" {
			lang = parse.TypeScript
		}
		doc, err := parse.Parse(context.Background(), lang, src, nil)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(exampleRoot, p)
		out = append(out, tsxast.Extract(doc, filepath.ToSlash(rel), facts.KindFrontendComponent))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// modelChanges diffs user.py before and after an edit with pyast.
func modelChanges(t *testing.T, old, new string) ([]facts.Change, map[string]facts.Model) {
	t.Helper()
	const rel = "apps/api/src/models/user.py"
	src, err := os.ReadFile(filepath.Join(exampleRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), old, new, 1)
	if edited == string(src) {
		t.Fatalf("edit %q not applied", old)
	}
	before, err := fixture.Python(context.Background(), rel, src)
	if err != nil {
		t.Fatal(err)
	}
	after, err := fixture.Python(context.Background(), rel, []byte(edited))
	if err != nil {
		t.Fatal(err)
	}
	fixture.ResolveKinds([]*facts.File{before})
	fixture.ResolveKinds([]*facts.File{after})
	models := map[string]facts.Model{}
	for _, m := range after.Models {
		models[m.Name] = m
	}
	return pyast.Diff(before, after), models
}

func TestFieldInUse(t *testing.T) {
	tsx := exampleTSX(t)
	tests := []struct {
		name     string
		old, new string
		// want lists "path:line:prop" of warnings (1-based lines).
		want []string
	}{
		{
			name: "removed field read by the card",
			old:  "    email: Indexed(EmailStr, unique=True)\n", new: "",
			want: []string{"apps/web/src/components/UserCard.tsx:26:email", "apps/web/src/components/UserCard.tsx:26:email"},
		},
		{
			name: "renamed field",
			old:  "    login_count: int = 0", new: "    logins: int = 0",
			want: []string{"apps/web/src/components/UserCard.tsx:39:login_count"},
		},
		{
			name: "incompatible type change",
			old:  "    tags: List[str] = Field(default_factory=list)", new: "    tags: str = \"\"",
			want: []string{"apps/web/src/components/UserCard.tsx:35:tags"},
		},
		{
			name: "optional added is compatible",
			old:  "    username: Indexed(str, unique=True)", new: "    username: Optional[Indexed(str, unique=True)]",
			want: nil,
		},
		{
			name: "field nobody reads",
			old:  "    is_active: bool = True\n", new: "",
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changes, models := modelChanges(t, tc.old, tc.new)
			ds := typegen.FieldInUse(changes, models, tsx, map[string]string{"User": "apps/api/src/models/user.py"})
			var got []string
			for _, d := range ds {
				if d.Code != facts.CodeFieldInUse || d.Severity != facts.SeverityWarning {
					t.Errorf("bad diagnostic %+v", d)
				}
				if len(d.Related) != 1 || d.Related[0].Path != "apps/api/src/models/user.py" {
					t.Errorf("related = %+v", d.Related)
				}
				got = append(got, d.Path+":"+itoa(d.Range.Start.Line+1)+":"+d.Message[strings.Index(d.Message, ".")+1:strings.Index(d.Message, " ")])
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v\nwant %v\nchanges %+v", got, tc.want, changes)
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
