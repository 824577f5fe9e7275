// Package pymod resolves Python names through the import graph of a
// backend's files (`import x as y`, relative imports, re-exports through
// `__init__.py`, star imports) and knows the one table of framework classes
// (Beanie, Pydantic, FastAPI, Starlette) and the role each plays. Every
// package that asks "which class does this name mean" or "is this class a
// model" asks here.
package pymod

import "github.com/farm-stack/farm-lsp/analysis/facts"

// Role is what a framework class is to the static model of FastAPI.
type Role string

// Roles.
const (
	// RoleDocument: a Beanie Document (a collection): Document, View,
	// UnionDoc and Beanie's subclasses of Document.
	RoleDocument Role = "document"
	// RoleBaseModel: Pydantic's BaseModel (and SQLModel).
	RoleBaseModel Role = "basemodel"
	// RoleGenericModel: Pydantic 1's pydantic.generics.GenericModel.
	RoleGenericModel Role = "genericmodel"
	// RoleRootModel: Pydantic 2's RootModel.
	RoleRootModel Role = "rootmodel"
	// RoleSettings: pydantic BaseSettings (a BaseModel read from the
	// environment; its literal defaults are static values).
	RoleSettings Role = "settings"
	// RoleModel: a framework class that is itself a Pydantic model users
	// subclass (fastapi.security.HTTPBasicCredentials): Fields lists its
	// fields.
	RoleModel Role = "model"
	// RoleDependency: a framework class used as a dependency whose
	// __init__ declares request parameters (OAuth2PasswordRequestForm):
	// Params lists them.
	RoleDependency Role = "dependency"
	// RoleSecurity: a security scheme class (OAuth2PasswordBearer,
	// HTTPBearer, APIKeyHeader…); Scheme says which.
	RoleSecurity Role = "security"
)

// Framework is one framework class.
type Framework struct {
	Package string // top-level package: "beanie", "pydantic", "fastapi"
	Name    string
	Role    Role
	// Fields are the model fields of a RoleModel class.
	Fields []facts.Field
	// Params are the request parameters of a RoleDependency class, as a
	// handler would declare them.
	Params []facts.Param
	// Scheme is the OpenAPI security scheme type of a RoleSecurity class:
	// "oauth2-password", "oauth2-code", "http-bearer", "http-basic",
	// "http-digest", "apikey-header", "apikey-query", "apikey-cookie",
	// "openid".
	Scheme string
}

// Kind is the model kind a class deriving from f has (ModelUnknown for
// non-model roles).
func (f *Framework) Kind() facts.ModelKind {
	switch f.Role {
	case RoleDocument:
		return facts.ModelDocument
	case RoleBaseModel, RoleGenericModel, RoleRootModel, RoleSettings, RoleModel:
		return facts.ModelBaseModel
	}
	return facts.ModelUnknown
}

func form(name, ann, def string) facts.Param {
	p := facts.Param{Name: name, Annotation: ann, Source: "Form"}
	if def != "" {
		p.Default, p.HasDefault = def, true
	}
	return p
}

var passwordForm = []facts.Param{
	// grant_type: `str = Form(None)` in FastAPI 0.92, `Union[str, None]` in
	// 0.115; Optional renders as both do (v1 drops the None).
	form("grant_type", "Optional[str]", "None"), form("username", "str", ""), form("password", "str", ""),
	form("scope", "str", `""`), form("client_id", "Optional[str]", "None"), form("client_secret", "Optional[str]", "None"),
}

var passwordFormStrict = append([]facts.Param{form("grant_type", "str", "")}, passwordForm[1:]...)

