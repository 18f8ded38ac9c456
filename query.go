package kite

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Query is a parsed search in Kite's query language, shared by the API,
// the CLI and the TUI (docs/search.md). Its terms are ANDed, except the
// positive ns: terms, which are alternatives (see Namespaces); Sort orders
// the results (newest detection first when there is no sort:).
type Query struct {
	Terms []Term
	Sort  []SortKey
}

// TermKind says what a term matches.
type TermKind int

const (
	// TermWord is a free word, matched in the issue's text.
	TermWord TermKind = iota
	// TermPhrase is a quoted phrase, matched in the issue's text.
	TermPhrase
	// TermField is field:value.
	TermField
)

// Query fields, after aliases are resolved.
const (
	FieldNamespace   = "namespace"
	FieldState       = "state"
	FieldRegressed   = "regressed"
	FieldSeverity    = "severity"
	FieldIssueType   = "issueType"
	FieldScope       = "scope"
	FieldScopeType   = "scopeType"
	FieldLabel       = "label"
	FieldReason      = "reason"
	FieldTask        = "task"
	FieldStep        = "step"
	FieldTitle       = "title"
	FieldDetectedAt  = "detectedAt"
	FieldLastSeen    = "lastSeen"
	FieldFirstSeen   = "firstSeen"
	FieldResolvedAt  = "resolvedAt"
	FieldOccurrences = "occurrences"
	// Triage: acknowledged (is:acked, is:unacked), the assignee
	// (assignee:NAME, assignee:me), has:assignee and has:comments.
	FieldAcked    = "acked"
	FieldAssignee = "assignee"
	FieldAssigned = "assigned"
	FieldComments = "comments"
	FieldSnoozed  = "snoozed"
	FieldMuted    = "muted"
	FieldSilence  = "silence"
	// FieldRelevance is a sort key only.
	FieldRelevance = "relevance"
)

// Op compares a field with a value.
type Op string

const (
	OpEq    Op = "="
	OpGt    Op = ">"
	OpGte   Op = ">="
	OpLt    Op = "<"
	OpLte   Op = "<="
	OpRange Op = ".." // inclusive on both ends
)

// Term is one condition of a query. Pos is its byte offset in the query
// text, for error messages.
type Term struct {
	Pos     int
	Negated bool
	Kind    TermKind
	// Text is the word or phrase of a TermWord or TermPhrase, and the
	// value of text fields (reason, task, step, title) and keyword fields.
	Text  string
	Field string
	Op    Op
	// Typed values, by field: Severity for severity; Min/Max for time
	// fields (an inclusive-exclusive [Min, Max) window, either end may be
	// zero for open); Low/High for occurrences (inclusive).
	Severity  Severity
	Min, Max  time.Time
	Low, High int64
	// LabelKey and Text (the value, may be empty: any value) for label.
	LabelKey string
	// Me marks assignee:me, which means the caller (BindCaller).
	Me bool
}

// SeverityRanks is the inclusive range of severity ranks (Severity.Rank) a
// severity term admits; empty (lo > hi) when none does.
func (t Term) SeverityRanks() (lo, hi int) {
	r, top := t.Severity.Rank(), len(Severities)
	switch t.Op {
	case OpGt:
		return r + 1, top
	case OpGte:
		return r, top
	case OpLt:
		return 1, r - 1
	case OpLte:
		return 1, r
	}
	return r, r
}

// SortKey orders results by a field; Desc for newest, highest first.
type SortKey struct {
	Field string
	Desc  bool
}

// fieldAliases maps every accepted field name (lower case) to its field.
var fieldAliases = map[string]string{
	"ns": FieldNamespace, "namespace": FieldNamespace,
	"is": "is", "state": FieldState,
	"severity": FieldSeverity, "sev": FieldSeverity,
	"type": FieldIssueType, "issuetype": FieldIssueType,
	"scope": FieldScope, "resource": FieldScope, "scopetype": FieldScopeType, "resourcetype": FieldScopeType,
	"label":  FieldLabel,
	"reason": FieldReason, "task": FieldTask, "step": FieldStep, "title": FieldTitle,
	"detected": FieldDetectedAt, "detectedat": FieldDetectedAt,
	"lastseen": FieldLastSeen, "seen": FieldLastSeen,
	"firstseen": FieldFirstSeen,
	"resolved":  FieldResolvedAt, "resolvedat": FieldResolvedAt,
	"occurrences": FieldOccurrences, "count": FieldOccurrences,
	"assignee": FieldAssignee, "has": "has", "silence": FieldSilence,
	"sort": "sort",
}

