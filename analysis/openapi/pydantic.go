package openapi

import (
	"regexp"
	"strings"
)

var (
	// A requirement line or pyproject dependency naming pydantic (extras
	// allowed) followed by its version specifiers.
	pydanticReq  = regexp.MustCompile(`(?i)(?:^|["'\s,\[])pydantic(?:\[[^\]]*\])?\s*([<>=!~^][^"'\n,;#\]]*(?:,\s*[<>=!~][^"'\n,;#\]]*)*)`)
	pydanticTOML = regexp.MustCompile(`(?im)^\s*pydantic\s*=\s*(?:\{[^}]*version\s*=\s*)?["']([^"']+)["']`)
	specRe       = regexp.MustCompile(`(<=|>=|==|~=|!=|<|>|\^|~)\s*v?(\d+)(?:\.(\d+))?`)
)

// DetectPydantic reads a requirements.txt or pyproject.toml and returns the
// Pydantic major version it pins: 1 when the constraints exclude v2
// (`pydantic<2`, `==1.10.4`, `~=1.10`, poetry `^1.10`), otherwise 2 (the
// default, also when pydantic is not mentioned).
func DetectPydantic(requirementsOrPyproject []byte) int {
	src := string(requirementsOrPyproject)
	var specs []string
	for _, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, m := range pydanticReq.FindAllStringSubmatch(line, -1) {
			specs = append(specs, m[1])
		}
	}
	for _, m := range pydanticTOML.FindAllStringSubmatch(src, -1) {
		specs = append(specs, m[1])
	}
	for _, spec := range specs {
		if excludesV2(spec) {
			return 1
		}
	}
	return 2
}

// PydanticPin returns the Pydantic major version a requirements.txt or
// pyproject.toml pins: 1 when its constraints exclude 2.x, 2 when they
// exclude 1.x (`pydantic>=2`, `==2.10.*`, `^2.5`), 0 when it pins neither
// (unversioned or not mentioned).
func PydanticPin(requirementsOrPyproject []byte) int {
	if DetectPydantic(requirementsOrPyproject) == 1 {
		return 1
	}
	src := string(requirementsOrPyproject)
	var specs []string
	for _, line := range strings.Split(src, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, m := range pydanticReq.FindAllStringSubmatch(line, -1) {
			specs = append(specs, m[1])
		}
	}
	for _, m := range pydanticTOML.FindAllStringSubmatch(src, -1) {
		specs = append(specs, m[1])
	}
	for _, spec := range specs {
		for _, m := range specRe.FindAllStringSubmatch(spec, -1) {
			switch op, major := m[1], m[2]; op {
			case ">=", ">", "==", "~=", "^", "~":
				if major != "0" && major != "1" {
					return 2
				}
			}
		}
	}
	return 0
}

// excludesV2 reports whether a version specifier set rules out 2.x.
func excludesV2(spec string) bool {
	for _, m := range specRe.FindAllStringSubmatch(spec, -1) {
		op, major, minor := m[1], m[2], m[3]
		switch op {
		case "<":
			if major == "2" && (minor == "" || minor == "0") || major == "1" || major == "0" {
				return true
			}
		case "<=", "==", "~=", "^", "~":
			if major == "1" || major == "0" {
				return true
			}
		}
	}
	return false
}
