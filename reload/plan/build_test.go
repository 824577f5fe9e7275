package plan

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

const (
	userPy  = "apps/api/src/models/user.py"
	routePy = "apps/api/src/routes/users.py"
	cardTSX = "apps/web/src/components/UserCard.tsx"
	farmTS  = "farm.config.ts"
)

func doc(k facts.ChangeKind, subject string) facts.Change {
	return facts.Change{Kind: k, Path: userPy, FileKind: facts.KindBackendModel, Subject: subject, ModelKind: facts.ModelDocument}
}

func base(k facts.ChangeKind, subject string) facts.Change {
	return facts.Change{Kind: k, Path: userPy, FileKind: facts.KindBackendModel, Subject: subject, ModelKind: facts.ModelBaseModel}
}

func route(k facts.ChangeKind, subject string) facts.Change {
	return facts.Change{Kind: k, Path: routePy, FileKind: facts.KindBackendRoute, Subject: subject}
}

func tsx(k facts.ChangeKind, subject string) facts.Change {
	return facts.Change{Kind: k, Path: cardTSX, FileKind: facts.KindFrontendComponent, Subject: subject}
}

func cfg(k facts.ChangeKind, subject string) facts.Change {
	return facts.Change{Kind: k, Path: farmTS, FileKind: facts.KindFarmConfig, Subject: subject}
}

// shape renders a plan's tasks as "id kind:target(mode)<-deps" lines.
func shape(p Plan) []string {
	out := []string{}
	for _, t := range p.Tasks {
		s := t.ID + " " + string(t.Kind) + ":" + t.Target
		if t.Mode != "" {
			s += "(" + t.Mode + ")"
		}
		if len(t.DependsOn) > 0 {
			s += "<-" + strings.Join(t.DependsOn, ",")
		}
		out = append(out, s)
	}
	return out
}

type ruleCase struct {
	name    string
	changes []facts.Change
	opts    Options
	want    []string
}

// embedded says which Documents store the changed model.
func embedded(c facts.Change, docs ...string) facts.Change {
	c.EmbeddedIn = docs
	return c
}

