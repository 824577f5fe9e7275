package schema

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

func rng(line int) facts.Range {
	return facts.Range{Start: facts.Pos{Line: line}, End: facts.Pos{Line: line, Char: 10}}
}

type fieldOpt func(*facts.Field)

func def(src string) fieldOpt {
	return func(f *facts.Field) { f.Default, f.HasDefault = src, true }
}
func factory(src string) fieldOpt { return func(f *facts.Field) { f.DefaultFactory = src } }
func alias(a string) fieldOpt     { return func(f *facts.Field) { f.Alias = a } }

func fld(name, ann string, idx int, opts ...fieldOpt) facts.Field {
	f := facts.Field{Name: name, Annotation: ann, Index: idx, Range: rng(10 + idx)}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func doc(name string, fields ...facts.Field) facts.Model {
	return facts.Model{Name: name, Bases: []string{"Document"}, Kind: facts.ModelDocument,
		Fields: fields, NameRange: rng(3)}
}

func withSettings(m facts.Model, coll string, idx ...facts.Index) facts.Model {
	m.Settings = &facts.Settings{Name: coll, NameRange: rng(20), Indexes: idx}
	return m
}

func ix(unique bool, keys ...facts.IndexKey) facts.Index {
	return facts.Index{Keys: keys, Unique: unique, Name: IndexName(keys), Range: rng(21)}
}

func k(f string, d int) facts.IndexKey { return facts.IndexKey{Field: f, Dir: d} }

// brief renders ops compactly for table comparisons.
func brief(ops []Op) []string {
	out := []string{}
	for _, o := range ops {
		s := o.String()
		if o.Kind == AddField {
			if o.Backfill {
				b, _ := json.Marshal(o.Default)
				s += " =" + string(b)
			} else {
				s += " (no backfill)"
			}
		}
		if o.Destructive {
			s += " !"
		}
		out = append(out, s)
	}
	return out
}

func TestDiff(t *testing.T) {
	t.Parallel()
	user := doc("User", fld("name", "str", 0), fld("email", "str", 1))
	tests := []struct {
		name          string
		before, after []facts.Model
		want          []string
	}{
		{
			name:   "unchanged",
			before: []facts.Model{user}, after: []facts.Model{user},
			want: []string{},
		},
		{
			name:   "new document creates collection and its indexes",
			before: nil,
			after:  []facts.Model{withSettings(user, "users", ix(true, k("email", 1)))},
			want:   []string{"create-collection users", "create-index users.email_1"},
		},
		{
			name:   "basemodels are ignored",
			before: nil,
			after:  []facts.Model{{Name: "UserIn", Kind: facts.ModelBaseModel, Fields: user.Fields}},
			want:   []string{},
		},
		{
			name:   "add field with literal default backfills",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("email", "str", 1), fld("age", "int", 2, def("0")))},
			want:   []string{"add-field User.age =0"},
		},
		{
			name:   "add field with default_factory=list backfills []",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("email", "str", 1), fld("tags", "list[str]", 2, factory("list")))},
			want:   []string{"add-field User.tags =[]"},
		},
		{
			name:   "add required field does not backfill",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("email", "str", 1), fld("age", "int", 2))},
			want:   []string{"add-field User.age (no backfill)"},
		},
		{
			name:   "add field with a call default does not backfill",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("email", "str", 1), fld("at", "datetime", 2, factory("datetime.utcnow")))},
			want:   []string{"add-field User.at (no backfill)"},
		},
		{
			name:   "remove field is destructive",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0))},
			want:   []string{"remove-field User.email !"},
		},
		{
			name:   "rename: same annotation, same position",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("mail", "str", 1))},
			want:   []string{"rename-field User.email → mail !"},
		},
		{
			name:   "not a rename when the annotation differs",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("mail", "EmailStr", 1))},
			want:   []string{"remove-field User.email !", "add-field User.mail (no backfill)"},
		},
		{
			name:   "alias is the stored name",
			before: []facts.Model{user},
			after:  []facts.Model{doc("User", fld("name", "str", 0), fld("email", "str", 1), fld("full_name", "str", 2, alias("fullName"), def(`"x"`)))},
			want:   []string{`add-field User.fullName ="x"`},
		},
		{
			name:   "collection renamed via Settings.name",
			before: []facts.Model{withSettings(user, "users")},
			after:  []facts.Model{withSettings(user, "people")},
			want:   []string{"rename-collection users → people !"},
		},
		{
			name:   "index added and removed",
			before: []facts.Model{withSettings(user, "users", ix(false, k("name", 1)))},
			after:  []facts.Model{withSettings(user, "users", ix(false, k("email", 1), k("name", -1)))},
			want:   []string{"drop-index users.name_1 !", "create-index users.email_1_name_-1"},
		},
		{
			name:   "index made unique is dropped and recreated",
			before: []facts.Model{withSettings(user, "users", ix(false, k("email", 1)))},
			after:  []facts.Model{withSettings(user, "users", ix(true, k("email", 1)))},
			want:   []string{"drop-index users.email_1 !", "create-index users.email_1"},
		},
		{
			name:   "removed model drops nothing",
			before: []facts.Model{user},
			after:  nil,
			want:   []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := brief(Diff(tt.before, tt.after))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Diff:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDiffFilesLocatesOps(t *testing.T) {
	t.Parallel()
	before := map[string][]facts.Model{"apps/api/src/models/user.py": {doc("User", fld("name", "str", 0))}}
	after := map[string][]facts.Model{"apps/api/src/models/user.py": {doc("User", fld("name", "str", 0), fld("age", "int", 1, def("18")))}}
	ops := DiffFiles(before, after)
	if len(ops) != 1 {
		t.Fatalf("ops = %v", brief(ops))
	}
	o := ops[0]
	if o.Path != "apps/api/src/models/user.py" || o.Model != "User" || o.Line != 12 || o.Range != rng(11) {
		t.Errorf("op located at %s %s line %d %v", o.Path, o.Model, o.Line, o.Range)
	}
	if o.Default != int64(18) {
		t.Errorf("default = %#v, want int64(18)", o.Default)
	}
}

func TestDefaultValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   FieldDefault
		want any
		ok   bool
	}{
		{FieldDefault{Source: "0", Has: true}, int64(0), true},
		{FieldDefault{Source: "-1_000", Has: true}, int64(-1000), true},
		{FieldDefault{Source: "0x10", Has: true}, int64(16), true},
		{FieldDefault{Source: "1.5e3", Has: true}, 1500.0, true},
		{FieldDefault{Source: `"hi"`, Has: true}, "hi", true},
		{FieldDefault{Source: `'it\'s'`, Has: true}, "it's", true},
		{FieldDefault{Source: `"a" "b"`, Has: true}, "ab", true},
		{FieldDefault{Source: `"""doc"""`, Has: true}, "doc", true},
		{FieldDefault{Source: `r"\d"`, Has: true}, `\d`, true},
		{FieldDefault{Source: `"é\u00e9"`, Has: true}, "éé", true},
		{FieldDefault{Source: "True", Has: true}, true, true},
		{FieldDefault{Source: "False", Has: true}, false, true},
		{FieldDefault{Source: "None", Has: true}, nil, true},
		{FieldDefault{Source: "[]", Has: true}, []any{}, true},
		{FieldDefault{Source: "{}", Has: true}, map[string]any{}, true},
		{FieldDefault{Source: `[1, "a", None,]`, Has: true}, []any{int64(1), "a", nil}, true},
		{FieldDefault{Source: `("a", 2)`, Has: true}, []any{"a", int64(2)}, true},
		{FieldDefault{Source: `{"a": [1], 'b': {"c": True}}`, Has: true}, map[string]any{"a": []any{int64(1)}, "b": map[string]any{"c": true}}, true},
		{FieldDefault{Factory: "list"}, []any{}, true},
		{FieldDefault{Factory: "dict"}, map[string]any{}, true},
		{FieldDefault{Source: "...", Has: true}, nil, false},
		{FieldDefault{}, nil, false},
		{FieldDefault{Source: "uuid4()", Has: true}, nil, false},
		{FieldDefault{Source: "Status.ACTIVE", Has: true}, nil, false},
		{FieldDefault{Source: `f"x{y}"`, Has: true}, nil, false},
		{FieldDefault{Factory: "datetime.utcnow"}, nil, false},
		{FieldDefault{Source: "[1, x]", Has: true}, nil, false},
	}
	for _, tt := range tests {
		got, ok, why := DefaultValue(tt.in)
		if ok != tt.ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("DefaultValue(%+v) = %#v, %v (%s); want %#v, %v", tt.in, got, ok, why, tt.want, tt.ok)
		}
		if !ok && why == "" {
			t.Errorf("DefaultValue(%+v): no reason given", tt.in)
		}
	}
}

