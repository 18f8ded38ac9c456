package kite

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Triage is what people do with an issue besides resolving it: say they
// are on it, hand it to someone, leave notes. Every change is a timeline
// entry with its actor and a change of the issue (the event stream).
type Triage interface {
	// Acknowledge marks the issue acknowledged by actor (on) or clears
	// the acknowledgement (off). Doing what is already done changes
	// nothing.
	Acknowledge(ctx context.Context, id string, on bool, actor string) (*Issue, error)
	// Assign hands the issue to assignee, a user or a team name; ""
	// unassigns it.
	Assign(ctx context.Context, id, assignee, actor string) (*Issue, error)
	Comments(ctx context.Context, id string) ([]Comment, error)
	AddComment(ctx context.Context, id, text, author string) (*Comment, error)
	// EditComment and DeleteComment are for the comment's author only
	// (EFORBIDDEN otherwise).
	EditComment(ctx context.Context, id, commentID, text, actor string) (*Comment, error)
	DeleteComment(ctx context.Context, id, commentID, actor string) error
	Snoozer
	Silencer
}

// Comment is a note on an issue, in Markdown.
type Comment struct {
	ID        string     `json:"id"`
	IssueID   string     `json:"issueId"`
	Author    string     `json:"author"`
	Text      string     `json:"text"`
	CreatedAt time.Time  `json:"createdAt"`
	EditedAt  *time.Time `json:"editedAt,omitempty"`
}

// MaxCommentLen bounds a comment's text.
const MaxCommentLen = 16 << 10

// CheckComment validates a comment's text.
func CheckComment(text string) error {
	if strings.TrimSpace(text) == "" {
		return Invalid("text", "Validation failed", "text is required")
	}
	return checkText("text", text, MaxCommentLen)
}

// CheckAssignee validates an assignee: a user name as the cluster knows it
// (alice, system:serviceaccount:ns:sa) or a team name; "" unassigns.
func CheckAssignee(v string) error {
	if v != strings.TrimSpace(v) {
		return Invalid("assignee", "Validation failed", "assignee must not start or end with spaces")
	}
	return CheckName("assignee", v)
}

// CommentSummary is a comment's first line, shortened, for the timeline.
func CommentSummary(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	if r := []rune(line); len(r) > 80 {
		line = string(r[:79]) + "…"
	}
	return line
}

// AssignMessage is the timeline message of an assignment.
func AssignMessage(assignee string) string {
	if assignee == "" {
		return "unassigned"
	}
	return fmt.Sprintf("assigned to %s", assignee)
}
