package classify

import (
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

func TestDefaultKinds(t *testing.T) {
	t.Parallel()
	c := Default()
	cases := map[string]facts.Kind{
		"farm.config.ts":                             facts.KindFarmConfig,
		"apps/api/src/models/user.py":                facts.KindBackendModel,
		"apps/api/src/models/nested/deep.py":         facts.KindBackendModel,
		"apps/api/src/routes/users.py":               facts.KindBackendRoute,
		"apps/api/src/ai/provider.py":                facts.KindAIConfig,
		"apps/api/src/main.py":                       facts.KindBackendSource,
		"apps/api/migrations/0001_add_users.json":    facts.KindDatabaseMigration,
		"apps/web/src/components/UserCard.tsx":       facts.KindFrontendComponent,
		"apps/web/src/pages/UsersPage.tsx":           facts.KindFrontendPage,
		"apps/web/src/hooks/useUsers.ts":             facts.KindFrontendHook,
		"apps/web/src/main.tsx":                      facts.KindFrontendSource,
		"apps/web/vite.config.ts":                    facts.KindViteConfig,
		"plugins/analytics/plugin.json":              facts.KindPluginConfig,
		"plugins/analytics/plugin.ts":                facts.KindPluginConfig,
		"apps/web/src/index.css":                     facts.KindStyle,
		"apps/web/public/logo.svg":                   facts.KindAsset,
		"README.md":                                  facts.KindUnknown,
		"scripts/seed.py":                            facts.KindBackendSource,
		"./apps/api/src/models/user.py":              facts.KindBackendModel,
		"plugins/analytics/components/Analytics.tsx": facts.KindFrontendSource,
	}
	for p, want := range cases {
		if got := c.Kind(p); got != want {
			t.Errorf("Kind(%q) = %s, want %s", p, got, want)
		}
	}
}

func TestOverridesAndGenerated(t *testing.T) {
	t.Parallel()
	c, err := New(Paths{
		Models:    "backend/app/schemas/*.py",
		Generated: []string{"apps/web/src/types/models/index.ts"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Kind("backend/app/schemas/user.py"); got != facts.KindBackendModel {
		t.Errorf("override not applied: %s", got)
	}
	if got := c.Kind("apps/api/src/models/user.py"); got != facts.KindBackendSource {
		t.Errorf("old models path should now be plain backend source, got %s", got)
	}
	if got := c.Kind("apps/web/src/types/models/index.ts"); got != facts.KindGenerated {
		t.Errorf("generated output: %s", got)
	}
	if _, err := New(Paths{Models: "[unclosed"}); err == nil {
		t.Error("invalid glob accepted")
	}
}

func BenchmarkKind(b *testing.B) {
	c := Default()
	for i := 0; i < b.N; i++ {
		c.Kind("apps/web/src/components/deep/nested/Widget.tsx")
	}
}
