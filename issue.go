package kite

import "time"

// Issue is one tracked problem: what the original Kite calls an issue, plus
// the occurrence tracking, failure context and timeline that triage needs.
// Its JSON form is the v1 wire format; fields after UpdatedAt are Kite's
// additions and never change the meaning of the original keys.
type Issue struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Severity    Severity   `json:"severity"`
	IssueType   IssueType  `json:"issueType"`
	State       State      `json:"state"`
	DetectedAt  time.Time  `json:"detectedAt"`
	ResolvedAt  *time.Time `json:"resolvedAt"`
	Namespace   string     `json:"namespace"`
	ScopeID     string     `json:"scopeId"`
	Scope       Scope      `json:"scope"`
	Links       []Link     `json:"links"`
	// RelatedFrom holds the relations this issue is the source of and
	// RelatedTo those it is the target of. They are not part of the stored
	// record: the store fills them when it reads an issue.
	RelatedFrom []Relation `json:"relatedFrom"`
	RelatedTo   []Relation `json:"relatedTo"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`

	// Fingerprint identifies "the same problem": reports with the same
	// fingerprint update one issue instead of opening another.
	Fingerprint string `json:"fingerprint"`
	// Key is the caller's own dedupe key when it supplied one.
	Key         string            `json:"key,omitempty"`
	FirstSeen   time.Time         `json:"firstSeen"`
	LastSeen    time.Time         `json:"lastSeen"`
	Occurrences int64             `json:"occurrences"`
	ReopenCount int               `json:"reopenCount"`
	ResolvedBy  string            `json:"resolvedBy,omitempty"`
	Failure     *FailureContext   `json:"failure,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	// Rev is the store revision that last changed the issue.
	Rev uint64 `json:"rev"`

	// Triage (triage.go): who said "I'm on it" and when, who the issue
	// is handed to (a user or a team name), how many comments it has.
	AckedBy  string     `json:"ackedBy,omitempty"`
	AckedAt  *time.Time `json:"ackedAt,omitempty"`
	Assignee string     `json:"assignee,omitempty"`
	Comments int        `json:"comments,omitempty"`
	// Snooze, while set, hides the issue from the default triage views
	// until one of its conditions wakes it.
	Snooze *Snooze `json:"snooze,omitempty"`
	// Pinned are the fields a person set (PinnableFields) that automated
	// reports leave as they are; reports still count occurrences and
	// update the failure context.
	Pinned []string `json:"pinned,omitempty"`
	// Muted lists the active silences that match the issue (silence.go).
	Muted []string `json:"muted,omitempty"`
}

// LogLink is where the issue's logs are: its failure's log URL, else its
// "Pipeline Run Logs" link (the original's), else its first link; "" when
// it has none.
func (is *Issue) LogLink() string {
	if f := is.Failure; f != nil && f.LogURL != "" {
		return f.LogURL
	}
	for _, l := range is.Links {
		if l.Title == "Pipeline Run Logs" {
			return l.URL
		}
	}
	if len(is.Links) > 0 {
		return is.Links[0].URL
	}
	return ""
}

// PinnableFields are the fields a person's edit pins.
var PinnableFields = []string{"title", "severity"}

// Scope is the resource an issue is about: a pipeline, an application, a
// component. Namespace + IssueType + Scope make the default fingerprint.
type Scope struct {
	ID                string `json:"id"`
	ResourceType      string `json:"resourceType"`
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
}

// Link points from an issue to logs, dashboards or docs.
type Link struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	URL     string `json:"url"`
	IssueID string `json:"issueId"`
}

// Relation connects two issues. Source and Target carry the related issues
// themselves (without their own relations) as the original API does.
type Relation struct {
	ID        string    `json:"id"`
	SourceID  string    `json:"sourceId"`
	TargetID  string    `json:"targetId"`
	Source    *Issue    `json:"source,omitempty"`
	Target    *Issue    `json:"target,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// FailureContext is what is known about why a run failed.
type FailureContext struct {
	Reason   string `json:"reason,omitempty"`
	Task     string `json:"task,omitempty"`
	Step     string `json:"step,omitempty"`
	ExitCode *int   `json:"exitCode,omitempty"`
	Message  string `json:"message,omitempty"`
	LogURL   string `json:"logUrl,omitempty"`
	RunID    string `json:"runId,omitempty"`
}

// EventKind names what happened to an issue in its timeline.
type EventKind string

const (
	EventOpened    EventKind = "opened"
	EventSeen      EventKind = "seen"
	EventReopened  EventKind = "reopened"
	EventResolved  EventKind = "resolved"
	EventEdited    EventKind = "edited"
	EventRelated   EventKind = "related"
	EventUnrelated EventKind = "unrelated"
	// Triage.
	EventAcknowledged   EventKind = "acknowledged"
	EventUnacknowledged EventKind = "unacknowledged"
	EventAssigned       EventKind = "assigned"
	EventUnassigned     EventKind = "unassigned"
	EventCommented      EventKind = "commented"
	EventCommentEdited  EventKind = "comment_edited"
	EventCommentDeleted EventKind = "comment_deleted"
	EventSnoozed        EventKind = "snoozed"
	EventUnsnoozed      EventKind = "unsnoozed"
	// EventWoke: a snooze ended by itself (its time came, the issue
	// recurred often enough, or its severity rose).
	EventWoke EventKind = "woke"
	// EventMuted and EventUnmuted: a silence began or ceased to match.
	EventMuted   EventKind = "muted"
	EventUnmuted EventKind = "unmuted"
)

// Event is one entry of an issue's append-only timeline.
type Event struct {
	Rev     uint64    `json:"rev"`
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Actor   string    `json:"actor"`
	Message string    `json:"message,omitempty"`
}

// Actors that are not people. A user's name is used as-is.
const (
	ActorWebhook = "webhook"
	ActorAPI     = "api"
	ActorWatcher = "watcher"
	// ActorKite is Kite itself: a snooze that ended on its own.
	ActorKite = "kite"
)