// sortFields maps sort: names to sort keys.
var sortFields = map[string]string{
	"detected": FieldDetectedAt, "detectedat": FieldDetectedAt,
	"lastseen": FieldLastSeen, "seen": FieldLastSeen,
	"firstseen": FieldFirstSeen,
	"resolved":  FieldResolvedAt, "resolvedat": FieldResolvedAt,
	"severity": FieldSeverity, "occurrences": FieldOccurrences, "count": FieldOccurrences,
	"relevance": FieldRelevance, "score": FieldRelevance,
}

// maxQueryLen bounds the text a query may have.
const maxQueryLen = 4096

// The parse-time part of a query's cost budget (the index bounds the rest
// as it runs: see index.MaxExpansion): each term is a lookup, each word of
// text several, each sort key a comparison per match. The bounds sit far
// above what people write and far below what hurts: 400 range terms once
// cost 76 CPU-seconds.
const (
	// MaxQueryTerms bounds a query's terms, sort keys excluded.
	MaxQueryTerms = 64
	// MaxQueryWords bounds the words of its free text, phrases and text
	// field values together.
	MaxQueryWords = 32
	// MaxQueryRanges bounds its comparisons and ranges (times,
	// occurrences, severities).
	MaxQueryRanges = 16
	// MaxQuerySorts bounds its sort: keys.
	MaxQuerySorts = 4
)

// ParseQuery parses the query language. now anchors relative times
// ("24h" is the instant 24 hours before now). Errors are EINVALID with the
// byte position and what was expected.
func ParseQuery(s string, now time.Time) (*Query, error) {
	if len(s) > maxQueryLen {
		return nil, queryError(maxQueryLen, fmt.Sprintf("the query is longer than %d bytes", maxQueryLen))
	}
	p := &queryParser{src: s, now: now}
	q := &Query{}
	words, ranges := 0, 0
	for {
		p.skipSpace()
		if p.pos >= len(s) {
			break
		}
		pos := p.pos
		t, sortKey, err := p.term()
		if err != nil {
			return nil, err
		}
		if sortKey != nil {
			if q.Sort = append(q.Sort, *sortKey); len(q.Sort) > MaxQuerySorts {
				return nil, queryError(pos, fmt.Sprintf("more than %d sort: keys", MaxQuerySorts))
			}
			continue
		}
		if q.Terms = append(q.Terms, t); len(q.Terms) > MaxQueryTerms {
			return nil, queryError(pos, fmt.Sprintf("more than %d terms (the limit of one query)", MaxQueryTerms))
		}
		if words += t.words(); words > MaxQueryWords {
			return nil, queryError(pos, fmt.Sprintf("more than %d words of text (the limit of one query, phrases and text fields included)", MaxQueryWords))
		}
		if t.isRange() {
			if ranges++; ranges > MaxQueryRanges {
				return nil, queryError(pos, fmt.Sprintf("more than %d ranges and comparisons (the limit of one query)", MaxQueryRanges))
			}
		}
	}
	return q, nil
}

// words is how many words of text t looks up.
func (t Term) words() int {
	switch {
	case t.Kind != TermField:
		return max(len(strings.Fields(t.Text)), 1)
	case slices.Contains([]string{FieldReason, FieldTask, FieldStep, FieldTitle}, t.Field):
		return len(strings.Fields(t.Text))
	}
	return 0
}

// isRange reports whether t compares an ordered field.
func (t Term) isRange() bool {
	return t.Kind == TermField && slices.Contains([]string{FieldSeverity, FieldOccurrences, FieldDetectedAt, FieldLastSeen, FieldFirstSeen, FieldResolvedAt}, t.Field)
}

// BindCaller makes assignee:me mean the named caller. Without a name it
// is an error naming the term: a search cannot know who "me" is.
func (q *Query) BindCaller(name string) error {
	for i, t := range q.Terms {
		if !t.Me {
			continue
		}
		if name == "" || name == AnonymousUser {
			return queryError(t.Pos, "assignee:me needs to know who you are: authenticate, or name yourself (X-Kite-User without authentication)")
		}
		q.Terms[i].Text = name
	}
	return nil
}

// HasText reports whether the query has free words or phrases.
func (q *Query) HasText() bool {
	return slices.ContainsFunc(q.Terms, func(t Term) bool { return !t.Negated && t.Kind != TermField })
}

