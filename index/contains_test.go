package index

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// accepts runs the automaton over s.
func (s *substring) accepts(text string) bool {
	st := s.Start()
	for i := range len(text) {
		st = s.Accept(st, text[i])
	}
	return s.IsMatch(st)
}

// TestSubstringAutomaton: the automaton accepts exactly the strings that
// contain the word, including words whose prefix repeats inside them
// ("aab" in "aaab"), where a naive matcher restarts too late.
func TestSubstringAutomaton(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte("ab-"[rng.IntN(3)])
		}
		return b.String()
	}
	for range 20000 {
		word, text := gen(1+rng.IntN(4)), gen(rng.IntN(12))
		assert.Equal(t, strings.Contains(text, word), newSubstring(word).accepts(text), "%q in %q", word, text)
	}
	assert.True(t, newSubstring("omp-").accepts("comp-a"))
	assert.True(t, newSubstring("aab").accepts("aaab"))
}

// TestContainsCacheAgreesWithRegexp: over an index of several segments,
// the cached substring expansion finds what the regular expression did,
// before and after more segments are written.
func TestContainsCacheAgreesWithRegexp(t *testing.T) {
	x := openFilled(t)
	search := func(cached bool, word string) []string {
		t.Helper()
		q := &kite.Query{Terms: []kite.Term{{Kind: kite.TermWord, Text: word}}}
		contains := x.contains
		if !cached {
			x.contains = nil
		}
		defer func() { x.contains = contains }()
		res, err := x.Search(context.Background(), Request{Query: q, Namespaces: []string{"team-a"}, Limit: 100, Substring: true})
		require.NoError(t, err)
		ids := hitIDs(res)
		slices.Sort(ids)
		return ids
	}
	require.NotEmpty(t, search(false, "ullbackof"))
	for round := range 2 {
		for _, w := range []string{"ullbackof", "mpor", "imeou", "nothing-here"} {
			assert.Equal(t, search(false, w), search(true, w), "round %d: %q", round, w)
			assert.Equal(t, search(true, w), search(true, w), "round %d: %q from the cache", round, w)
		}
		is := benchIssue(1)
		is.ID, is.Namespace, is.Title = "late", "team-a", "ImagePullBackOff again"
		require.NoError(t, x.Apply([]Change{{ID: is.ID, Issue: is}}, 1000))
	}
	assert.Contains(t, search(true, "ullbackof"), "late", "a segment written after the first search is scanned")
}
