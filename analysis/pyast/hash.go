package pyast

import (
	"encoding/json"
	"regexp"

	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

// rangeJSON matches any range member in the JSON form of facts.
var rangeJSON = regexp.MustCompile(`"[A-Za-z]*[rR]ange":\{"start":\{"line":\d+,"character":\d+\},"end":\{"line":\d+,"character":\d+\}\},?`)

// semanticHash hashes the facts without ranges, content hash or
// diagnostics, together with the file's token hash (comments and docstrings
// skipped), so that two versions differing only cosmetically hash the same.
func semanticHash(f *facts.File, tokens string) string {
	c := *f
	c.Hash, c.SemanticHash, c.Diagnostics, c.Path = "", "", nil, ""
	b, err := json.Marshal(&c)
	if err != nil {
		return parse.Hash(tokens)
	}
	return parse.Hash(rangeJSON.ReplaceAllString(string(b), ""), tokens)
}
