package kite

import "context"

// ChangeKind says what a committed change did to an issue.
type ChangeKind string

const (
	ChangeCreated  ChangeKind = "created"
	ChangeUpdated  ChangeKind = "updated"
	ChangeReopened ChangeKind = "reopened"
	ChangeResolved ChangeKind = "resolved"
	ChangeDeleted  ChangeKind = "deleted"
)

// ChangeOf is the change kind a timeline event stands for.
func ChangeOf(e EventKind) ChangeKind {
	switch e {
	case EventOpened:
		return ChangeCreated
	case EventReopened:
		return ChangeReopened
	case EventResolved:
		return ChangeResolved
	}
	return ChangeUpdated
}

// IssueChange is one committed change of an issue, as the event stream
// sends it: its revision (increasing, the stream's resume point), what
// happened, and the issue as it is now (nil once deleted).
type IssueChange struct {
	Rev       uint64     `json:"rev"`
	Kind      ChangeKind `json:"kind"`
	ID        string     `json:"id"`
	Namespace string     `json:"namespace"`
	Issue     *Issue     `json:"issue,omitempty"`
}

// ChangeRequest asks for a feed of changes: those of the named namespaces
// (at least one) whose issue matches Query (see Query.Matches; deletions
// match by namespace alone), after revision After (0: from now on).
type ChangeRequest struct {
	Namespaces []string
	Query      string
	After      uint64
	// Caller is who assignee:me means ("" when unknown).
	Caller string
}

// ChangeFeed is a running subscription. C delivers changes in revision
// order and is closed when the subscription ends; Err then says why: nil
// when the caller's context ended, ErrResync when the subscriber fell too
// far behind (its buffer filled, or the change log no longer reaches back
// to After), anything else for a failure.
type ChangeFeed struct {
	C   <-chan IssueChange
	Err func() error
}

// ErrResync tells a subscriber that changes were lost to it: it should
// reload what it shows and subscribe again from now.
var ErrResync = Errorf(ECONFLICT, "Changes were missed: reload and subscribe again")

// Streamer offers the change feed. The service implements it in process;
// the HTTP client over the event stream.
type Streamer interface {
	Subscribe(ctx context.Context, r ChangeRequest) (*ChangeFeed, error)
}