// Namespaces lists the namespaces the query names positively. ns:a ns:b
// means either: an issue has one namespace, so ANDed they would match
// nothing. Negated ns: terms are ANDed like any other.
func (q *Query) Namespaces() []string {
	var out []string
	for _, t := range q.Terms {
		if t.namesNamespace() {
			out = append(out, t.Text)
		}
	}
	return out
}

// namesNamespace reports whether t is a positive ns: term, one of the
// alternatives Namespaces lists.
func (t Term) namesNamespace() bool {
	return t.Kind == TermField && t.Field == FieldNamespace && !t.Negated
}

func queryError(pos int, msg string) error {
	return &Error{Code: EINVALID, Field: "q", Message: "Invalid query", Details: fmt.Sprintf("at position %d: %s", pos, msg)}
}

type queryParser struct {
	src string
	pos int
	now time.Time
}

// skip advances past the runes for which in is true. It decodes runes:
// read a byte at a time, the second byte of à (0xA0) or Å (0x85) would be
// taken for a space (U+00A0, U+0085).
func (p *queryParser) skip(in func(rune) bool) {
	for p.pos < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.pos:])
		if !in(r) {
			return
		}
		p.pos += n
	}
}

func (p *queryParser) skipSpace() { p.skip(unicode.IsSpace) }

// spaceAt reports whether a space starts at byte i (false at the end).
func (p *queryParser) spaceAt(i int) bool {
	r, _ := utf8.DecodeRuneInString(p.src[i:])
	return unicode.IsSpace(r)
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

// term parses one whitespace-separated term: [-] ( "phrase" | word | field:value ).
func (p *queryParser) term() (Term, *SortKey, error) {
	t := Term{Pos: p.pos}
	if p.src[p.pos] == '-' && p.pos+1 < len(p.src) && !p.spaceAt(p.pos+1) {
		t.Negated = true
		p.pos++
	}
	if p.src[p.pos] == '"' {
		text, err := p.quoted()
		if err != nil {
			return t, nil, err
		}
		t.Kind, t.Text = TermPhrase, text
		return t, nil, p.endOfTerm()
	}
	start := p.pos
	p.skip(func(r rune) bool { return notSpace(r) && r != ':' && r != '"' })
	word := p.src[start:p.pos]
	if p.pos >= len(p.src) || p.src[p.pos] != ':' {
		if p.pos < len(p.src) && p.src[p.pos] == '"' {
			return t, nil, queryError(p.pos, "a quote may only start a term or a value")
		}
		t.Kind, t.Text = TermWord, word
		return t, nil, nil
	}
	p.pos++ // the colon
	field, ok := fieldAliases[strings.ToLower(word)]
	if !ok && strings.ContainsAny(word, "./") {
		// An identifier such as registry.io/org/img:tag, not a field.
		p.pos = start
		p.skip(notSpace)
		t.Kind, t.Text = TermWord, p.src[start:p.pos]
		return t, nil, nil
	}
	if !ok {
		return t, nil, queryError(start, fmt.Sprintf("unknown field %q (expected one of %s)", word, knownFields()))
	}
	valuePos := p.pos
	value, err := p.value()
	if err != nil {
		return t, nil, err
	}
	if value == "" {
		return t, nil, queryError(valuePos, fmt.Sprintf("expected a value after %q", word+":"))
	}
	if field == "sort" {
		if t.Negated {
			return t, nil, queryError(t.Pos, "sort: cannot be negated; use sort:-field for descending order")
		}
		key, err := parseSortKey(valuePos, value)
		return t, &key, err
	}
	t.Kind = TermField
	return t, nil, p.fieldValue(&t, field, valuePos, value)
}

// value reads a field's value: a quoted string or the rest of the word.
func (p *queryParser) value() (string, error) {
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		v, err := p.quoted()
		if err != nil {
			return "", err
		}
		return v, p.endOfTerm()
	}
	start := p.pos
	p.skip(func(r rune) bool { return notSpace(r) && r != '"' })
	if p.pos < len(p.src) && p.src[p.pos] == '"' {
		return "", queryError(p.pos, "a quote may only start a term or a value")
	}
	return p.src[start:p.pos], nil
}

// quoted reads a "..." string; \" and \\ escape.
func (p *queryParser) quoted() (string, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == '\\' && p.pos+1 < len(p.src) && (p.src[p.pos+1] == '"' || p.src[p.pos+1] == '\\'):
			b.WriteByte(p.src[p.pos+1])
			p.pos += 2
		case c == '"':
			p.pos++
			if strings.TrimSpace(b.String()) == "" {
				return "", queryError(open, "empty quotes")
			}
			return b.String(), nil
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", queryError(open, "unterminated quote: expected a closing \"")
}

