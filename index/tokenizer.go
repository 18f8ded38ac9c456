package index

import (
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/character"
	"github.com/blevesearch/bleve/v2/registry"
)

// identBreaks end an identifier token besides whitespace: the punctuation
// that surrounds identifiers in prose.
const identBreaks = `"'(),;[]{}<>`

func init() {
	// A character tokenizer rather than a regexp one: the same tokens at a
	// fraction of the cost, on every issue indexed.
	err := registry.RegisterTokenizer(tokenizerIdent, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
		return character.NewCharacterTokenizer(func(r rune) bool {
			return !unicode.IsSpace(r) && !strings.ContainsRune(identBreaks, r)
		}), nil
	})
	if err != nil {
		panic(err) // a name clash in Bleve's global registry: a build mistake
	}
}
