package kite

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Snooze is how long an issue stays out of the way: until a time, until
// it recurs a number of times more, or until its severity rises (Sentry's
// "until escalating"), whichever comes first. It wakes by itself, with a
// timeline entry and a change of the issue.
type Snooze struct {
	Until *time.Time `json:"until,omitempty"`
	// UntilOccurrences wakes the issue when its occurrence count reaches
	// it (the count when snoozed plus the requested number).
	UntilOccurrences int64 `json:"untilOccurrences,omitempty"`
	// Escalating wakes the issue when a report raises its severity above
	// Severity, the one it had when snoozed.
	Escalating bool      `json:"escalating,omitempty"`
	Severity   Severity  `json:"severity,omitempty"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// SnoozeRequest asks to snooze an issue; at least one condition.
type SnoozeRequest struct {
	Until *time.Time `json:"until,omitempty"`
	// Occurrences is how many more occurrences wake the issue.
	Occurrences int64 `json:"occurrences,omitempty"`
	Escalating  bool  `json:"escalating,omitempty"`
}

// MaxSnoozeOccurrences bounds SnoozeRequest.Occurrences.
const MaxSnoozeOccurrences = 1_000_000

// Check validates the request at now.
func (r SnoozeRequest) Check(now time.Time) error {
	if r.Until == nil && r.Occurrences == 0 && !r.Escalating {
		return Invalid("until", "Validation failed", "a snooze needs until, occurrences or escalating")
	}
	if r.Until != nil {
		if !r.Until.After(now) {
			return Invalid("until", "Validation failed", "until must be in the future")
		}
		if err := CheckTime("until", *r.Until); err != nil {
			return err
		}
	}
	if r.Occurrences < 0 || r.Occurrences > MaxSnoozeOccurrences {
		return Invalid("occurrences", "Validation failed", fmt.Sprintf("occurrences must be between 1 and %d", MaxSnoozeOccurrences))
	}
	return nil
}

// Wakes says why the snooze ends for is at now, "" while it holds;
// reported is the latest reported severity (the issue's own may be pinned).
func (s *Snooze) Wakes(is *Issue, reported Severity, now time.Time) string {
	switch {
	case s.Until != nil && !now.Before(*s.Until):
		return "its time came"
	case s.UntilOccurrences > 0 && is.Occurrences >= s.UntilOccurrences:
		return fmt.Sprintf("it occurred %d times", is.Occurrences)
	case s.Escalating && reported.Rank() > s.Severity.Rank():
		return fmt.Sprintf("its severity rose from %s to %s", s.Severity, reported)
	}
	return ""
}

// String says what the snooze waits for, for the timeline.
func (s *Snooze) String() string {
	var parts []string
	if s.Until != nil {
		parts = append(parts, "until "+s.Until.UTC().Format(time.RFC3339))
	}
	if s.UntilOccurrences > 0 {
		parts = append(parts, fmt.Sprintf("until it occurs %d times", s.UntilOccurrences))
	}
	if s.Escalating {
		parts = append(parts, "until its severity rises above "+string(s.Severity))
	}
	return strings.Join(parts, ", or ")
}

// Snoozer snoozes and wakes issues.
type Snoozer interface {
	Snooze(ctx context.Context, id string, r SnoozeRequest, actor string) (*Issue, error)
	Unsnooze(ctx context.Context, id, actor string) (*Issue, error)
}

// ParseUntil reads when a snooze ends: an RFC 3339 time, or a span from
// now as the query language writes one (30m, 2h, 7d, 2w).
func ParseUntil(field, v string, now time.Time) (time.Time, error) {
	if d, ok := parseAgo(v); ok {
		if d > maxUntil {
			return time.Time{}, Invalid(field, "Validation failed", field+" is more than a year away")
		}
		return now.Add(d).UTC(), nil
	}
	t, err := ParseTime(field, v)
	if err != nil {
		return time.Time{}, Invalid(field, "Validation failed", field+" must be an RFC 3339 time or a span such as 2h or 7d")
	}
	return t, nil
}

// maxUntil bounds a snooze's span from now.
const maxUntil = 366 * 24 * time.Hour
