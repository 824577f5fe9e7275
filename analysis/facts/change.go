package facts

// ChangeKind names a semantic change (DESIGN.md "Semantic changes").
type ChangeKind string

// Model changes.
const (
	ModelAdded             ChangeKind = "model-added"
	ModelRemoved           ChangeKind = "model-removed"
	BaseChanged            ChangeKind = "base-changed"
	FieldAdded             ChangeKind = "field-added"
	FieldRemoved           ChangeKind = "field-removed"
	FieldRenamed           ChangeKind = "field-renamed"
	FieldTypeChanged       ChangeKind = "field-type-changed"
	FieldOptionalityChange ChangeKind = "field-optionality-changed"
	FieldDefaultChanged    ChangeKind = "field-default-changed"
	FieldAliasChanged      ChangeKind = "field-alias-changed"
	FieldOrderChanged      ChangeKind = "field-order-changed" // same fields, new order: TS property order
	CollectionRenamed      ChangeKind = "collection-renamed"
	IndexAdded             ChangeKind = "index-added"
	IndexRemoved           ChangeKind = "index-removed"
	ValidatorChanged       ChangeKind = "validator-changed" // method/validator body only
	EnumMemberAdded        ChangeKind = "enum-member-added"
	EnumMemberRemoved      ChangeKind = "enum-member-removed"
	EnumAdded              ChangeKind = "enum-added"
	EnumRemoved            ChangeKind = "enum-removed"
)

// Route changes.
const (
	RouteAdded           ChangeKind = "route-added"
	RouteRemoved         ChangeKind = "route-removed"
	RouteMethodChanged   ChangeKind = "route-method-changed"
	RoutePathChanged     ChangeKind = "route-path-changed"
	ResponseModelChanged ChangeKind = "response-model-changed"
	ParamsChanged        ChangeKind = "params-changed"
	RouterPrefixChanged  ChangeKind = "router-prefix-changed"
	HandlerBodyChanged   ChangeKind = "handler-body-changed"
	IncludeChanged       ChangeKind = "include-changed" // app.include_router set or prefix
)

// Component changes.
const (
	ComponentAdded      ChangeKind = "component-added"
	ComponentRemoved    ChangeKind = "component-removed"
	ComponentRenamed    ChangeKind = "component-renamed"
	PropsChanged        ChangeKind = "props-changed"
	HooksChanged        ChangeKind = "hooks-changed"
	NonComponentExport  ChangeKind = "non-component-export-changed"
	ImportsChanged      ChangeKind = "imports-changed"
	BodyOnly            ChangeKind = "body-only"
	SourceChanged       ChangeKind = "source-changed" // other backend/frontend source whose facts we do not model
	FileAdded           ChangeKind = "file-added"
	FileRemoved         ChangeKind = "file-removed"
	MigrationChanged    ChangeKind = "migration-changed"
	GeneratedFileEdited ChangeKind = "generated-file-edited"
)

// Config changes.
const (
	SectionChanged    ChangeKind = "section-changed"
	AIProviderAdded   ChangeKind = "ai-provider-added"
	AIProviderRemoved ChangeKind = "ai-provider-removed"
	AIProviderUpdated ChangeKind = "ai-provider-updated"
	AIModelAdded      ChangeKind = "ai-model-added"
	AIModelRemoved    ChangeKind = "ai-model-removed"
	AIModelUpdated    ChangeKind = "ai-model-updated"
	PluginAdded       ChangeKind = "plugin-added"
	PluginRemoved     ChangeKind = "plugin-removed"
	PluginUpdated     ChangeKind = "plugin-updated"
)

// SyntaxError is reported instead of any other change when the new tree has
// ERROR or MISSING nodes; nothing is planned from it.
const SyntaxError ChangeKind = "syntax-error"

// Change is one semantic difference between two versions of a file.
type Change struct {
	Kind ChangeKind `json:"kind"`
	Path string     `json:"path"` // workspace-relative
	// FileKind is the kind of the file the change is in.
	FileKind Kind `json:"fileKind"`
	// Subject names what changed: "User", "User.email", "GET /users/{id}",
	// "UserCard", "ai.providers.ollama".
	Subject string `json:"subject"`
	Detail  string `json:"detail,omitempty"` // human sentence
	Range   Range  `json:"range"`            // in the new version (old one for removals)
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	// ModelKind is set for model changes once bases are resolved.
	ModelKind ModelKind `json:"modelKind,omitempty"`
	// EmbeddedIn lists, for a model change, the Documents whose stored
	// shape includes the model (a field of its type, a subclass), sorted.
	EmbeddedIn []string `json:"embeddedIn,omitempty"`
}
