package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"k8s.io/utils/lru"
)

// The v1 list's substring search finds a word anywhere inside identifier
// tokens, which only a scan of the field's whole term dictionary can do.
// Two things keep it cheap. The scan runs a substring automaton (a few
// states per letter) instead of compiling the regular expression ".*w.*"
// into a DFA for every search, which alone took a quarter of the search's
// time. And since a segment of the index never changes once written, the
// terms a segment holds for a word are remembered per segment: a repeated
// word scans only the segments written since, which are small.

// containsCacheSize bounds the remembered (segment, field, word) term
// lists. An entry holds the terms that matched, which the expansion budget
// bounds.
const containsCacheSize = 1024

type containsKey struct {
	seg   segment.Segment
	field string
	word  string
}

// containsCache remembers the terms each segment holds for a word.
type containsCache struct{ lru *lru.Cache }

func newContainsCache() *containsCache { return &containsCache{lru: lru.New(containsCacheSize)} }

// containsTerms lists the terms of field that hold word (lower case),
// each once, charging them to charge.
func (c *containsCache) containsTerms(ctx context.Context, r bindex.IndexReader, field, word string, charge func(n int) error) ([]string, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("index reader %T has no segments", r)
	}
	seen := map[string]bool{}
	var terms []string
	for _, ss := range snap.Segments() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := containsKey{seg: ss.Segment(), field: field, word: word}
		var segTerms []string
		if v, ok := c.lru.Get(key); ok {
			segTerms = v.([]string)
		} else {
			var err error
			if segTerms, err = scanContains(ss.Segment(), field, word); err != nil {
				return nil, err
			}
			c.lru.Add(key, segTerms)
		}
		for _, t := range segTerms {
			if !seen[t] {
				seen[t] = true
				terms = append(terms, t)
				if err := charge(1); err != nil {
					return nil, err
				}
			}
		}
	}
	return terms, nil
}

// scanContains walks one segment's dictionary of field with a substring
// automaton. A segment may hold terms of deleted documents: they match
// nothing, like Bleve's own expansions of them.
func scanContains(seg segment.Segment, field, word string) ([]string, error) {
	dict, err := seg.Dictionary(field)
	if err != nil {
		return nil, err
	}
	it := dict.AutomatonIterator(newSubstring(word), nil, nil)
	var terms []string
	for {
		e, err := it.Next()
		if err != nil || e == nil {
			return terms, err
		}
		terms = append(terms, e.Term)
	}
}

// substring is a vellum automaton accepting the byte strings that contain
// a word: a Knuth-Morris-Pratt matcher whose states count the word's bytes
// matched so far; len(word) accepts everything after it.
type substring struct {
	word []byte
	fail []int // fail[i]: the longest proper border of word[:i+1]
}

func newSubstring(word string) *substring {
	w := []byte(word)
	fail := make([]int, len(w))
	for i, k := 1, 0; i < len(w); i++ {
		for k > 0 && w[i] != w[k] {
			k = fail[k-1]
		}
		if w[i] == w[k] {
			k++
		}
		fail[i] = k
	}
	return &substring{word: w, fail: fail}
}

func (s *substring) Start() int                  { return 0 }
func (s *substring) IsMatch(st int) bool         { return st == len(s.word) }
func (s *substring) CanMatch(int) bool           { return true }
func (s *substring) WillAlwaysMatch(st int) bool { return st == len(s.word) }

func (s *substring) Accept(st int, b byte) int {
	if st == len(s.word) {
		return st
	}
	for st > 0 && s.word[st] != b {
		st = s.fail[st-1]
	}
	if s.word[st] == b {
		st++
	}
	return st
}
