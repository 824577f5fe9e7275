// Package facts holds the plain data that analysis extracts from source files
// (models, routes, components, configuration) and the semantic changes between
// two versions of a file. It has no behaviour beyond small helpers and no
// dependency outside the standard library: every other package speaks it.
package facts

// Pos is a zero-based position: Line counts '\n'-terminated lines and Char
// counts UTF-16 code units from the start of the line (what LSP expects).
type Pos struct {
	Line int `json:"line"`
	Char int `json:"character"`
}

// Range is a half-open span [Start, End) in the same units as Pos.
type Range struct {
	Start Pos `json:"start"`
	End   Pos `json:"end"`
}

// Kind classifies a workspace file (DESIGN.md "File kinds").
type Kind string

// File kinds.
const (
	KindBackendModel      Kind = "backend-model"
	KindBackendRoute      Kind = "backend-route"
	KindBackendSource     Kind = "backend-source"
	KindAIConfig          Kind = "ai-config"
	KindDatabaseMigration Kind = "database-migration"
	KindFrontendComponent Kind = "frontend-component"
	KindFrontendPage      Kind = "frontend-page"
	KindFrontendHook      Kind = "frontend-hook"
	KindFrontendSource    Kind = "frontend-source"
	KindFarmConfig        Kind = "farm-config"
	KindViteConfig        Kind = "vite-config"
	KindPluginConfig      Kind = "plugin-config"
	KindStyle             Kind = "style"
	KindAsset             Kind = "asset"
	KindGenerated         Kind = "generated"
	KindUnknown           Kind = "unknown"
)

// IsPython reports whether files of this kind are parsed as Python.
func (k Kind) IsPython() bool {
	switch k {
	case KindBackendModel, KindBackendRoute, KindBackendSource, KindAIConfig:
		return true
	}
	return false
}

// IsTSX reports whether files of this kind are parsed as TypeScript/TSX.
func (k Kind) IsTSX() bool {
	switch k {
	case KindFrontendComponent, KindFrontendPage, KindFrontendHook, KindFrontendSource,
		KindFarmConfig, KindViteConfig:
		return true
	}
	return false
}

// Severity of a diagnostic, numbered as in LSP.
type Severity int

// Severities.
const (
	SeverityError   Severity = 1
	SeverityWarning Severity = 2
	SeverityInfo    Severity = 3
	SeverityHint    Severity = 4
)

// Diagnostic codes (LSP.md "Diagnostics").
const (
	CodeSyntaxError    = "syntax-error"
	CodeUnsupported    = "unsupported-type"
	CodeUnknownModel   = "unknown-model"
	CodeReloadFailed   = "reload-failed"
	CodeBackendError   = "backend-error"
	CodeMigration      = "migration-pending"
	CodeStaleGenerated = "stale-generated"
	CodeFieldInUse     = "field-in-use"
	CodeFileSkipped    = "file-skipped"
	CodeConfig         = "config"
	// CodeUnknownValue: a value FastAPI computes at import time (a router
	// prefix, a path) that a static reader cannot know.
	CodeUnknownValue = "unknown-value"
)

// Related points a diagnostic at another place (relatedInformation).
type Related struct {
	Path    string `json:"path"`
	Range   Range  `json:"range"`
	Message string `json:"message"`
}

// Diagnostic is a problem found in a file. Path is workspace-relative.
type Diagnostic struct {
	Path     string    `json:"path"`
	Range    Range     `json:"range"`
	Severity Severity  `json:"severity"`
	Code     string    `json:"code"`
	Message  string    `json:"message"`
	Related  []Related `json:"related,omitempty"`
}