// ruleCases is DESIGN.md's plan-rules table, change kind by change kind.
func ruleCases() []ruleCase {
	docChain := []string{
		"t1 database-schema-update:User",
		"t2 type-generation:types",
		"t3 backend-reload:api<-t1",
		"t4 frontend-hmr:web(full)<-t2",
	}
	baseChain := []string{
		"t1 type-generation:types",
		"t2 backend-reload:api",
		"t3 frontend-hmr:web(full)<-t1",
	}
	// A model appearing, disappearing or changing base can change route
	// signatures: the client is regenerated too.
	docIdentityChain := []string{
		"t1 database-schema-update:User",
		"t2 type-generation:types",
		"t3 api-client-generation:api-client",
		"t4 backend-reload:api<-t1",
		"t5 frontend-hmr:web(full)<-t2,t3",
	}
	baseIdentityChain := []string{
		"t1 type-generation:types",
		"t2 api-client-generation:api-client",
		"t3 backend-reload:api",
		"t4 frontend-hmr:web(full)<-t1,t2",
	}
	routeChain := []string{
		"t1 api-client-generation:api-client",
		"t2 backend-reload:api",
		"t3 frontend-hmr:web(full)<-t1",
	}
	backendOnly := []string{"t1 backend-reload:api"}
	hmr := func(mode string) []string { return []string{"t1 frontend-hmr:web(" + mode + ")"} }

	return []ruleCase{
		{"no changes", nil, Options{}, []string{}},
		{"document field added", []facts.Change{doc(facts.FieldAdded, "User.email")}, Options{}, docChain},
		{"document field removed", []facts.Change{doc(facts.FieldRemoved, "User.email")}, Options{}, docChain},
		{"document field renamed", []facts.Change{doc(facts.FieldRenamed, "User.mail")}, Options{}, docChain},
		{"document field type", []facts.Change{doc(facts.FieldTypeChanged, "User.age")}, Options{}, docChain},
		{"document optionality", []facts.Change{doc(facts.FieldOptionalityChange, "User.age")}, Options{}, docChain},
		{"document default", []facts.Change{doc(facts.FieldDefaultChanged, "User.age")}, Options{}, docChain},
		{"document alias", []facts.Change{doc(facts.FieldAliasChanged, "User.age")}, Options{}, docChain},
		{"document field order (no database task)", []facts.Change{doc(facts.FieldOrderChanged, "User")}, Options{}, baseChain},
		{"document field order, types off", []facts.Change{doc(facts.FieldOrderChanged, "User")}, Options{NoTypesOnModelChange: true}, backendOnly},
		{"document model added", []facts.Change{doc(facts.ModelAdded, "User")}, Options{}, docIdentityChain},
		{"document model removed", []facts.Change{doc(facts.ModelRemoved, "User")}, Options{}, docIdentityChain},
		{"document base changed", []facts.Change{doc(facts.BaseChanged, "User")}, Options{}, docIdentityChain},
		{"document enum member", []facts.Change{doc(facts.EnumMemberAdded, "User.Role")}, Options{}, docChain},
		{"document index added", []facts.Change{doc(facts.IndexAdded, "User.email_1")},
			Options{}, []string{"t1 database-schema-update:User", "t2 backend-reload:api<-t1"}},
		{"document index removed", []facts.Change{doc(facts.IndexRemoved, "User.email_1")},
			Options{}, []string{"t1 database-schema-update:User", "t2 backend-reload:api<-t1"}},
		{"document collection renamed", []facts.Change{doc(facts.CollectionRenamed, "User")},
			Options{}, []string{"t1 database-schema-update:User", "t2 backend-reload:api<-t1"}},
		{"basemodel field added", []facts.Change{base(facts.FieldAdded, "UserIn.email")}, Options{}, baseChain},
		{"basemodel model removed", []facts.Change{base(facts.ModelRemoved, "UserIn")}, Options{}, baseIdentityChain},
		{"embedded basemodel field added", []facts.Change{embedded(base(facts.FieldAdded, "Audit.reason"), "Account", "User")}, Options{}, []string{
			"t1 database-schema-update:Account",
			"t2 database-schema-update:User",
			"t3 type-generation:types",
			"t4 backend-reload:api<-t1,t2",
			"t5 frontend-hmr:web(full)<-t3",
		}},
		{"embedded basemodel, no database", []facts.Change{embedded(base(facts.FieldAdded, "Audit.reason"), "User")}, Options{DisableDatabase: true}, baseChain},
		{"basemodel renamed (removed + added)", []facts.Change{base(facts.ModelRemoved, "UserIn"), base(facts.ModelAdded, "UserCreate")}, Options{}, baseIdentityChain},
		{"basemodel removed, client off", []facts.Change{base(facts.ModelRemoved, "UserIn")}, Options{NoClientOnRouteChange: true}, baseChain},
		{"enum member removed (no model kind)", []facts.Change{{Kind: facts.EnumMemberRemoved, Path: userPy, FileKind: facts.KindBackendModel, Subject: "Role.ADMIN"}}, Options{}, baseChain},
		{"validator", []facts.Change{doc(facts.ValidatorChanged, "User.check_email")}, Options{}, backendOnly},
		{"handler body", []facts.Change{route(facts.HandlerBodyChanged, "GET /users")}, Options{}, backendOnly},
		{"backend source", []facts.Change{{Kind: facts.SourceChanged, Path: "apps/api/src/db.py", FileKind: facts.KindBackendSource}}, Options{}, backendOnly},
		{"python imports", []facts.Change{{Kind: facts.ImportsChanged, Path: "apps/api/src/db.py", FileKind: facts.KindBackendSource}}, Options{}, backendOnly},
		{"route added", []facts.Change{route(facts.RouteAdded, "GET /users/{id}")}, Options{}, routeChain},
		{"route removed", []facts.Change{route(facts.RouteRemoved, "GET /users/{id}")}, Options{}, routeChain},
		{"route method", []facts.Change{route(facts.RouteMethodChanged, "PUT /users/{id}")}, Options{}, routeChain},
		{"route path", []facts.Change{route(facts.RoutePathChanged, "GET /u/{id}")}, Options{}, routeChain},
		{"response model", []facts.Change{route(facts.ResponseModelChanged, "GET /users/{id}")}, Options{}, routeChain},
		{"params", []facts.Change{route(facts.ParamsChanged, "GET /users")}, Options{}, routeChain},
		{"router prefix", []facts.Change{route(facts.RouterPrefixChanged, "router")}, Options{}, routeChain},
		{"include", []facts.Change{{Kind: facts.IncludeChanged, Path: "apps/api/src/main.py", FileKind: facts.KindBackendSource, Subject: "users.router"}}, Options{}, routeChain},
		{"ai provider", []facts.Change{cfg(facts.AIProviderUpdated, "ai.providers.ollama")}, Options{}, []string{"t1 ai-model-reload:ollama"}},
		{"ai models of two providers", []facts.Change{
			cfg(facts.AIModelAdded, "ai.providers.ollama.models.llama3.1"),
			cfg(facts.AIModelRemoved, "openai/gpt-4o"),
			cfg(facts.AIModelUpdated, "ai.providers.ollama.defaultModel"),
		}, Options{}, []string{"t1 ai-model-reload:ollama", "t2 ai-model-reload:openai"}},
		{"plugin added", []facts.Change{cfg(facts.PluginAdded, "analytics")}, Options{},
			[]string{"t1 plugin-reload:analytics", "t2 frontend-hmr:web(full)<-t1"}},
		{"plugin manifest with backend", []facts.Change{{Kind: facts.PluginUpdated, Path: "plugins/auth/plugin.json", FileKind: facts.KindPluginConfig, Subject: "auth", After: `{"name":"auth","backend":{"routes":"x"}}`}}, Options{},
			[]string{"t1 plugin-reload:auth", "t2 backend-reload:api<-t1", "t3 frontend-hmr:web(full)<-t1"}},
		{"plugin source by path", []facts.Change{{Kind: facts.SourceChanged, Path: "plugins/auth/plugin.ts", FileKind: facts.KindPluginConfig}}, Options{},
			[]string{"t1 plugin-reload:auth", "t2 frontend-hmr:web(full)<-t1"}},
		{"tsx body only", []facts.Change{tsx(facts.BodyOnly, "UserCard")}, Options{}, hmr(HMRModules)},
		{"tsx hooks", []facts.Change{tsx(facts.HooksChanged, "UserCard")}, Options{}, hmr(HMRRemount)},
		{"tsx non-component export", []facts.Change{tsx(facts.NonComponentExport, "formatUser")}, Options{}, hmr(HMRFull)},
		{"tsx component added", []facts.Change{tsx(facts.ComponentAdded, "UserBadge")}, Options{}, hmr(HMRModules)},
		{"tsx component removed", []facts.Change{tsx(facts.ComponentRemoved, "UserBadge")}, Options{}, hmr(HMRFull)},
		{"tsx component renamed", []facts.Change{tsx(facts.ComponentRenamed, "UserBadge")}, Options{}, hmr(HMRFull)},
		{"tsx props", []facts.Change{tsx(facts.PropsChanged, "UserCard")}, Options{}, hmr(HMRModules)},
		{"tsx imports", []facts.Change{tsx(facts.ImportsChanged, "UserCard")}, Options{}, hmr(HMRModules)},
		{"style", []facts.Change{{Kind: facts.SourceChanged, Path: "apps/web/src/index.css", FileKind: facts.KindStyle}}, Options{}, hmr(HMRModules)},
		{"frontend file removed", []facts.Change{{Kind: facts.FileRemoved, Path: "apps/web/src/lib/x.ts", FileKind: facts.KindFrontendSource}}, Options{}, hmr(HMRFull)},
		{"vite config", []facts.Change{{Kind: facts.SourceChanged, Path: "apps/web/vite.config.ts", FileKind: facts.KindViteConfig}}, Options{}, hmr(HMRFull)},
		{"hmr strongest mode wins", []facts.Change{tsx(facts.BodyOnly, "A"), tsx(facts.HooksChanged, "B"), tsx(facts.BodyOnly, "C")}, Options{}, hmr(HMRRemount)},
		{"hmr full beats remount", []facts.Change{tsx(facts.HooksChanged, "B"), tsx(facts.NonComponentExport, "x"), tsx(facts.BodyOnly, "C")}, Options{}, hmr(HMRFull)},
		{"development section", []facts.Change{cfg(facts.SectionChanged, "development")}, Options{}, []string{}},
		{"development.hotReload section", []facts.Change{cfg(facts.SectionChanged, "development.hotReload")}, Options{}, []string{}},
		{"ai section alone", []facts.Change{cfg(facts.SectionChanged, "ai")}, Options{}, []string{"t1 ai-model-reload:*"}},
		{"ai section with provider change", []facts.Change{cfg(facts.SectionChanged, "ai"), cfg(facts.AIProviderAdded, "ai.providers.openai")}, Options{}, []string{"t1 ai-model-reload:openai"}},
		{"plugins section alone", []facts.Change{cfg(facts.SectionChanged, "plugins")}, Options{}, []string{"t1 plugin-reload:*", "t2 frontend-hmr:web(full)<-t1"}},
		{"database section", []facts.Change{cfg(facts.SectionChanged, "database")}, Options{}, backendOnly},
		{"unknown section", []facts.Change{cfg(facts.SectionChanged, "template")}, Options{}, []string{}},
		{"migration edited", []facts.Change{{Kind: facts.MigrationChanged, Path: "apps/api/migrations/0001_init.json", FileKind: facts.KindDatabaseMigration}}, Options{}, []string{"t1 database-schema-update:migrations"}},
		{"generated file edited", []facts.Change{{Kind: facts.GeneratedFileEdited, Path: "apps/web/src/services/api.ts", FileKind: facts.KindGenerated}}, Options{}, []string{}},
		{"syntax error only", []facts.Change{{Kind: facts.SyntaxError, Path: userPy, FileKind: facts.KindBackendModel}}, Options{}, []string{}},
		{"syntax error file is skipped, others planned", []facts.Change{
			{Kind: facts.SyntaxError, Path: userPy, FileKind: facts.KindBackendModel},
			doc(facts.FieldAdded, "User.email"),
			tsx(facts.BodyOnly, "UserCard"),
		}, Options{}, hmr(HMRModules)},
		{"type generation disabled: document", []facts.Change{doc(facts.FieldAdded, "User.email")}, Options{DisableTypeGeneration: true},
			[]string{"t1 database-schema-update:User", "t2 backend-reload:api<-t1"}},
		{"no types on model change: basemodel", []facts.Change{base(facts.FieldAdded, "UserIn.email")}, Options{NoTypesOnModelChange: true}, backendOnly},
		{"no client on route change", []facts.Change{route(facts.RouteAdded, "GET /x")}, Options{NoClientOnRouteChange: true}, backendOnly},
		{"no database", []facts.Change{doc(facts.FieldAdded, "User.email")}, Options{DisableDatabase: true},
			[]string{"t1 type-generation:types", "t2 backend-reload:api", "t3 frontend-hmr:web(full)<-t1"}},
		{"ai disabled", []facts.Change{cfg(facts.AIModelAdded, "ai.providers.ollama.models.x")}, Options{DisableAI: true}, []string{}},
		{"two documents: one type generation after both schema updates", []facts.Change{
			doc(facts.FieldAdded, "User.email"),
			{Kind: facts.FieldAdded, Path: "apps/api/src/models/post.py", FileKind: facts.KindBackendModel, Subject: "Post.title", ModelKind: facts.ModelDocument},
		}, Options{}, []string{
			"t1 database-schema-update:User",
			"t2 database-schema-update:Post",
			"t3 type-generation:types",
			"t4 backend-reload:api<-t1,t2",
			"t5 frontend-hmr:web(full)<-t3",
		}},
		{"burst: model, route, body, tsx, ai", []facts.Change{
			tsx(facts.BodyOnly, "UserCard"),
			cfg(facts.AIModelAdded, "ai.providers.ollama.models.llama3.1"),
			route(facts.HandlerBodyChanged, "GET /users"),
			base(facts.FieldAdded, "UserIn.email"),
			route(facts.RouteAdded, "GET /users/{id}"),
		}, Options{}, []string{
			"t1 type-generation:types",
			"t2 api-client-generation:api-client",
			"t3 backend-reload:api",
			"t4 frontend-hmr:web(full)<-t1,t2",
			"t5 ai-model-reload:ollama",
		}},
	}
}

