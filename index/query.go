package index

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/konflux-ci/kite"
)

// MinPartLen is the shortest word, in characters, that the index matches
// as part of a longer one (a word's start, or anywhere inside an
// identifier). A shorter word matches only whole words: enumerating every
// term that contains one or two characters would cost a scan of the whole
// term dictionary and match nearly everything.
const MinPartLen = 3

// toBleve turns a parsed query into a Bleve query restricted to the given
// namespaces: every positive term must match, no negated term may. With
// substring, free words of MinPartLen or more characters also match inside
// identifier tokens. Its word starts and substrings share one budget of
// MaxExpansion index terms.
func toBleve(q *kite.Query, namespaces []string, substring, scored bool) *conjunction {
	keys, consumed := scopeFilter(q, namespaces)
	c := &conjunction{must: []query.Query{keys}, b: &budget{size: MaxExpansion}}
	seen := map[kite.Term]bool{}
	for i, t := range q.Terms {
		t.Pos = 0
		if consumed[i] || seen[t] {
			continue // a term twice means what it means once, at twice the cost
		}
		seen[t] = true
		if w, ok := termWindow(t); ok {
			c.windows = append(c.windows, w)
			continue
		}
		tq := termQuery(t, c.b, scored)
		if substring && t.Kind == kite.TermWord && utf8.RuneCountInString(t.Text) >= MinPartLen {
			// The word itself inside terms, not a wildcard query: what
			// people type is text, and a "?" or "*" in it (which a
			// wildcard query would expand, "???" into every term) is
			// matched as itself.
			w := &expansion{kind: expandContains, field: fieldIdent, text: strings.ToLower(t.Text), word: t.Text, boost: 1, b: c.b}
			tq = bleve.NewDisjunctionQuery(tq, w)
		}
		if t.Negated {
			c.mustNot = append(c.mustNot, tq)
		} else {
			c.must = append(c.must, tq)
		}
	}
	return c
}

// scopeFilter turns the namespace restriction, narrowed by the query's
// positive ns: terms, together with the query's first positive state term
// and first positive severity term, into one disjunction of fieldScopeKey
// terms (one term per namespace for an "at least" severity); consumed marks
// the terms it covers.
func scopeFilter(q *kite.Query, namespaces []string) (query.Query, map[int]bool) {
	if named := q.Namespaces(); len(named) > 0 {
		// Any of the named namespaces (an issue has one, so the ns: terms
		// are alternatives), and only among those asked for: ns: narrows.
		namespaces = slices.DeleteFunc(slices.Clone(namespaces), func(ns string) bool { return !slices.Contains(named, ns) })
	}
	consumed := map[int]bool{}
	state, bound, ranks := "", sevEq, []int{0}
	for i, t := range q.Terms {
		if t.Kind != kite.TermField || t.Negated {
			continue
		}
		switch {
		case t.Field == kite.FieldNamespace:
			consumed[i] = true
		case t.Field == kite.FieldState && state == "":
			state = t.Text
			consumed[i] = true
		case t.Field == kite.FieldSeverity && ranks[0] == 0:
			consumed[i] = true
			lo, hi := t.SeverityRanks()
			if hi == len(kite.Severities) && lo > 1 {
				bound, ranks = sevAtLeast, []int{lo}
				break
			}
			ranks = ranks[:0]
			for r := lo; r <= hi; r++ {
				ranks = append(ranks, r)
			}
		}
	}
	var keys []query.Query
	for _, ns := range namespaces {
		for _, r := range ranks {
			keys = append(keys, term(fieldScopeKey, scopeKey(ns, state, bound, r)))
		}
	}
	switch len(keys) {
	case 0: // no namespace both asked for and named, or an impossible severity range
		return bleve.NewMatchNoneQuery(), consumed
	case 1:
		return keys[0], consumed
	}
	return bleve.NewDisjunctionQuery(keys...), consumed
}

// termQuery translates a term that is not a range (termWindow).
func termQuery(t kite.Term, b *budget, scored bool) query.Query {
	switch t.Kind {
	case kite.TermWord:
		return wordQuery(t.Text, b, scored)
	case kite.TermPhrase:
		return phraseQuery(t.Text)
	}
	switch t.Field {
	case kite.FieldNamespace:
		return term(fieldNamespace, t.Text)
	case kite.FieldState:
		return term(fieldState, t.Text)
	case kite.FieldIssueType:
		return term(fieldIssueType, t.Text)
	case kite.FieldScopeType:
		return term(fieldScopeType, t.Text)
	case kite.FieldScope:
		if typ, name, ok := strings.Cut(t.Text, "/"); ok {
			return bleve.NewConjunctionQuery(term(fieldScopeType, typ), term(fieldScopeName, name))
		}
		return term(fieldScopeName, t.Text)
	case kite.FieldLabel:
		if t.Text == "" {
			return term(fieldLabels, t.LabelKey)
		}
		return term(fieldLabels, t.LabelKey+"="+t.Text)
	case kite.FieldAcked:
		return term(fieldTriage, triageAcked)
	case kite.FieldAssigned:
		return term(fieldTriage, triageAssigned)
	case kite.FieldComments:
		return term(fieldTriage, triageCommented)
	case kite.FieldSnoozed:
		return term(fieldTriage, triageSnoozed)
	case kite.FieldMuted:
		return term(fieldTriage, triageMuted)
	case kite.FieldSilence:
		return term(fieldSilence, strings.ToLower(t.Text))
	case kite.FieldAssignee:
		return term(fieldAssignee, t.Text)
	case kite.FieldRegressed:
		q := bleve.NewBoolFieldQuery(true)
		q.SetField(fieldRegressed)
		return q
	default: // reason, task, step, title: prose in one field
		return fieldMatch(t.Field, t.Text)
	}
}

