package openapi_test

import (
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/openapi"
)

func TestPydanticPin(t *testing.T) {
	for src, want := range map[string]int{
		"pydantic<2\n":              1,
		"pydantic==1.10.4\n":        1,
		"pydantic>=2.5\n":           2,
		"pydantic[email]==2.10.6\n": 2,
		"pydantic~=2.7\n":           2,
		"pydantic\n":                0,
		"fastapi==0.115\n":          0,
		"[tool.poetry.dependencies]\npydantic = \"^2.5\"\n":  2,
		"[tool.poetry.dependencies]\npydantic = \"^1.10\"\n": 1,
		"dependencies = [\"pydantic>=2,<3\"]\n":              2,
	} {
		if got := openapi.PydanticPin([]byte(src)); got != want {
			t.Errorf("PydanticPin(%q) = %d, want %d", src, got, want)
		}
	}
}