func TestBuildRules(t *testing.T) {
	t.Parallel()
	tests := ruleCases()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Build("p1", Trigger{Path: userPy, Kind: facts.KindBackendModel}, tt.changes, tt.opts)
			if p.Err != "" {
				t.Fatalf("Err = %q", p.Err)
			}
			if p.Tasks == nil || p.Files == nil || p.Changes == nil {
				t.Fatalf("nil slices in plan: tasks=%v files=%v changes=%v", p.Tasks == nil, p.Files == nil, p.Changes == nil)
			}
			if got := shape(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("tasks\n got %q\nwant %q", got, tt.want)
			}
			for _, task := range p.Tasks {
				if task.Reason == "" || !strings.HasSuffix(task.Reason, ".") {
					t.Errorf("task %s reason %q is not a sentence", task.ID, task.Reason)
				}
				if task.DependsOn == nil {
					t.Errorf("task %s DependsOn is nil (marshals as null)", task.ID)
				}
			}
		})
	}
}

func TestBuildNotes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		changes []facts.Change
		want    string
	}{
		{"development", []facts.Change{cfg(facts.SectionChanged, "development")}, "reconfigures itself"},
		{"syntax error", []facts.Change{{Kind: facts.SyntaxError, Path: userPy}}, userPy + " has syntax errors"},
		{"generated", []facts.Change{{Kind: facts.GeneratedFileEdited, Path: "apps/web/src/hooks/api.ts", FileKind: facts.KindGenerated}}, "farm.regenerate"},
		{"ai disabled", []facts.Change{cfg(facts.AIProviderAdded, "ai.providers.x")}, "AI hot reload is disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Build("p", Trigger{}, tt.changes, Options{DisableAI: true})
			if len(p.Tasks) != 0 {
				t.Fatalf("tasks = %v, want none", shape(p))
			}
			if !strings.Contains(strings.Join(p.Notes, "\n"), tt.want) {
				t.Errorf("notes %q do not mention %q", p.Notes, tt.want)
			}
		})
	}
}

