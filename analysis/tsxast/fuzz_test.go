package tsxast

import (
	"context"
	"testing"

	"github.com/farm-stack/farm-lsp/analysis/config"
	"github.com/farm-stack/farm-lsp/analysis/facts"
	"github.com/farm-stack/farm-lsp/analysis/parse"
)

func extractSrc(src string) *facts.File {
	doc, err := parse.Parse(context.Background(), parse.TSX, []byte(src), nil)
	if err != nil {
		panic(err)
	}
	return Extract(doc, "x.tsx", facts.KindFrontendComponent)
}

// FuzzExtractDiff feeds arbitrary pairs of sources (garbage, invalid
// UTF-8) through Extract and Diff under every kind and both grammars.
// Each input parses eight times, so minimising a new coverage input is
// slow: run with -fuzzminimizetime 1x to keep the fuzzer moving.
func FuzzExtractDiff(f *testing.F) {
	seeds := []string{
		"export function A({ a }: { a: string }) { const [x] = useState(0); return <p>{a.b?.c}</p>; }",
		"export default memo(forwardRef<HTMLDivElement, P>((p, r) => <div ref={r} />));",
		"export default defineConfig({ ai: { providers: { ollama: { models: ['x'] } } }, plugins: [['a', {}]] });",
		"\xff\xfe\x00<<>>{{",
		"export const X = () => <>\n</>; export * as ns from './n';",
		"",
	}
	for _, s := range seeds {
		f.Add(s, s+"\n// edit")
	}
	kinds := []facts.Kind{facts.KindFrontendComponent, facts.KindFarmConfig, facts.KindPluginConfig, facts.KindFrontendSource}
	langs := []parse.Lang{parse.TSX, parse.TypeScript}
	f.Fuzz(func(t *testing.T, a, b string) {
		for k, kind := range kinds {
			lang := langs[k%2]
			var files [2]*facts.File
			for i, src := range []string{a, b} {
				// No cancellable context here: smacker's ParseCtx can set a
				// pooled parser's cancel flag after the parse finished, and
				// later parses with that parser then fail (reported to the
				// parse owner with the NUL-byte input that makes a TSX parse
				// under context.Background take minutes).
				doc, err := parse.Parse(context.Background(), lang, []byte(src), nil)
				if err != nil {
					return
				}
				files[i] = Extract(doc, "x.tsx", kind)
			}
			Diff(files[0], files[1])
			Diff(files[1], nil)
			Diff(nil, files[0])
			if cs := Diff(files[0], files[0]); cs != nil {
				t.Fatalf("a file differs from itself: %v", cs)
			}
			if a == b && files[0].SemanticHash != files[1].SemanticHash {
				t.Fatalf("same source, different semantic hash")
			}
			if kind == facts.KindFarmConfig {
				for _, f := range files {
					config.FromValue(f.Config, "farm.config.ts")
				}
			}
		}
	})
}