func (p *queryParser) endOfTerm() error {
	if p.pos < len(p.src) && !p.spaceAt(p.pos) {
		return queryError(p.pos, "expected a space after the closing quote")
	}
	return nil
}

func (p *queryParser) fieldValue(t *Term, field string, pos int, value string) error {
	t.Field = field
	t.Op = OpEq
	switch field {
	case "is":
		switch strings.ToLower(value) {
		case "active", "open":
			t.Field, t.Text = FieldState, string(StateActive)
		case "resolved", "closed":
			t.Field, t.Text = FieldState, string(StateResolved)
		case "regressed", "reopened":
			t.Field = FieldRegressed
		case "acked", "acknowledged":
			t.Field = FieldAcked
		case "unacked", "unacknowledged":
			t.Field, t.Negated = FieldAcked, !t.Negated
		case "snoozed":
			t.Field = FieldSnoozed
		case "muted", "silenced":
			t.Field = FieldMuted
		default:
			return queryError(pos, fmt.Sprintf("unknown is:%s (expected active, resolved, regressed, acked, unacked, snoozed or muted)", value))
		}
	case "has":
		switch strings.ToLower(value) {
		case "comments", "comment":
			t.Field = FieldComments
		case "assignee":
			t.Field = FieldAssigned
		default:
			return queryError(pos, fmt.Sprintf("unknown has:%s (expected comments or assignee)", value))
		}
	case FieldAssignee:
		if strings.EqualFold(value, "me") {
			t.Me = true
		}
		t.Text = value
	case FieldState:
		st, err := ParseState("state", value)
		if err != nil {
			return queryError(pos, ErrorDetails(err))
		}
		t.Text = string(st)
	case FieldIssueType:
		ty, err := ParseIssueType("type", value)
		if err != nil {
			return queryError(pos, ErrorDetails(err))
		}
		t.Text = string(ty)
	case FieldSeverity:
		op, rest := splitOp(value)
		sv, err := ParseSeverity("severity", rest)
		if err != nil {
			return queryError(pos+len(value)-len(rest), ErrorDetails(err))
		}
		t.Op, t.Severity = op, sv
	case FieldLabel:
		k, v, _ := strings.Cut(value, "=")
		if k == "" {
			return queryError(pos, "expected label:key or label:key=value")
		}
		t.LabelKey, t.Text = k, v
	case FieldDetectedAt, FieldLastSeen, FieldFirstSeen, FieldResolvedAt:
		return p.timeValue(t, pos, value)
	case FieldOccurrences:
		return numberValue(t, pos, value)
	default: // namespace, scope, scopeType, reason, task, step, title
		t.Text = value
	}
	return nil
}

// splitOp splits a leading comparison operator off a value; without one the
// operator is OpEq and the value is whole.
func splitOp(v string) (Op, string) {
	for _, op := range []Op{OpGte, OpLte, OpGt, OpLt, OpEq} {
		if strings.HasPrefix(v, string(op)) {
			return op, v[len(op):]
		}
	}
	return OpEq, v
}

// timeValue parses a time condition into a [Min, Max) window. A date alone
// is that whole UTC day; a duration ("24h", "7d") is that long before now.
// ">" and ">=" mean after (more recent), "<" and "<=" before.
func (p *queryParser) timeValue(t *Term, pos int, value string) error {
	if lo, hi, ok := strings.Cut(value, ".."); ok {
		a0, a1, err := p.instant(pos, lo)
		if err != nil {
			return err
		}
		b0, b1, err := p.instant(pos+len(lo)+2, hi)
		if err != nil {
			return err
		}
		// Both ends are inclusive, in whichever order they were written.
		t.Op = OpRange
		t.Min, t.Max = storable(minTime(a0, b0), maxTime(a1, b1))
		return nil
	}
	op, rest := splitOp(value)
	start, end, err := p.instant(pos+len(value)-len(rest), rest)
	if err != nil {
		return err
	}
	t.Op = op
	switch op {
	case OpGt:
		t.Min = end
	case OpGte:
		t.Min = start
	case OpLt:
		t.Max = start
	case OpLte:
		t.Max = end
	default:
		t.Min, t.Max = start, end
	}
	t.Min, t.Max = storable(t.Min, t.Max)
	return nil
}