func TestBuildDedupMerges(t *testing.T) {
	t.Parallel()
	other := "apps/api/src/models/post.py"
	changes := []facts.Change{
		base(facts.FieldAdded, "UserIn.email"),
		{Kind: facts.FieldRemoved, Path: other, FileKind: facts.KindBackendModel, Subject: "PostIn.body", ModelKind: facts.ModelBaseModel},
		base(facts.FieldAdded, "UserIn.email"), // same change saved twice in a burst
		tsx(facts.HooksChanged, "UserCard"),
	}
	p := Build("p7", Trigger{Path: userPy, Kind: facts.KindBackendModel}, changes, Options{})
	want := []string{"t1 type-generation:types", "t2 backend-reload:api", "t3 frontend-hmr:web(full)<-t1"}
	if got := shape(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("tasks %q, want %q", got, want)
	}
	tg := p.Tasks[0]
	if !reflect.DeepEqual(tg.Files, []string{userPy, other}) {
		t.Errorf("type-generation files = %q", tg.Files)
	}
	if len(tg.Changes) != 3 {
		t.Errorf("type-generation has %d changes, want 3", len(tg.Changes))
	}
	if want := "Regenerate TypeScript types for field added UserIn.email, field removed PostIn.body."; tg.Reason != want {
		t.Errorf("reason %q, want %q", tg.Reason, want)
	}
	hmr := p.Tasks[2]
	if !reflect.DeepEqual(hmr.Files, []string{userPy, other, cardTSX}) {
		t.Errorf("hmr files = %q", hmr.Files)
	}
	for _, s := range []string{"Full page reload", "TypeScript types were regenerated", "hooks changed", "hooks changed UserCard"} {
		if !strings.Contains(hmr.Reason, s) {
			t.Errorf("hmr reason %q lacks %q", hmr.Reason, s)
		}
	}
	if !reflect.DeepEqual(p.Files, []string{userPy, other, cardTSX}) {
		t.Errorf("plan files = %q", p.Files)
	}
	if len(p.Changes) != 4 {
		t.Errorf("plan changes = %d, want 4", len(p.Changes))
	}
}

