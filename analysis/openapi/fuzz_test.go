package openapi

import (
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/facts"
)

// FuzzBuild feeds arbitrary annotation and default text through a model,
// a route parameter and a response model: Build must not panic and must
// give the same document twice.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{
		"Optional[List[Dict[str, Item]]]", "Union[int, None, 'Item']", "tuple[()]", "Literal['a', 1, None]",
		"Annotated[str, Indexed(unique=True)]", "Page[Page[Item]]", "dict[str, list[set[int]]]", "'Item' | None",
		"Callable[[int], str]", "conlist(Item, min_items=1)", "[", "]]", "Item[", "lambda: x", "x.y.z[1:2]",
		"Field(..., alias='a')", "{'a': [1, 2.5e3, -0x1F]}", "Role.ADMIN", "\"unterminated", "",
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, ann, def string) {
		file := &facts.File{Path: "apps/api/src/models/x.py", Kind: facts.KindBackendModel, Hash: "h",
			Models: []facts.Model{
				{Name: "Item", Bases: []string{"BaseModel"}, Kind: facts.ModelBaseModel, Fields: []facts.Field{
					{Name: "a", Annotation: ann, Default: def, HasDefault: def != ""},
				}},
				{Name: "Page", Bases: []string{"GenericModel", "Generic[T]"}, Kind: facts.ModelBaseModel, TypeVars: []string{"T"}, Fields: []facts.Field{
					{Name: "items", Annotation: "List[T]"},
				}},
			},
			Enums:   []facts.Enum{{Name: "Role", Bases: []string{"str", "Enum"}, Members: []facts.EnumMember{{Name: "ADMIN", Value: def}}}},
			Routers: []facts.Router{{Var: "router", Prefix: "/x"}},
			Routes: []facts.Route{{Router: "router", Method: "POST", Path: "/{id}", Handler: "h", ResponseModel: ann,
				Params: []facts.Param{{Name: "id"}, {Name: "p", Annotation: ann, Default: def, HasDefault: def != ""}}}},
		}
		for _, v := range []int{1, 2} {
			d1, _ := Build([]*facts.File{file}, Options{Pydantic: v})
			d2, _ := NewBuilder().Build([]*facts.File{file}, Options{Pydantic: v})
			j1, err1 := d1.JSON()
			j2, err2 := d2.JSON()
			if err1 != nil || err2 != nil || string(j1) != string(j2) {
				t.Fatalf("v%d: builds differ or fail: %v %v", v, err1, err2)
			}
		}
	})
}
