package tsxast

import (
	"context"
	"testing"

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
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, kind := range kinds {
			var files [2]*facts.File
			for i, src := range []string{a, b} {
				for _, lang := range []parse.Lang{parse.TSX, parse.TypeScript} {
					doc, err := parse.Parse(context.Background(), lang, []byte(src), nil)
					if err != nil {
						t.Fatal(err)
					}
					files[i] = Extract(doc, "x.tsx", kind)
				}
			}
			Diff(files[0], files[1])
			Diff(files[1], nil)
			Diff(nil, files[0])
			if a == b && files[0].SemanticHash != files[1].SemanticHash {
				t.Fatalf("same source, different semantic hash")
			}
		}
	})
}