var dateFields = map[string]string{
	kite.FieldDetectedAt: fieldDetectedAt,
	kite.FieldLastSeen:   fieldLastSeen,
	kite.FieldFirstSeen:  fieldFirstSeen,
	kite.FieldResolvedAt: fieldResolvedAt,
}

// wordQuery finds a free word wherever a person would expect: as an
// English word in the prose fields (title weighs most), as the start of a
// word part ("depend", "pull"), or as a whole identifier. A word with
// identifier punctuation (frontend-ui, img:tag) is an identifier: its
// parts alone ("frontend", and "ui" after stop words) would match far more
// than the person meant.
func wordQuery(w string, b *budget, scored bool) query.Query {
	if isIdentifier(w) {
		lw := strings.ToLower(w)
		prefix := &expansion{kind: expandPrefix, field: fieldIdent, text: lw, word: w, boost: 1, b: b}
		return bleve.NewDisjunctionQuery(boosted(term(fieldIdent, lw), 2), prefix)
	}
	// All prose is in fieldText; the title match only adds rank, so a
	// search without scores leaves it out (the title is in fieldText).
	qs := []query.Query{fieldMatch(fieldText, w)}
	if scored {
		qs = append(qs, boosted(fieldMatch(fieldTitle, w), 2))
	}
	qs = append(qs, boosted(term(fieldIdent, strings.ToLower(w)), 1.5))
	// A word of MinPartLen letters or more also matches as the start of a
	// word part: "depend" finds "dependency", "pull" "ImagePullBackOff".
	if lw := strings.ToLower(w); utf8.RuneCountInString(lw) >= MinPartLen && !strings.ContainsFunc(lw, unicode.IsSpace) {
		qs = append(qs, &expansion{kind: expandPrefix, field: fieldText, text: lw, word: w, boost: 0.5, b: b})
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// isIdentifier reports whether w joins letters or digits with the
// punctuation of names, paths and image references.
func isIdentifier(w string) bool {
	i := strings.IndexAny(w, "-_./:@=")
	return i > 0 && i < len(w)-1
}

// phraseQuery finds words in this order in one prose value, or the phrase as
// one identifier.
func phraseQuery(p string) query.Query {
	mp := bleve.NewMatchPhraseQuery(p)
	mp.SetField(fieldText)
	qs := []query.Query{mp}
	if !strings.ContainsFunc(p, unicode.IsSpace) { // identifier tokens end at any space
		qs = append(qs, term(fieldIdent, strings.ToLower(p)))
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// fieldMatch matches every word of text in one prose field. The text is
// analysed here, as the field's documents were, into plain term queries
// rather than left to a match query: a search that needs no scores then
// becomes one intersection of posting bitmaps (Bleve's unadorned
// conjunction), about twelve times cheaper per match than a match query's
// searcher (docs/benchmarks.md, "Planned search").
func fieldMatch(field, text string) query.Query {
	an, err := queryAnalyzers()
	if err != nil { // cannot happen: the mapping is built in
		m := bleve.NewMatchQuery(text)
		m.SetField(field)
		m.SetOperator(query.MatchQueryOperatorAnd)
		return m
	}
	var terms []query.Query
	seen := map[string]bool{}
	for _, tok := range an[schema[field].kind].Analyze([]byte(text)) {
		if t := string(tok.Term); !seen[t] {
			seen[t] = true
			terms = append(terms, term(field, t))
		}
	}
	switch len(terms) {
	case 0: // only stop words: a match query finds nothing either
		return term(field, noTerm)
	case 1:
		return terms[0]
	}
	return bleve.NewConjunctionQuery(terms...)
}

// noTerm is a term no field holds (documents never index an empty value):
// a query of it matches nothing, and unlike Bleve's match-none query it
// leaves the queries around it mergeable into posting bitmaps.
const noTerm = ""

// queryAnalyzers are the document analysers, for query text.
var queryAnalyzers = sync.OnceValues(newAnalyzers)

func term(field, v string) query.Query {
	t := bleve.NewTermQuery(v)
	t.SetField(field)
	return t
}

func boosted(q query.Query, b float64) query.Query {
	if bq, ok := q.(query.BoostableQuery); ok {
		bq.SetBoost(b)
	}
	return q
}