// File is everything extracted from one source file. Path is the
// workspace-relative slash path. A file with syntax errors has HasErrors set
// and its other facts are not trusted (the workspace keeps the last good ones).
type File struct {
	Path      string `json:"path"`
	Kind      Kind   `json:"kind"`
	Hash      string `json:"hash"`
	HasErrors bool   `json:"hasErrors,omitempty"`

	// Python.
	Models   []Model   `json:"models,omitempty"`
	Enums    []Enum    `json:"enums,omitempty"`
	Routers  []Router  `json:"routers,omitempty"`
	Routes   []Route   `json:"routes,omitempty"`
	Includes []Include `json:"includes,omitempty"`
	// Functions are module-level functions that are not route handlers
	// (name and body hash), so body edits are seen as backend changes.
	Functions []Symbol `json:"functions,omitempty"`
	// Defs are the module-level functions that are not route handlers,
	// with their parameters (dependencies declare request parameters).
	Defs []Def `json:"defs,omitempty"`
	// Assigns are module-level assignments `NAME = expr` / `NAME: T =
	// expr` (constants, markers, Annotated aliases, settings objects).
	Assigns []Assign `json:"assigns,omitempty"`

	// Both languages.
	Imports []Import `json:"imports,omitempty"`

	// TSX.
	Components []Component `json:"components,omitempty"`
	Exports    []Symbol    `json:"exports,omitempty"` // non-component exports
	// Config is the default-exported (or defineConfig(...)) object literal of
	// farm.config.ts / plugin.ts, or the parsed JSON of plugin.json.
	Config *Value `json:"config,omitempty"`
	// ReadsProps lists property reads `x.prop` in TSX, used to find
	// components that still read a removed model field.
	PropertyReads []PropertyRead `json:"propertyReads,omitempty"`

	// SemanticHash summarises everything above except ranges: two versions
	// with the same SemanticHash differ only cosmetically.
	SemanticHash string `json:"semanticHash"`

	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
}

// ModelKind says what a Python class is once its bases are resolved.
type ModelKind string

// Model kinds.
const (
	ModelDocument  ModelKind = "document"  // beanie.Document (a collection)
	ModelBaseModel ModelKind = "basemodel" // pydantic.BaseModel
	ModelUnknown   ModelKind = ""          // bases not (yet) resolved to either
)

// Model is a Pydantic BaseModel or Beanie Document class.
type Model struct {
	Name     string    `json:"name"`
	Bases    []string  `json:"bases"` // as written: "Document", "BaseModel", "Base", "Generic[T]"
	Kind     ModelKind `json:"kind"`  // resolved by the workspace across files
	TypeVars []string  `json:"typeVars,omitempty"`
	Fields   []Field   `json:"fields"`
	Settings *Settings `json:"settings,omitempty"`
	Methods  []Method  `json:"methods,omitempty"` // validators included (Decorators say which)
	// Init is the parameters of the class's own __init__ (self excluded),
	// nil when it defines none: a class used as a dependency declares
	// request parameters there.
	Init []Param `json:"init,omitempty"`
	// Config is the model configuration: `class Config:` attributes (v1)
	// and `model_config = ConfigDict(k=v)` / `{"k": v}` entries (v2), as
	// canonical source text ("alias_generator": "to_camel").
	Config map[string]string `json:"config,omitempty"`
	// AliasGeneratorRange locates the value of Config["alias_generator"]
	// (for a warning when it cannot be evaluated).
	AliasGeneratorRange *Range `json:"aliasGeneratorRange,omitempty"`
	// SchemaHook is what a custom type's `__modify_schema__` (v1) or
	// `__get_pydantic_json_schema__` (v2) sets with literal values
	// (`field_schema.update(type="string")`, `{"type": "string"}`), as
	// canonical source text by key; HookV2 says which hook it came from.
	SchemaHook map[string]string `json:"schemaHook,omitempty"`
	HookV2     bool              `json:"hookV2,omitempty"`
	// Serializers are the Pydantic 2 plain @field_serializer("field", …)
	// methods of this class that have a return annotation (what the
	// fields' serialization schema becomes).
	Serializers []Serializer `json:"serializers,omitempty"`
	Range       Range        `json:"range"`
	NameRange   Range        `json:"nameRange"`
}

// Field is a class attribute with an annotation.
type Field struct {
	Name       string `json:"name"`
	Annotation string `json:"annotation"` // source text, whitespace-normalised
	// Default is the default's source text ("" when none). For Field(...)
	// it is the Field's first positional or default= argument; "..." means
	// required. DefaultFactory is the default_factory= source text.
	Default        string            `json:"default,omitempty"`
	HasDefault     bool              `json:"hasDefault"`
	DefaultFactory string            `json:"defaultFactory,omitempty"`
	Alias          string            `json:"alias,omitempty"`
	FieldArgs      map[string]string `json:"fieldArgs,omitempty"` // all Field(k=v) keyword args as source
	ClassVar       bool              `json:"classVar,omitempty"`
	Computed       bool              `json:"computed,omitempty"` // @computed_field property
	Index          int               `json:"index"`              // position among the model's fields
	Range          Range             `json:"range"`
	AnnRange       Range             `json:"annRange"`
}

