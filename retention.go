package kite

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Retention says how long resolved issues are kept after they were
// resolved: Resolved for every namespace, Namespaces for those that differ.
// Zero keeps them for ever.
type Retention struct {
	Resolved   time.Duration
	Namespaces map[string]time.Duration
}

// Off reports whether nothing is ever removed.
func (r Retention) Off() bool {
	return r.Resolved == 0 && !slices.ContainsFunc(slices.Collect(maps.Values(r.Namespaces)), func(d time.Duration) bool { return d > 0 })
}

// For is namespace ns's retention; zero keeps its issues for ever.
func (r Retention) For(ns string) time.Duration {
	if d, ok := r.Namespaces[ns]; ok {
		return d
	}
	return r.Resolved
}

// ParseRetention reads a default retention ("90d", "2w", "720h"; "" or
// "0" for ever) and per-namespace overrides ("team-a=30d", "audit=0").
func ParseRetention(resolved string, overrides []string) (Retention, error) {
	var r Retention
	var err error
	if r.Resolved, err = ParseSpan("retain-resolved", resolved); err != nil {
		return r, err
	}
	for _, o := range overrides {
		ns, span, ok := strings.Cut(o, "=")
		if !ok {
			return r, Invalid("retain-resolved-in", "Validation failed", fmt.Sprintf("%q is not NAMESPACE=SPAN (team-a=30d)", o))
		}
		if err := CheckName("retain-resolved-in", ns); err != nil {
			return r, err
		}
		d, err := ParseSpan("retain-resolved-in", span)
		if err != nil {
			return r, err
		}
		if r.Namespaces == nil {
			r.Namespaces = map[string]time.Duration{}
		}
		r.Namespaces[ns] = d
	}
	return r, nil
}

// ParseSpan reads a span as the query language writes one (30m, 2h, 7d,
// 2w); "" and "0" are zero.
func ParseSpan(field, v string) (time.Duration, error) {
	if v == "" || v == "0" {
		return 0, nil
	}
	d, ok := parseAgo(v)
	if !ok {
		return 0, Invalid(field, "Validation failed", fmt.Sprintf("%s must be a span such as 90d, 2w or 720h, not %q", field, v))
	}
	return d, nil
}
