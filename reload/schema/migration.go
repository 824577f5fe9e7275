package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/farm-stack/farm-lsp/reload/atomicfile"
)

// MigrationsDir is where migration files live by default, relative to the
// workspace (paths.migrations: "apps/api/migrations/*.json").
const MigrationsDir = "apps/api/migrations"

// DirOfGlob returns the directory a paths.migrations glob names: its
// leading segments without glob characters ("db/migrations/*.json" →
// "db/migrations"). It returns MigrationsDir for an empty glob and an error
// for one that is absolute, leaves the workspace or has no fixed directory.
func DirOfGlob(glob string) (string, error) {
	if strings.TrimSpace(glob) == "" {
		return MigrationsDir, nil
	}
	g := filepath.ToSlash(glob)
	var fixed []string
	for _, seg := range strings.Split(g, "/") {
		if strings.ContainsAny(seg, "*?[{") {
			break
		}
		fixed = append(fixed, seg)
	}
	if len(fixed) == len(strings.Split(g, "/")) && len(fixed) > 0 {
		// No glob characters: the last segment is a file pattern only if
		// it names a .json file, else the whole path is the directory.
		if strings.HasSuffix(fixed[len(fixed)-1], ".json") {
			fixed = fixed[:len(fixed)-1]
		}
	}
	dir := path.Clean(strings.Join(fixed, "/"))
	switch {
	case strings.HasPrefix(g, "/") || filepath.IsAbs(glob):
		return "", fmt.Errorf("paths.migrations %q must be relative to the workspace", glob)
	case dir == "." || dir == "":
		return "", fmt.Errorf("paths.migrations %q names no directory (e.g. \"apps/api/migrations/*.json\")", glob)
	case dir == ".." || strings.HasPrefix(dir, "../"):
		return "", fmt.Errorf("paths.migrations %q lies outside the workspace", glob)
	}
	return dir, nil
}

// Generator marks migrations written by farm-lsp.
const Generator = "farm-lsp"

// Migration is the content of apps/api/migrations/NNNN_<slug>.json. Up is
// applied in order; Down undoes Up (in order) as far as data allows.
type Migration struct {
	ID        string   `json:"id"` // the file name without .json
	Generator string   `json:"generator,omitempty"`
	Sources   []Source `json:"sources,omitempty"`
	Up        []Op     `json:"up"`
	Down      []Op     `json:"down"`
}

// Source is a model a migration comes from.
type Source struct {
	Model string `json:"model"`
	Path  string `json:"path,omitempty"`
	Line  int    `json:"line,omitempty"` // 1-based
}

var fileRE = regexp.MustCompile(`^(\d{4,})_[A-Za-z0-9_-]*\.json$`)

// IsMigrationFile reports whether a file name looks like NNNN_<slug>.json.
func IsMigrationFile(name string) bool { return fileRE.MatchString(filepath.Base(name)) }

// Down returns the operations that undo ops, in the order to run them.
// A removed field's data cannot come back: its down re-adds the field
// without a backfill and says so.
func Down(ops []Op) []Op {
	out := make([]Op, 0, len(ops))
	for i := len(ops) - 1; i >= 0; i-- {
		o := ops[i]
		d := o
		d.Note, d.Backfill, d.Default, d.Destructive = "", false, nil, false
		switch o.Kind {
		case CreateCollection:
			d.Kind, d.Destructive = DropCollection, true
		case DropCollection:
			d.Kind = CreateCollection
		case RenameCollection, RenameField:
			d.Destructive = true
			if o.Kind == RenameCollection {
				d.Collection, d.To = o.To, o.Collection
			} else {
				d.Field, d.To = o.To, o.Field
			}
		case AddField:
			d.Kind, d.Destructive = RemoveField, true
		case RemoveField:
			d.Kind = AddField
			d.Note = "values removed by up are not restored"
		case CreateIndex:
			d.Kind, d.Destructive = DropIndex, true
		case DropIndex:
			d.Kind = CreateIndex
		}
		out = append(out, d)
	}
	return out
}