func TestWriteMigration(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if p, err := WriteMigration(root, "", nil); p != "" || err != nil {
		t.Fatalf("no ops: %q, %v", p, err)
	}
	dir := filepath.Join(root, MigrationsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// A hand-written migration numbered 0007 makes the next one 0008.
	if err := os.WriteFile(filepath.Join(dir, "0007_manual.json"), []byte(`{"up":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ops := Diff([]facts.Model{doc("User", fld("name", "str", 0))},
		[]facts.Model{doc("User", fld("name", "str", 0), fld("age", "int", 1, def("3")))})
	ops[0].Path = "apps/api/src/models/user.py"
	p, err := WriteMigration(root, "", ops)
	if err != nil {
		t.Fatal(err)
	}
	if want := "apps/api/migrations/0008_user_add_field_age.json"; p != want {
		t.Fatalf("path = %q, want %q", p, want)
	}
	data, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMigration(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "0008_user_add_field_age" || len(m.Up) != 1 || len(m.Down) != 1 {
		t.Fatalf("migration = %+v", m)
	}
	if m.Up[0].Default != int64(3) || !m.Up[0].Backfill {
		t.Errorf("up default = %#v backfill %v", m.Up[0].Default, m.Up[0].Backfill)
	}
	if m.Down[0].Kind != RemoveField || !m.Down[0].Destructive {
		t.Errorf("down = %+v", m.Down[0])
	}
	if len(m.Sources) != 1 || m.Sources[0] != (Source{Model: "User", Path: "apps/api/src/models/user.py", Line: 12}) {
		t.Errorf("sources = %+v", m.Sources)
	}
	if diags := Validate(data, []string{"User"}); len(diags) != 0 {
		t.Errorf("written migration does not validate: %+v", diags)
	}
	list, err := ListMigrations(root, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"apps/api/migrations/0007_manual.json", p}; !reflect.DeepEqual(list, want) {
		t.Errorf("ListMigrations = %q, want %q", list, want)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file left behind: %s", e.Name())
		}
	}
	p2, err := WriteMigration(root, "", ops)
	if err != nil || !strings.HasPrefix(filepath.Base(p2), "0009_") {
		t.Errorf("second write = %q, %v", p2, err)
	}
}

func TestDownInvertsUp(t *testing.T) {
	t.Parallel()
	up := []Op{
		{Kind: RenameCollection, Collection: "users", To: "people", Destructive: true},
		{Kind: RenameField, Collection: "people", Field: "a", To: "b", Destructive: true},
		{Kind: AddField, Collection: "people", Field: "c", Backfill: true, Default: int64(1)},
		{Kind: CreateIndex, Collection: "people", Index: &Index{Name: "c_1"}},
	}
	got := brief(Down(up))
	want := []string{"drop-index people.c_1 !", "remove-field people.c !", "rename-field people.b → a !", "rename-collection people → users !"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Down:\n got %q\nwant %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	known := []string{"users"}
	tests := []struct {
		name    string
		content string
		want    []string // code@line:char message-substring
	}{
		{"valid", `{"up":[{"op":"add-field","collection":"users","field":"a"}],"down":[]}`, nil},
		{"bad json", "{\n  \"up\": [\n    {\"op\": \"add-field\",}\n  ]\n}", []string{"syntax-error@2:23 invalid JSON"}},
		{"truncated", "{\"up\": [", []string{"syntax-error@0:8 invalid JSON"}},
		{"not an object", `[]`, []string{"migration-invalid@0:0 JSON object"}},
		{"missing up", `{"down":[]}`, []string{"migration-invalid@0:0 missing \"up\""}},
		{"unknown op", "{\"up\":[\n {\"op\":\"drop-database\",\"collection\":\"users\"}]}", []string{"migration-invalid@1:7 unknown operation \"drop-database\""}},
		{"unknown collection", "{\"up\":[\n {\"op\":\"remove-field\",\"collection\":\"usrs\",\"field\":\"a\"}]}", []string{"migration-invalid@1:35 unknown collection \"usrs\""}},
		{"created collection is known", `{"up":[{"op":"create-collection","collection":"posts"},{"op":"create-index","collection":"posts","index":{"name":"a_1","keys":[{"field":"a","dir":1}]}}],"down":[{"op":"drop-collection","collection":"posts"}]}`, nil},
		{"missing field", `{"up":[{"op":"rename-field","collection":"users","field":"a"}]}`, []string{`migration-invalid@0:7 rename-field needs "to"`}},
		{"index without keys", `{"up":[{"op":"create-index","collection":"users","index":{"name":"x"}}]}`, []string{"migration-invalid@0:57 create-index needs \"keys\""}},
		{"utf16 columns", "{\"up\":[{\"op\":\"remove-field\",\"collection\":\"é😀\",\"field\":\"a\"}]}", []string{"migration-invalid@0:41 unknown collection"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diags := Validate([]byte(tt.content), known)
			if len(diags) != len(tt.want) {
				t.Fatalf("got %d diagnostics %+v, want %q", len(diags), diags, tt.want)
			}
			for i, d := range diags {
				var code, msg string
				var line, char int
				head, rest, _ := strings.Cut(tt.want[i], " ")
				msg = rest
				at := strings.Index(head, "@")
				code = head[:at]
				if _, err := fmt.Sscanf(head[at+1:], "%d:%d", &line, &char); err != nil {
					t.Fatal(err)
				}
				if d.Code != code || d.Range.Start.Line != line || d.Range.Start.Char != char || !strings.Contains(d.Message, msg) {
					t.Errorf("diagnostic %d = %s@%d:%d %q, want %s", i, d.Code, d.Range.Start.Line, d.Range.Start.Char, d.Message, tt.want[i])
				}
				if d.Severity != facts.SeverityError {
					t.Errorf("severity = %v", d.Severity)
				}
			}
		})
	}
}

func TestDirOfGlob(t *testing.T) {
	t.Parallel()
	for glob, want := range map[string]string{
		"":                           MigrationsDir,
		"apps/api/migrations/*.json": "apps/api/migrations",
		"db/migrations/**/*.json":    "db/migrations",
		"./db/migrations/*.json":     "db/migrations",
		"backend/schema":             "backend/schema",
		"backend/schema/0001_x.json": "backend/schema",
	} {
		if got, err := DirOfGlob(glob); err != nil || got != want {
			t.Errorf("DirOfGlob(%q) = %q, %v; want %q", glob, got, err, want)
		}
	}
	for _, glob := range []string{"/etc/migrations/*.json", "../elsewhere/*.json", "*.json", "db/../../x/*.json"} {
		if got, err := DirOfGlob(glob); err == nil {
			t.Errorf("DirOfGlob(%q) = %q, want an error", glob, got)
		}
	}
}

func TestWriteMigrationInConfiguredDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	ops := Diff([]facts.Model{doc("User", fld("name", "str", 0))},
		[]facts.Model{doc("User", fld("name", "str", 0), fld("age", "int", 1, def("3")))})
	p, err := WriteMigration(root, "db/migrations", ops)
	if err != nil || p != "db/migrations/0001_user_add_field_age.json" {
		t.Fatalf("WriteMigration = %q, %v", p, err)
	}
	if _, err := os.Stat(filepath.Join(root, "db", "migrations", "0001_user_add_field_age.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, MigrationsDir)); !os.IsNotExist(err) {
		t.Errorf("the default directory was created: %v", err)
	}
	list, err := ListMigrations(root, "db/migrations")
	if err != nil || !reflect.DeepEqual(list, []string{p}) {
		t.Errorf("ListMigrations = %q, %v", list, err)
	}
	if list, _ := ListMigrations(root, ""); len(list) != 0 {
		t.Errorf("default dir lists %q", list)
	}
}
