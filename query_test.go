package kite_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

var queryNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestParseQueryTerms(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		in   string
		want []kite.Term
	}{
		{`image pull`, []kite.Term{{Pos: 0, Kind: kite.TermWord, Text: "image"}, {Pos: 6, Kind: kite.TermWord, Text: "pull"}}},
		{`"image pull" -timeout`, []kite.Term{{Pos: 0, Kind: kite.TermPhrase, Text: "image pull"}, {Pos: 13, Negated: true, Kind: kite.TermWord, Text: "timeout"}}},
		{`ns:team-a namespace:b`, []kite.Term{
			{Kind: kite.TermField, Field: kite.FieldNamespace, Op: kite.OpEq, Text: "team-a"},
			{Pos: 10, Kind: kite.TermField, Field: kite.FieldNamespace, Op: kite.OpEq, Text: "b"}}},
		{`is:active`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldState, Op: kite.OpEq, Text: "ACTIVE"}}},
		{`is:Resolved`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldState, Op: kite.OpEq, Text: "RESOLVED"}}},
		{`is:regressed`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldRegressed, Op: kite.OpEq}}},
		{`state:resolved`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldState, Op: kite.OpEq, Text: "RESOLVED"}}},
		{`severity:>=major`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldSeverity, Op: kite.OpGte, Severity: kite.SeverityMajor}}},
		{`sev:medium`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldSeverity, Op: kite.OpEq, Severity: kite.SeverityMajor}}},
		{`-type:build`, []kite.Term{{Negated: true, Kind: kite.TermField, Field: kite.FieldIssueType, Op: kite.OpEq, Text: "build"}}},
		{`scope:frontend resource:x`, []kite.Term{
			{Kind: kite.TermField, Field: kite.FieldScope, Op: kite.OpEq, Text: "frontend"},
			{Pos: 15, Kind: kite.TermField, Field: kite.FieldScope, Op: kite.OpEq, Text: "x"}}},
		{`label:app=frontend label:team`, []kite.Term{
			{Kind: kite.TermField, Field: kite.FieldLabel, Op: kite.OpEq, LabelKey: "app", Text: "frontend"},
			{Pos: 19, Kind: kite.TermField, Field: kite.FieldLabel, Op: kite.OpEq, LabelKey: "team"}}},
		{`reason:"image pull"`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldReason, Op: kite.OpEq, Text: "image pull"}}},
		{`lastSeen:>24h`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldLastSeen, Op: kite.OpGt, Min: queryNow.Add(-24 * time.Hour).Add(time.Nanosecond)}}},
		{`detected:<2026-11-01`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldDetectedAt, Op: kite.OpLt, Max: day(1)}}},
		{`detected:2026-11-01`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldDetectedAt, Op: kite.OpEq, Min: day(1), Max: day(2)}}},
		{`resolved:2026-11-20..2026-11-01`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldResolvedAt, Op: kite.OpRange, Min: day(1), Max: day(21)}}},
		{`seen:>=7d`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldLastSeen, Op: kite.OpGte, Min: queryNow.AddDate(0, 0, -7)}}},
		{`occurrences:>5`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldOccurrences, Op: kite.OpGt, Low: 6, High: -1}}},
		{`count:3..10`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldOccurrences, Op: kite.OpRange, Low: 3, High: 10}}},
		{`occurrences:<=2`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldOccurrences, Op: kite.OpLte, High: 2}}},
		{`occurrences:4`, []kite.Term{{Kind: kite.TermField, Field: kite.FieldOccurrences, Op: kite.OpEq, Low: 4, High: 4}}},
		{`registry.io/org/img:tag x`, []kite.Term{{Kind: kite.TermWord, Text: "registry.io/org/img:tag"}, {Pos: 24, Kind: kite.TermWord, Text: "x"}}},
		// Whitespace is found rune by rune: the second bytes of à (C3 A0)
		// and Å (C3 85) are no spaces, while U+00A0 and U+3000 are.
		{`voilà Åsa`, []kite.Term{{Kind: kite.TermWord, Text: "voilà"}, {Pos: 7, Kind: kite.TermWord, Text: "Åsa"}}},
		{`title:voilà -"Åsa à"`, []kite.Term{
			{Kind: kite.TermField, Field: kite.FieldTitle, Op: kite.OpEq, Text: "voilà"},
			{Pos: 13, Negated: true, Kind: kite.TermPhrase, Text: "Åsa à"}}},
		{"a\u00a0b\u3000-c", []kite.Term{{Kind: kite.TermWord, Text: "a"}, {Pos: 3, Kind: kite.TermWord, Text: "b"}, {Pos: 7, Negated: true, Kind: kite.TermWord, Text: "c"}}},
		{"ns:a\u3000ns:b", []kite.Term{
			{Kind: kite.TermField, Field: kite.FieldNamespace, Op: kite.OpEq, Text: "a"},
			{Pos: 7, Kind: kite.TermField, Field: kite.FieldNamespace, Op: kite.OpEq, Text: "b"}}},
		{"-\u00a0x", []kite.Term{{Kind: kite.TermWord, Text: "-"}, {Pos: 3, Kind: kite.TermWord, Text: "x"}}},
		{"\"x y\"\u00a0z", []kite.Term{{Kind: kite.TermPhrase, Text: "x y"}, {Pos: 7, Kind: kite.TermWord, Text: "z"}}},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			q, err := kite.ParseQuery(c.in, queryNow)
			require.NoError(t, err)
			assert.Equal(t, c.want, q.Terms)
		})
	}
}

