package index

import (
	"html"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/konflux-ci/kite"
)

// Highlighting works on the records read from the store rather than on
// stored index fields: the index then keeps no copy of the text, which made
// indexing about twice as cheap (docs/benchmarks.md).
// Matching mirrors the analysers closely enough for display: a word marks
// where a word part starts with it (or with its singular), an identifier or
// a phrase marks wherever it occurs; ASCII letters match in any case.

const (
	// fragmentContext is how much text a fragment shows around a match.
	fragmentContext = 60
	// wholeFieldLen: a field this short is shown whole.
	wholeFieldLen = 2 * fragmentContext
	maxFragments  = 3
)

// Highlight returns, for each of title, description and failure reason in
// which the query's free words, phrases or field words occur, fragments of
// that text with the matches wrapped in <mark> and the rest HTML-escaped.
func Highlight(q *kite.Query, is *kite.Issue) map[string][]string {
	var words, anywhere []string
	for _, t := range q.Terms {
		if t.Negated {
			continue
		}
		switch {
		case t.Kind == kite.TermPhrase:
			anywhere = append(anywhere, asciiLower(t.Text))
		case t.Kind == kite.TermWord || t.Field == kite.FieldReason || t.Field == kite.FieldTitle:
			for _, w := range strings.Fields(t.Text) {
				if isIdentifier(w) {
					anywhere = append(anywhere, asciiLower(w))
				} else {
					words = append(words, wordForms(asciiLower(w))...)
				}
			}
		}
	}
	if len(words)+len(anywhere) == 0 {
		return nil
	}
	fields := map[string]string{"title": is.Title, "description": is.Description}
	if is.Failure != nil {
		fields["reason"] = is.Failure.Reason
	}
	out := map[string][]string{}
	for name, text := range fields {
		if spans := matchSpans(text, words, anywhere); len(spans) > 0 {
			out[name] = fragments(text, spans)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// wordForms is a word and its singular, as stemming would equate them.
func wordForms(w string) []string {
	forms := []string{w}
	switch {
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		forms = append(forms, w[:len(w)-3]+"y")
	case len(w) > 3 && strings.HasSuffix(w, "es"):
		forms = append(forms, w[:len(w)-2])
	case len(w) > 3 && strings.HasSuffix(w, "s"):
		forms = append(forms, w[:len(w)-1])
	case len(w) > 4 && strings.HasSuffix(w, "y"):
		forms = append(forms, w[:len(w)-1]) // dependency, dependencies
	}
	return forms
}

type span struct{ start, end int }

func matchSpans(text string, words, anywhere []string) []span {
	lower := asciiLower(text)
	var spans []span
	add := func(needle string, wordStart bool) {
		if needle == "" {
			return
		}
		for from := 0; ; {
			i := strings.Index(lower[from:], needle)
			if i < 0 {
				return
			}
			i += from
			switch {
			case !wordStart:
				spans = append(spans, span{i, i + len(needle)})
			case partStart(text, i):
				// Mark the whole word part the word starts.
				end := i + len(needle)
				for end < len(text) && isAlnum(text[end]) && !partStart(text, end) {
					end++
				}
				spans = append(spans, span{i, end})
			}
			from = i + len(needle)
		}
	}
	for _, w := range words {
		add(w, true)
	}
	for _, a := range anywhere {
		add(a, false)
	}
	if len(spans) == 0 {
		return nil
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	merged := spans[:1]
	for _, s := range spans[1:] {
		last := &merged[len(merged)-1]
		if s.start <= last.end {
			last.end = max(last.end, s.end)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// partStart reports whether a word part starts at byte i of text: after a
// non-alphanumeric byte, at a lower-to-upper case change (ImagePull), or
// at a letter-digit change.
func partStart(text string, i int) bool {
	if i == 0 {
		return true
	}
	prev, cur := text[i-1], text[i]
	switch {
	case !isAlnum(prev):
		return true
	case isLowerASCII(prev) && isUpperASCII(cur):
		return true
	default:
		return isDigit(prev) != isDigit(cur)
	}
}

// fragments cuts text around the spans, marking them.
func fragments(text string, spans []span) []string {
	if len(text) <= wholeFieldLen {
		return []string{mark(text, spans, 0, len(text))}
	}
	var out []string
	for i := 0; i < len(spans) && len(out) < maxFragments; {
		lo := runeStart(text, max(spans[i].start-fragmentContext, 0))
		hi := spans[i].end + fragmentContext
		j := i + 1
		for j < len(spans) && spans[j].start < hi {
			hi = spans[j].end + fragmentContext
			j++
		}
		hi = runeStart(text, min(hi, len(text)))
		lo, hi = snapToWords(text, lo, hi, spans[i].start, spans[j-1].end)
		frag := mark(text, spans[i:j], lo, hi)
		if lo > 0 {
			frag = "…" + frag
		}
		if hi < len(text) {
			frag += "…"
		}
		out = append(out, frag)
		i = j
	}
	return out
}

// snapToWords moves a fragment's ends to word boundaries when one is near,
// never cutting into the marked range [first, last).
func snapToWords(text string, lo, hi, first, last int) (int, int) {
	if lo > 0 {
		if sp := strings.IndexByte(text[lo:first], ' '); sp >= 0 {
			lo += sp + 1
		}
	}
	if hi < len(text) {
		if sp := strings.LastIndexByte(text[last:hi], ' '); sp >= 0 {
			hi = last + sp
		}
	}
	return lo, hi
}

// mark renders text[lo:hi] escaped, with the spans in <mark>.
func mark(text string, spans []span, lo, hi int) string {
	var b strings.Builder
	at := lo
	for _, s := range spans {
		if s.start < lo || s.end > hi {
			continue
		}
		b.WriteString(html.EscapeString(text[at:s.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.start:s.end]))
		b.WriteString("</mark>")
		at = s.end
	}
	b.WriteString(html.EscapeString(text[at:hi]))
	return b.String()
}

// runeStart moves i back to the start of the UTF-8 sequence it is in.
func runeStart(s string, i int) int {
	for i > 0 && i < len(s) && !utf8.RuneStart(s[i]) {
		i--
	}
	return i
}

// asciiLower lower-cases ASCII letters only, so byte offsets into the
// result are offsets into the original.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if isUpperASCII(c) {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLowerASCII(c byte) bool { return c >= 'a' && c <= 'z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool {
	return isUpperASCII(c) || isLowerASCII(c) || isDigit(c) || c >= utf8.RuneSelf
}