// Settings is a Beanie Document's inner `class Settings`.
type Settings struct {
	Name      string  `json:"name,omitempty"` // collection name
	NameRange Range   `json:"nameRange"`
	Indexes   []Index `json:"indexes,omitempty"`
}

// Index is a MongoDB index declared on a Document.
type Index struct {
	Keys   []IndexKey `json:"keys"`
	Unique bool       `json:"unique,omitempty"`
	Name   string     `json:"name"` // MongoDB's generated name: a_1_b_-1
	Range  Range      `json:"range"`
}

// IndexKey is one key of an index; Dir is 1 or -1.
type IndexKey struct {
	Field string `json:"field"`
	Dir   int    `json:"dir"`
}

// Serializer is a plain field serializer: the fields it serialises, its
// return annotation as written, and whether it takes an info argument
// (Pydantic then keeps the fields' defaults in the output schema).
type Serializer struct {
	Fields []string `json:"fields"`
	Return string   `json:"return"`
	Info   bool     `json:"info,omitempty"`
}

// Method is a function defined in a class (validators included).
type Method struct {
	Name       string   `json:"name"`
	Decorators []string `json:"decorators,omitempty"` // "validator", "field_validator", ...
	BodyHash   string   `json:"bodyHash"`             // hash of the body with comments/whitespace removed
	Range      Range    `json:"range"`
}

// Enum is a `class C(str, Enum)` / IntEnum.
type Enum struct {
	Name    string       `json:"name"`
	Bases   []string     `json:"bases"`
	Members []EnumMember `json:"members"`
	Range   Range        `json:"range"`
}

// EnumMember is NAME = value (Value is the literal's source text).
type EnumMember struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	Range Range  `json:"range"`
}

// Router is `name = APIRouter(prefix="/x", tags=[...])`.
type Router struct {
	Var    string `json:"var"`
	Prefix string `json:"prefix"`
	// PrefixExpr is the prefix's source when it is not a string literal
	// (a constant, an f-string, settings.api_prefix); PrefixRange is its
	// range. Dependencies as for Route.
	PrefixExpr   string   `json:"prefixExpr,omitempty"`
	PrefixRange  Range    `json:"prefixRange"`
	Dependencies []string `json:"dependencies,omitempty"`
	// Tags are the tags=[...] string literals (a non-literal tag is "");
	// UniqueID is the generate_unique_id_function= argument as written.
	// As for Route and Include.
	Tags     []string `json:"tags,omitempty"`
	UniqueID string   `json:"uniqueId,omitempty"`
	// Responses is the responses={404: {"model": M}, …} argument as
	// written (as for Route and Include).
	Responses string `json:"responses,omitempty"`
	// Deprecated is deprecated=True; Hidden is include_in_schema=False
	// (as for Route and Include).
	Deprecated bool  `json:"deprecated,omitempty"`
	Hidden     bool  `json:"hidden,omitempty"`
	Range      Range `json:"range"`
}

// Route is a decorated handler `@router.get("/{id}", response_model=User)`.
type Route struct {
	Router           string  `json:"router"` // decorator object: "router", "app"
	Method           string  `json:"method"` // upper case: GET, POST, ...
	Path             string  `json:"path"`
	ResponseModel    string  `json:"responseModel,omitempty"`
	StatusCode       int     `json:"statusCode,omitempty"`
	Handler          string  `json:"handler"`
	Async            bool    `json:"async,omitempty"`
	Params           []Param `json:"params"`
	ReturnAnnotation string  `json:"returnAnnotation,omitempty"`
	BodyHash         string  `json:"bodyHash"`
	Range            Range   `json:"range"`     // the whole decorated definition
	DecoRange        Range   `json:"decoRange"` // the route decorator
	// Name is the decorator's name= (FastAPI names Body_* schemas and
	// operation ids after it), "" when not given.
	Name string `json:"name,omitempty"`
	// Dependencies are the callables of the decorator's
	// dependencies=[Depends(f), Security(g)] as written.
	Dependencies []string `json:"dependencies,omitempty"`
	// PathExpr is the path argument's source when it is not a string
	// literal (Path then holds the same text), with PathRange its range.
	PathExpr  string `json:"pathExpr,omitempty"`
	PathRange Range  `json:"pathRange"`
	// Tags, UniqueID, Responses, Deprecated and Hidden as for Router.
	Tags       []string `json:"tags,omitempty"`
	UniqueID   string   `json:"uniqueId,omitempty"`
	Responses  string   `json:"responses,omitempty"`
	Deprecated bool     `json:"deprecated,omitempty"`
	Hidden     bool     `json:"hidden,omitempty"`
}