// storable fits a [min, max) window to the times Kite stores (MinTime to
// MaxTime): an end beyond them is open ("before 9999" is every issue), a
// window wholly beyond them matches nothing, never everything or a
// wrapped-around time.
func storable(lo, hi time.Time) (time.Time, time.Time) {
	if !lo.IsZero() && lo.Before(MinTime) {
		lo = time.Time{}
	}
	if !hi.IsZero() && hi.After(MaxTime) {
		hi = time.Time{}
	}
	switch {
	case !lo.IsZero() && lo.After(MaxTime):
		lo, hi = MaxTime, MaxTime // empty
	case !hi.IsZero() && !hi.After(MinTime):
		lo, hi = MinTime, MinTime // empty
	}
	return lo, hi
}

// instant parses a date, an RFC 3339 time or a duration ago, returning the
// span it denotes: a whole day for a date, a single instant otherwise
// (end = start + 1ns, so the window [start, end) holds exactly it).
func (p *queryParser) instant(pos int, v string) (time.Time, time.Time, error) {
	if v == "" {
		return time.Time{}, time.Time{}, queryError(pos, "expected a date (2026-11-01), a time (RFC 3339) or a duration (30m, 24h, 7d, 2w)")
	}
	if d, ok := parseAgo(v); ok {
		at := p.now.Add(-d)
		return at, at.Add(time.Nanosecond), nil
	}
	if day, err := time.Parse(time.DateOnly, v); err == nil {
		return day, day.AddDate(0, 0, 1), nil
	}
	if at, err := time.Parse(time.RFC3339Nano, v); err == nil {
		at = at.UTC()
		return at, at.Add(time.Nanosecond), nil
	}
	return time.Time{}, time.Time{}, queryError(pos, fmt.Sprintf("%q is not a date (2026-11-01), a time (RFC 3339) or a duration (30m, 24h, 7d, 2w)", v))
}

// parseAgo parses Go durations plus d (days) and w (weeks).
func parseAgo(v string) (time.Duration, bool) {
	// Longer than a time.Duration holds: as long ago as it can say,
	// which storable then treats as "since ever".
	const maxDays = int(math.MaxInt64 / int64(24*time.Hour))
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return time.Duration(min(days, maxDays)) * 24 * time.Hour, true
		}
		return 0, false
	}
	if n, ok := strings.CutSuffix(v, "w"); ok {
		if weeks, err := strconv.Atoi(n); err == nil && weeks >= 0 {
			return time.Duration(min(weeks, maxDays/7)) * 7 * 24 * time.Hour, true
		}
		return 0, false
	}
	d, err := time.ParseDuration(v)
	return d, err == nil && d >= 0
}

// numberValue parses an occurrences condition into an inclusive range.
func numberValue(t *Term, pos int, value string) error {
	parse := func(at int, s string) (int64, error) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, queryError(at, fmt.Sprintf("%q is not a whole number", s))
		}
		return n, nil
	}
	if lo, hi, ok := strings.Cut(value, ".."); ok {
		a, err := parse(pos, lo)
		if err != nil {
			return err
		}
		b, err := parse(pos+len(lo)+2, hi)
		if err != nil {
			return err
		}
		t.Op, t.Low, t.High = OpRange, min(a, b), max(a, b)
		return nil
	}
	op, rest := splitOp(value)
	n, err := parse(pos+len(value)-len(rest), rest)
	if err != nil {
		return err
	}
	t.Op = op
	t.Low, t.High = 0, -1 // -1: no upper bound
	switch op {
	case OpGt:
		t.Low = n + 1
	case OpGte:
		t.Low = n
	case OpLt:
		if n == 0 {
			return queryError(pos, "no count is below 0")
		}
		t.High = n - 1
	case OpLte:
		t.High = n
	default:
		t.Low, t.High = n, n
	}
	return nil
}

func parseSortKey(pos int, v string) (SortKey, error) {
	desc := strings.HasPrefix(v, "-")
	name := strings.TrimPrefix(v, "-")
	f, ok := sortFields[strings.ToLower(name)]
	if !ok {
		names := slices.Sorted(maps.Keys(sortFields))
		return SortKey{}, queryError(pos, fmt.Sprintf("cannot sort by %q (expected one of %s)", name, strings.Join(names, ", ")))
	}
	if f == FieldRelevance {
		desc = true // best first, however it is written: worst first serves nobody
	}
	return SortKey{Field: f, Desc: desc}, nil
}

func knownFields() string {
	return strings.Join(slices.Sorted(maps.Keys(fieldAliases)), ", ")
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