func TestBuildReasonCapped(t *testing.T) {
	t.Parallel()
	var changes []facts.Change
	for i := 0; i < 10; i++ {
		changes = append(changes, tsx(facts.BodyOnly, fmt.Sprintf("C%d", i)))
	}
	p := Build("p", Trigger{}, changes, Options{MaxReasonItems: 3})
	if want := "Hot update the changed modules for body only C0, body only C1, body only C2 and 7 more."; p.Tasks[0].Reason != want {
		t.Errorf("reason %q, want %q", p.Tasks[0].Reason, want)
	}
}

func TestBuildDeterministic(t *testing.T) {
	t.Parallel()
	changes := []facts.Change{
		{Kind: facts.SyntaxError, Path: "b.py"}, {Kind: facts.SyntaxError, Path: "a.py"},
		doc(facts.FieldAdded, "User.email"), route(facts.RouteAdded, "GET /x"), tsx(facts.HooksChanged, "C"),
	}
	first := Build("p", Trigger{}, changes, Options{})
	for i := 0; i < 20; i++ {
		if again := Build("p", Trigger{}, changes, Options{}); !reflect.DeepEqual(first, again) {
			t.Fatalf("Build is not deterministic:\n%+v\n%+v", first, again)
		}
	}
}

func TestOrder(t *testing.T) {
	t.Parallel()
	tk := func(id string, prio int, deps ...string) Task {
		return Task{ID: id, Priority: prio, DependsOn: deps}
	}
	ids := func(ts []Task) []string {
		out := []string{}
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	tests := []struct {
		name    string
		in      []Task
		want    []string
		wantErr string
	}{
		{"empty", nil, []string{}, ""},
		{"priority among ready", []Task{tk("a", 3), tk("b", 1), tk("c", 2)}, []string{"b", "c", "a"}, ""},
		{"insertion breaks ties", []Task{tk("a", 1), tk("b", 1), tk("c", 1)}, []string{"a", "b", "c"}, ""},
		{"dependency beats priority", []Task{tk("a", 1, "b"), tk("b", 9)}, []string{"b", "a"}, ""},
		{"diamond", []Task{tk("d", 1, "b", "c"), tk("c", 2, "a"), tk("b", 3, "a"), tk("a", 4)}, []string{"a", "c", "b", "d"}, ""},
		{"unknown dependency is satisfied", []Task{tk("a", 2, "gone"), tk("b", 1)}, []string{"b", "a"}, ""},
		{"repeated dependency", []Task{tk("a", 1, "b", "b"), tk("b", 1)}, []string{"b", "a"}, ""},
		{"cycle", []Task{tk("x", 1), tk("a", 1, "b"), tk("b", 1, "c"), tk("c", 1, "a")}, nil, "dependency cycle: a → b → c → a"},
		{"self cycle", []Task{tk("a", 1, "a")}, nil, "dependency cycle: a → a"},
		{"duplicate id", []Task{tk("a", 1), tk("a", 2)}, nil, `duplicate task id "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Order(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "cycle") && !errors.Is(err, ErrCycle) {
					t.Errorf("err %v does not wrap ErrCycle", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids(got), tt.want) {
				t.Errorf("order %q, want %q", ids(got), tt.want)
			}
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	// A git checkout touching 200 files of every kind.
	var changes []facts.Change
	for i := 0; i < 40; i++ {
		changes = append(changes,
			facts.Change{Kind: facts.FieldAdded, Path: fmt.Sprintf("apps/api/src/models/m%d.py", i), FileKind: facts.KindBackendModel, Subject: fmt.Sprintf("M%d.f", i), ModelKind: facts.ModelDocument},
			route(facts.ParamsChanged, fmt.Sprintf("GET /r%d", i)),
			route(facts.HandlerBodyChanged, fmt.Sprintf("GET /r%d", i)),
			tsx(facts.BodyOnly, fmt.Sprintf("C%d", i)),
			tsx(facts.HooksChanged, fmt.Sprintf("C%d", i)),
		)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p := Build("p", Trigger{}, changes, Options{})
		if len(p.Tasks) == 0 {
			b.Fatal("no tasks")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(changes)), "ns/change")
}

func BenchmarkBuildSingleSave(b *testing.B) {
	changes := []facts.Change{doc(facts.FieldAdded, "User.email")}
	b.ReportAllocs()
	for b.Loop() {
		Build("p", Trigger{}, changes, Options{})
	}
}