// NewMigration builds the migration for ops (not yet numbered: ID is the
// slug alone until WriteMigration names the file).
func NewMigration(ops []Op) Migration {
	m := Migration{ID: Slug(ops), Generator: Generator, Up: ops, Down: Down(ops)}
	seen := map[string]bool{}
	for _, o := range ops {
		if o.Model == "" || seen[o.Model] {
			continue
		}
		seen[o.Model] = true
		m.Sources = append(m.Sources, Source{Model: o.Model, Path: o.Path, Line: o.Line})
	}
	if m.Up == nil {
		m.Up = []Op{}
	}
	if m.Down == nil {
		m.Down = []Op{}
	}
	return m
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slug names a set of ops for a file name: "user_add_field_age",
// "user_create_index_email_1_and_2_more".
func Slug(ops []Op) string {
	if len(ops) == 0 {
		return "empty"
	}
	o := ops[0]
	subject := o.Field
	switch {
	case o.Index != nil:
		subject = o.Index.Name
	case o.Kind == CreateCollection || o.Kind == DropCollection || o.Kind == RenameCollection:
		subject = o.To
	}
	owner := o.Model
	if owner == "" {
		owner = o.Collection
	}
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(owner+"_"+string(o.Kind)+"_"+subject), "_"), "_")
	if len(s) > 50 {
		s = strings.TrimRight(s[:50], "_")
	}
	if len(ops) > 1 {
		s += fmt.Sprintf("_and_%d_more", len(ops)-1)
	}
	return s
}

// WriteMigration writes ops as the next numbered migration under
// root/relDir (MigrationsDir when relDir is "") and returns its
// workspace-relative slash path. The write is atomic (temp file + rename).
// No ops → no file, "" and nil.
func WriteMigration(root, relDir string, ops []Op) (string, error) {
	if len(ops) == 0 {
		return "", nil
	}
	if relDir == "" {
		relDir = MigrationsDir
	}
	dir := filepath.Join(root, filepath.FromSlash(relDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write migration: %w", err)
	}
	n, err := nextNumber(dir)
	if err != nil {
		return "", fmt.Errorf("write migration: %w", err)
	}
	m := NewMigration(ops)
	m.ID = fmt.Sprintf("%04d_%s", n, m.ID)
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", fmt.Errorf("write migration %s: %w", m.ID, err)
	}
	data = append(data, '\n')
	name := filepath.Join(dir, m.ID+".json")
	if err := atomicfile.Write(name, data, 0o644); err != nil {
		return "", fmt.Errorf("write migration %s: %w", m.ID, err)
	}
	return relDir + "/" + m.ID + ".json", nil
}

func nextNumber(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	max := 0
	for _, e := range entries {
		if m := fileRE.FindStringSubmatch(e.Name()); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > max {
				max = n
			}
		}
	}
	return max + 1, nil
}

// ListMigrations returns the workspace-relative paths of the migration
// files under root/relDir (MigrationsDir when relDir is ""), in number
// order.
func ListMigrations(root, relDir string) ([]string, error) {
	if relDir == "" {
		relDir = MigrationsDir
	}
	dir := filepath.Join(root, filepath.FromSlash(relDir))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	type numbered struct {
		n    int
		name string
	}
	var files []numbered
	for _, e := range entries {
		if m := fileRE.FindStringSubmatch(e.Name()); m != nil && !e.IsDir() {
			n, _ := strconv.Atoi(m[1])
			files = append(files, numbered{n, e.Name()})
		}
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].n != files[j].n {
			return files[i].n < files[j].n
		}
		return files[i].name < files[j].name
	})
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = relDir + "/" + f.name
	}
	return out, nil
}

// ParseMigration decodes a migration file. Numbers in defaults decode as
// int64 when integral, else float64. An empty ID is taken from the file
// name by the caller.
func ParseMigration(content []byte) (Migration, error) {
	var m Migration
	dec := json.NewDecoder(bytes.NewReader(content))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return Migration{}, fmt.Errorf("parse migration: %w", err)
	}
	for _, ops := range [][]Op{m.Up, m.Down} {
		for i := range ops {
			ops[i].Default = normalizeNumbers(ops[i].Default)
		}
	}
	return m, nil
}

func normalizeNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = normalizeNumbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = normalizeNumbers(x[k])
		}
	}
	return v
}
