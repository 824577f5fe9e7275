package openapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
	"github.com/farm-stack/farm-lsp/analysis/openapi/fixture"
)

// TestPrefixComposition: app prefix + include prefix + router prefix + path
// through the import styles main.py files use.
func TestPrefixComposition(t *testing.T) {
	router := func(prefix string) string {
		return "from fastapi import APIRouter\nrouter = APIRouter(prefix=\"" + prefix + "\")\n\n\n@router.get(\"/x\")\ndef x():\n    ...\n"
	}
	tests := []struct {
		name string
		main string
		want string
	}{
		{"package import", "from .routes import users\napp.include_router(users.router, prefix=\"/api\")", "/api/users/x"},
		{"module import", "from .routes.users import router\napp.include_router(router, prefix=\"/v1\")", "/v1/users/x"},
		{"aliased router", "from .routes.users import router as users_router\napp.include_router(users_router)", "/users/x"},
		{"aliased module", "from .routes import users as u\napp.include_router(u.router, prefix=\"/a\")", "/a/users/x"},
		{"absolute import as", "import src.routes.users as ur\napp.include_router(ur.router, prefix=\"/b\")", "/b/users/x"},
		{"absolute dotted", "import src.routes.users\napp.include_router(src.routes.users.router)", "/users/x"},
		{"keyword argument", "from .routes import users\napp.include_router(router=users.router, prefix=\"/k\")", "/k/users/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srcs := map[string][]byte{
				"apps/api/src/__init__.py":        nil,
				"apps/api/src/routes/__init__.py": nil,
				"apps/api/src/routes/users.py":    []byte(router("/users")),
				"apps/api/src/routes/items.py":    []byte(router("/items")),
				"apps/api/src/main.py":            []byte("from fastapi import FastAPI\n" + strings.SplitN(tc.main, "\n", 2)[0] + "\napp = FastAPI()\n" + strings.SplitN(tc.main, "\n", 2)[1] + "\n"),
			}
			files, err := fixture.FromSources(context.Background(), srcs)
			if err != nil {
				t.Fatal(err)
			}
			doc, _ := openapi.Build(files, openapi.Options{})
			var got []string
			for _, p := range doc.Paths {
				got = append(got, p.Path)
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("paths = %v, want [%s]", got, tc.want)
			}
		})
	}
}
