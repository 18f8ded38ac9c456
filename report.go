package kite

import (
	"time"
)

// Report is one observation of a failure: a webhook call, a create through
// the v1 API, a failed PipelineRun seen by a watcher.
type Report struct {
	Namespace   string
	Title       string
	Description string
	Severity    Severity
	IssueType   IssueType
	Scope       Scope
	Links       []Link
	// State is ACTIVE unless a create through the API asks for RESOLVED.
	State State
	// Key, when set, replaces namespace + type + scope as the dedupe key.
	Key     string
	Failure *FailureContext
	Labels  map[string]string
	// At is when the failure happened; zero means now. A report older than
	// the resolution of its issue does not reopen it.
	At time.Time
	// Actor is who reported it (webhook, api, watcher, a user).
	Actor string
	// Run, when set, names the completed run this report observes: the
	// store applies each run once, in completion order (see Run).
	Run *Run
}

// Run is one completed run of a watched resource (a PipelineRun). Reports
// and resolutions that carry one are applied exactly once per run and
// per scope: the same run seen again (a resync, a restart, a re-sent
// webhook) changes nothing, and a failure that completed before the
// scope's newest applied success changes nothing either. When the report
// or resolution has no At, the run's completion time is its At.
type Run struct {
	// ID is unique per run (a PipelineRun's UID).
	ID          string
	CompletedAt time.Time
}

// Outcome says what a report did to the store.
type Outcome string

const (
	OutcomeCreated  Outcome = "created"
	OutcomeUpdated  Outcome = "updated"
	OutcomeReopened Outcome = "reopened"
	OutcomeResolved Outcome = "resolved"
	// OutcomeStale: the report was older than the issue's resolution, or
	// its run older than the scope's newest applied success.
	OutcomeStale Outcome = "stale"
	// OutcomeDuplicate: the report's run was applied before.
	OutcomeDuplicate Outcome = "duplicate"
)

// ReportResult is the issue a report landed on and what happened to it.
type ReportResult struct {
	Issue   *Issue
	Outcome Outcome
}

// Resolution is one observation of success: every ACTIVE issue of the
// namespace whose scope has this resource type and name is resolved, unless
// it was last seen after At (a late success must not hide a newer failure).
type Resolution struct {
	Namespace    string
	ResourceType string
	ResourceName string
	At           time.Time
	Actor        string
	// Run, when set, names the succeeded run: applied once (see Run).
	Run *Run
}

// IssueUpdate is a partial edit: nil fields stay as they are. Links, when
// set, replace all links. ResolvedAtSet distinguishes an explicit null from
// an absent resolvedAt.
type IssueUpdate struct {
	Title         *string
	Description   *string
	Severity      *Severity
	IssueType     *IssueType
	State         *State
	ResolvedAt    *time.Time
	ResolvedAtSet bool
	Links         *[]Link
	Scope         *Scope
	// Pinned replaces the issue's pinned fields (an empty list unpins
	// them all); without it, a changed title or severity is pinned.
	Pinned *[]string
	Actor  string
}

// Field size limits. They keep one issue far below the request body cap and
// keep index keys bounded.
const (
	maxNameLen        = 253
	maxTitleLen       = 1024
	maxDescriptionLen = 512 << 10
	maxLinks          = 100
	maxURLLen         = 4096
	// maxFailureTextLen bounds a failure's reason and message: a pipeline's
	// condition message, not a log.
	maxFailureTextLen = 32 << 10
	maxKeyLen         = 512
	maxLabels         = 64
	maxLabelValueLen  = 253
)