func TestParseQuerySortAndHelpers(t *testing.T) {
	q, err := kite.ParseQuery(`"image pull" ns:a ns:b -ns:c sort:-severity sort:lastSeen`, queryNow)
	require.NoError(t, err)
	assert.Equal(t, []kite.SortKey{{Field: kite.FieldSeverity, Desc: true}, {Field: kite.FieldLastSeen}}, q.Sort)
	assert.Equal(t, []string{"a", "b"}, q.Namespaces())
	assert.True(t, q.HasText())
	q, err = kite.ParseQuery(`ns:a -flaky`, queryNow)
	require.NoError(t, err)
	assert.False(t, q.HasText(), "a negated word alone is no relevance signal")
	q, err = kite.ParseQuery("   ", queryNow)
	require.NoError(t, err)
	assert.Empty(t, q.Terms)
}

func TestParseQueryErrors(t *testing.T) {
	cases := []struct {
		in, details string
	}{
		{`colour:red`, `at position 0: unknown field "colour"`},
		{`ns:a severity:urgent`, `at position 14: severity must be one of`},
		{`severity:>=urgent`, `at position 11: severity must be one of`},
		{`is:open-ish`, `at position 3: unknown is:open-ish`},
		{`"unterminated`, `at position 0: unterminated quote`},
		{`ns:`, `at position 3: expected a value after "ns:"`},
		{`detected:yesterday`, `at position 9: "yesterday" is not a date`},
		{`detected:2026-11-01..soon`, `at position 21: "soon" is not a date`},
		{`occurrences:many`, `at position 12: "many" is not a whole number`},
		{`occurrences:<0`, `no count is below 0`},
		{`sort:colour`, `at position 5: cannot sort by "colour"`},
		{`-sort:lastSeen`, `sort: cannot be negated`},
		{`"a"b`, `at position 3: expected a space after the closing quote`},
		{`ab"c"`, `at position 2: a quote may only start`},
		{`""`, `empty quotes`},
		{`label:=x`, `expected label:key`},
		{strings.Repeat("a", 5000), `longer than 4096 bytes`},
		// The cost budget: 400 range terms once cost 76 CPU-seconds.
		{strings.Repeat("-lastSeen:<1s ", 290), `at position 224: more than 16 ranges and comparisons`},
		{strings.Repeat("count:>1 ", 17), `at position 144: more than 16 ranges`},
		{strings.Repeat("is:active ", 65), `at position 640: more than 64 terms`},
		{strings.Repeat("w ", 33), `at position 64: more than 32 words of text`},
		{`"` + strings.Repeat("w ", 32) + `x"`, `at position 0: more than 32 words`},
		{strings.Repeat("reason:\"a b c d\" ", 9), `at position 136: more than 32 words`},
		{strings.Repeat("sort:lastSeen ", 5), `at position 56: more than 4 sort: keys`},
	}
	for _, c := range cases {
		t.Run(c.in[:min(len(c.in), 40)], func(t *testing.T) {
			_, err := kite.ParseQuery(c.in, queryNow)
			require.Error(t, err)
			assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
			assert.Equal(t, "Invalid query", kite.ErrorMessage(err))
			assert.Contains(t, kite.ErrorDetails(err), c.details)
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`is:active severity:>=major type:build ns:team-a "image pull" -reason:timeout lastSeen:>24h sort:lastSeen`,
		`occurrences:3..10 detected:2026-11-01..2026-11-20`, `label:a=b -"x y"`, `"\"`, `-`, `a:b:c`,
		`voilà title:Åsa label:Å=à -"à la"`, "a\u00a0b\u3000c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := kite.ParseQuery(s, queryNow)
		if err != nil {
			assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
			assert.Contains(t, kite.ErrorDetails(err), "at position ")
			return
		}
		for _, term := range q.Terms {
			assert.True(t, term.Pos >= 0 && term.Pos <= len(s), "position %d out of %q", term.Pos, s)
			if utf8.ValidString(s) {
				// Terms are cut between runes, never inside one.
				assert.True(t, utf8.ValidString(s[:term.Pos]), "position %d splits a rune of %q", term.Pos, s)
				assert.True(t, utf8.ValidString(term.Text), "term %q of %q is not UTF-8", term.Text, s)
				assert.True(t, utf8.ValidString(term.LabelKey), "label key %q of %q is not UTF-8", term.LabelKey, s)
			}
		}
	})
}

func TestSeverityRanks(t *testing.T) {
	cases := map[string][2]int{
		"severity:major": {3, 3}, "severity:>major": {4, 4}, "severity:>=major": {3, 4},
		"severity:<major": {1, 2}, "severity:<=major": {1, 3}, "severity:<info": {1, 0},
	}
	for in, want := range cases {
		q, err := kite.ParseQuery(in, queryNow)
		require.NoError(t, err)
		lo, hi := q.Terms[0].SeverityRanks()
		assert.Equal(t, want, [2]int{lo, hi}, in)
	}
}