// frameworks is THE table of framework classes → role.
var frameworks = []*Framework{
	{Package: "beanie", Name: "Document", Role: RoleDocument},
	{Package: "beanie", Name: "View", Role: RoleDocument},
	{Package: "beanie", Name: "UnionDoc", Role: RoleDocument},
	{Package: "beanie", Name: "DocumentWithSoftDelete", Role: RoleDocument},
	{Package: "pydantic", Name: "BaseModel", Role: RoleBaseModel},
	{Package: "pydantic", Name: "GenericModel", Role: RoleGenericModel},
	{Package: "pydantic", Name: "RootModel", Role: RoleRootModel},
	{Package: "pydantic", Name: "BaseSettings", Role: RoleSettings},
	{Package: "pydantic_settings", Name: "BaseSettings", Role: RoleSettings},
	{Package: "sqlmodel", Name: "SQLModel", Role: RoleBaseModel},
	{Package: "fastapi", Name: "HTTPBasicCredentials", Role: RoleModel, Fields: []facts.Field{
		{Name: "username", Annotation: "str"}, {Name: "password", Annotation: "str", Index: 1},
	}},
	{Package: "fastapi", Name: "HTTPAuthorizationCredentials", Role: RoleModel, Fields: []facts.Field{
		{Name: "scheme", Annotation: "str"}, {Name: "credentials", Annotation: "str", Index: 1},
	}},
	{Package: "fastapi", Name: "OAuth2PasswordRequestForm", Role: RoleDependency, Params: passwordForm},
	{Package: "fastapi", Name: "OAuth2PasswordRequestFormStrict", Role: RoleDependency, Params: passwordFormStrict},
	{Package: "fastapi", Name: "OAuth2PasswordBearer", Role: RoleSecurity, Scheme: "oauth2-password"},
	{Package: "fastapi", Name: "OAuth2AuthorizationCodeBearer", Role: RoleSecurity, Scheme: "oauth2-code"},
	{Package: "fastapi", Name: "OAuth2", Role: RoleSecurity, Scheme: "oauth2"},
	{Package: "fastapi", Name: "HTTPBearer", Role: RoleSecurity, Scheme: "http-bearer"},
	{Package: "fastapi", Name: "HTTPBasic", Role: RoleSecurity, Scheme: "http-basic"},
	{Package: "fastapi", Name: "HTTPDigest", Role: RoleSecurity, Scheme: "http-digest"},
	{Package: "fastapi", Name: "APIKeyHeader", Role: RoleSecurity, Scheme: "apikey-header"},
	{Package: "fastapi", Name: "APIKeyQuery", Role: RoleSecurity, Scheme: "apikey-query"},
	{Package: "fastapi", Name: "APIKeyCookie", Role: RoleSecurity, Scheme: "apikey-cookie"},
	{Package: "fastapi", Name: "OpenIdConnect", Role: RoleSecurity, Scheme: "openid"},
}

var (
	byPkgName = map[[2]string]*Framework{}
	byName    = map[string]*Framework{}
)

func init() {
	for _, f := range frameworks {
		byPkgName[[2]string{f.Package, f.Name}] = f
		if prev, dup := byName[f.Name]; dup && prev.Role != f.Role {
			continue // ambiguous by bare name: the first one stays
		}
		if _, dup := byName[f.Name]; !dup {
			byName[f.Name] = f
		}
	}
	// starlette re-exports nothing users subclass for models; fastapi's
	// security classes also live under fastapi.security.* (same package).
}

// Lookup returns the framework class name imported from module (dotted,
// any depth: "fastapi.security.oauth2"), or nil.
func Lookup(module, name string) *Framework {
	top := module
	for i := 0; i < len(top); i++ {
		if top[i] == '.' {
			top = top[:i]
			break
		}
	}
	return byPkgName[[2]string{top, name}]
}

// LookupName returns the framework class with that bare (or dotted, last
// component) name, for code that cannot see the import (a name used
// without one, as in a fragment). nil when none.
func LookupName(name string) *Framework {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '.' {
			name = name[i+1:]
			break
		}
	}
	return byName[name]
}

// Frameworks returns the table (read-only).
func Frameworks() []*Framework { return frameworks }