// Def is a module-level function with its parameters (not a route).
type Def struct {
	Name   string  `json:"name"`
	Params []Param `json:"params"`
	// Return is the return annotation as written.
	Return string `json:"return,omitempty"`
	// Returns is the returned expression as written when the body is one
	// return statement (after an optional docstring), "" otherwise.
	Returns string `json:"returns,omitempty"`
	// Source is the definition's source text (decorators excluded) when
	// the function may be an alias generator: one parameter without a
	// default, at most MaxDefSource bytes. Empty otherwise.
	Source string `json:"source,omitempty"`
	Range  Range  `json:"range"`
}

// MaxDefSource bounds Def.Source.
const MaxDefSource = 2048

// Assign is a module-level `NAME = value` (or annotated) assignment.
type Assign struct {
	Name       string `json:"name"`
	Annotation string `json:"annotation,omitempty"`
	Value      string `json:"value"` // canonical source text
	Range      Range  `json:"range"` // of the value
}

// Param is a handler parameter.
type Param struct {
	Name       string `json:"name"`
	Annotation string `json:"annotation,omitempty"`
	Default    string `json:"default,omitempty"`
	HasDefault bool   `json:"hasDefault"`
	// Source is the marker call in the default, when one is used:
	// "Query", "Path", "Body", "Header", "Cookie", "Depends", "File", "Form".
	Source string            `json:"source,omitempty"`
	Args   map[string]string `json:"args,omitempty"` // keyword args of that call, as source
	Range  Range             `json:"range"`
}

// Include is `app.include_router(users.router, prefix="/api")`.
type Include struct {
	Target string `json:"target"` // receiver: "app" or a router var
	Router string `json:"router"` // the argument expression as written
	Prefix string `json:"prefix,omitempty"`
	// PrefixExpr / PrefixRange / Dependencies as for Router.
	PrefixExpr   string   `json:"prefixExpr,omitempty"`
	PrefixRange  Range    `json:"prefixRange"`
	Dependencies []string `json:"dependencies,omitempty"`
	// Tags, UniqueID, Responses, Deprecated and Hidden as for Router.
	Tags       []string `json:"tags,omitempty"`
	UniqueID   string   `json:"uniqueId,omitempty"`
	Responses  string   `json:"responses,omitempty"`
	Deprecated bool     `json:"deprecated,omitempty"`
	Hidden     bool     `json:"hidden,omitempty"`
	Range      Range    `json:"range"`
}

// Import is a Python or TS import. For Python, Module is the dotted path as
// written without leading dots and Level counts the dots; Names are the
// imported names ("*" for star). For TS, Module is the specifier.
type Import struct {
	Module   string   `json:"module"`
	Level    int      `json:"level,omitempty"`
	Names    []string `json:"names,omitempty"`
	TypeOnly bool     `json:"typeOnly,omitempty"`
	// Aliases maps a local name to the imported name it stands for when
	// the import renames (`from .health import router as health_router`
	// gives {"health_router": "router"}; `import a.b as c` gives {"c": "a.b"}).
	Aliases map[string]string `json:"aliases,omitempty"`
	Range   Range             `json:"range"`
}

// Component is an exported React component (a capitalised function or
// arrow function that returns JSX, or the default export).
type Component struct {
	Name      string   `json:"name"`
	Default   bool     `json:"default,omitempty"`
	PropsType string   `json:"propsType,omitempty"` // the props annotation as written
	Props     []Prop   `json:"props,omitempty"`     // members of the props type when declared in the file
	Hooks     []string `json:"hooks,omitempty"`     // useX calls in order
	BodyHash  string   `json:"bodyHash"`
	Range     Range    `json:"range"`
	NameRange Range    `json:"nameRange"`
}

// Prop is one member of a props interface or type literal.
type Prop struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Optional bool   `json:"optional,omitempty"`
}

// Symbol is a named top-level thing with a hash of its source, used for
// non-component exports and plain functions.
type Symbol struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // "function", "const", "class", "type", "interface", "enum"
	Hash  string `json:"hash"`
	Range Range  `json:"range"`
}

// PropertyRead is `obj.prop` (or `obj?.prop`) in TSX source.
type PropertyRead struct {
	Object   string `json:"object"`
	Property string `json:"property"`
	Range    Range  `json:"range"` // of the property name
}
