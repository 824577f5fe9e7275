package coordinator

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/parse"
	"github.com/farm-stack/farm-lsp/analysis/staticjs"
)

// typeGen reads farm.config.ts source the way the coordinator does.
func typeGen(t *testing.T, src string) config.TypeGeneration {
	t.Helper()
	doc, err := parse.Parse(context.Background(), parse.TypeScript, []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := staticjs.ReadModule(doc, "farm.config.ts")
	c, diags := config.FromValue(v, "farm.config.ts")
	if len(diags) > 0 {
		t.Fatalf("config diagnostics: %v", diags)
	}
	return c.Development.HotReload.TypeGeneration
}

func files(m map[string]string) func(string) ([]byte, error) {
	return func(rel string) ([]byte, error) {
		if s, ok := m[rel]; ok {
			return []byte(s), nil
		}
		return nil, fs.ErrNotExist
	}
}

// TestPydanticChoice: an explicit typeGeneration.pydantic wins over the
// requirements' pin and a conflict is a warning at the setting; without
// the setting the pin decides; without either, 2.
func TestPydanticChoice(t *testing.T) {
	explicit2 := typeGen(t, "export default defineConfig({\n  development: { hotReload: { typeGeneration: { pydantic: 2 } } },\n});\n")
	explicit1 := typeGen(t, "export default defineConfig({\n  development: { hotReload: { typeGeneration: { pydantic: 1 } } },\n});\n")
	unset := typeGen(t, "export default defineConfig({ name: 'x' });\n")
	v1pin := files(map[string]string{"apps/api/requirements.txt": "fastapi==0.92.0\npydantic<2\n"})
	v2pin := files(map[string]string{"apps/api/requirements.txt": "fastapi>=0.110\npydantic>=2.5\n"})
	nopin := files(map[string]string{"apps/api/requirements.txt": "fastapi\npydantic\n"})
	none := files(nil)
	cases := []struct {
		name string
		tg   config.TypeGeneration
		read func(string) ([]byte, error)
		want int
		warn string
	}{
		{"explicit 2 beats pydantic<2", explicit2, v1pin, 2, "typeGeneration.pydantic is 2 but apps/api/requirements.txt pins Pydantic 1"},
		{"explicit 1 beats pydantic>=2", explicit1, v2pin, 1, "typeGeneration.pydantic is 1 but apps/api/requirements.txt pins Pydantic 2"},
		{"explicit 2 agrees", explicit2, v2pin, 2, ""},
		{"explicit 1, unversioned", explicit1, nopin, 1, ""},
		{"unset: the pin decides (1)", unset, v1pin, 1, ""},
		{"unset: the pin decides (2)", unset, v2pin, 2, ""},
		{"unset, unversioned", unset, nopin, 2, ""},
		{"nothing at all", unset, none, 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, warn := pydanticChoice(tc.tg, tc.read)
			if got != tc.want {
				t.Errorf("mode %d, want %d", got, tc.want)
			}
			switch {
			case tc.warn == "" && warn != nil:
				t.Errorf("unexpected warning: %s", warn.Message)
			case tc.warn != "" && warn == nil:
				t.Errorf("no warning, want %q", tc.warn)
			case tc.warn != "":
				if !strings.HasPrefix(warn.Message, tc.warn) {
					t.Errorf("warning %q, want %q…", warn.Message, tc.warn)
				}
				// At the value `2` / `1` of the setting, line 2 of the config.
				if warn.Path != "farm.config.ts" || warn.Range.Start.Line != 1 || warn.Range.End.Char-warn.Range.Start.Char != 1 {
					t.Errorf("warning at %s %+v, want the setting's value", warn.Path, warn.Range)
				}
			}
		})
	}
	if _, err := files(nil)("x"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}
