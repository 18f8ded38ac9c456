package kite

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Silence mutes the issues of some namespaces that match a query, for a
// while, as Alertmanager's silences mute alerts: a muted issue is still
// recorded (occurrences, lastSeen, failure context), but the default
// triage views leave it out. Silences start and end by themselves.
type Silence struct {
	ID         string    `json:"id"`
	Namespaces []string  `json:"namespaces"`
	Query      string    `json:"query"`
	StartsAt   time.Time `json:"startsAt"`
	EndsAt     time.Time `json:"endsAt"`
	CreatedBy  string    `json:"createdBy"`
	Comment    string    `json:"comment"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	// State is pending, active or expired at the time it was read.
	State SilenceState `json:"state"`
}

// SilenceState is where a silence is in its life.
type SilenceState string

const (
	SilencePending SilenceState = "pending"
	SilenceActive  SilenceState = "active"
	SilenceExpired SilenceState = "expired"
)

// StateAt is the silence's state at now.
func (s *Silence) StateAt(now time.Time) SilenceState {
	switch {
	case !now.Before(s.EndsAt):
		return SilenceExpired
	case now.Before(s.StartsAt):
		return SilencePending
	}
	return SilenceActive
}

// SilenceRequest creates or replaces a silence.
type SilenceRequest struct {
	Namespaces []string `json:"namespaces"`
	Query      string   `json:"query"`
	// StartsAt defaults to now.
	StartsAt *time.Time `json:"startsAt,omitempty"`
	EndsAt   time.Time  `json:"endsAt"`
	Comment  string     `json:"comment"`
}

// Silence limits.
const (
	MaxSilenceNamespaces = 50
	MaxSilenceSpan       = 366 * 24 * time.Hour
	maxSilenceComment    = 1024
)

// Check validates the request at now and returns its start.
func (r SilenceRequest) Check(now time.Time) (time.Time, error) {
	if len(r.Namespaces) == 0 || len(r.Namespaces) > MaxSilenceNamespaces {
		return time.Time{}, Invalid("namespaces", "Validation failed", fmt.Sprintf("a silence names 1 to %d namespaces", MaxSilenceNamespaces))
	}
	for _, ns := range r.Namespaces {
		if ns == "" {
			return time.Time{}, Invalid("namespaces", "Validation failed", "a namespace must not be empty")
		}
		if err := CheckName("namespaces", ns); err != nil {
			return time.Time{}, err
		}
	}
	q, err := ParseQuery(r.Query, now)
	if err != nil {
		return time.Time{}, err
	}
	if err := q.BindCaller(""); err != nil {
		return time.Time{}, err // assignee:me means nobody in a silence
	}
	if strings.TrimSpace(r.Comment) == "" {
		return time.Time{}, Invalid("comment", "Validation failed", "say why: comment is required")
	}
	if err := checkText("comment", r.Comment, maxSilenceComment); err != nil {
		return time.Time{}, err
	}
	start := now
	if r.StartsAt != nil {
		if err := CheckTime("startsAt", *r.StartsAt); err != nil {
			return time.Time{}, err
		}
		start = r.StartsAt.UTC()
	}
	if err := CheckTime("endsAt", r.EndsAt); err != nil {
		return time.Time{}, err
	}
	switch {
	case !r.EndsAt.After(start):
		return time.Time{}, Invalid("endsAt", "Validation failed", "endsAt must be after startsAt")
	case !r.EndsAt.After(now):
		return time.Time{}, Invalid("endsAt", "Validation failed", "endsAt must be in the future")
	case r.EndsAt.Sub(start) > MaxSilenceSpan:
		return time.Time{}, Invalid("endsAt", "Validation failed", "a silence lasts at most a year")
	}
	return start, nil
}

// Mutes reports whether the silence, active, mutes is; q is its parsed
// query.
func (s *Silence) Mutes(q *Query, is *Issue) bool {
	return slices.Contains(s.Namespaces, is.Namespace) && q.Matches(is)
}

// SilenceFilter selects silences: those touching any of Namespaces, in
// any of States (all when empty).
type SilenceFilter struct {
	Namespaces []string
	States     []SilenceState
}

// Silencer keeps silences.
type Silencer interface {
	Silences(ctx context.Context, f SilenceFilter) ([]Silence, error)
	GetSilence(ctx context.Context, id string) (*Silence, error)
	CreateSilence(ctx context.Context, r SilenceRequest, actor string) (*Silence, error)
	UpdateSilence(ctx context.Context, id string, r SilenceRequest, actor string) (*Silence, error)
	// ExpireSilence ends a silence now; its issues are unmuted.
	ExpireSilence(ctx context.Context, id, actor string) (*Silence, error)
}
