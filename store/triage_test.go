package store_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

func kinds(t *testing.T, tl []kite.Event) []kite.EventKind {
	t.Helper()
	out := make([]kite.EventKind, 0, len(tl))
	for _, e := range tl {
		out = append(out, e.Kind)
	}
	return out
}

func TestAcknowledgeAndAssign(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	id := res.Issue.ID

	is, err := s.Acknowledge(ctx, id, true, "alice")
	require.NoError(t, err)
	assert.Equal(t, "alice", is.AckedBy)
	require.NotNil(t, is.AckedAt)
	rev := is.Rev
	again, err := s.Acknowledge(ctx, id, true, "bob")
	require.NoError(t, err)
	assert.Equal(t, "alice", again.AckedBy, "acknowledged once: the first stays")
	assert.Equal(t, rev, again.Rev, "nothing written")

	is, err = s.Assign(ctx, id, "team-payments", "alice")
	require.NoError(t, err)
	assert.Equal(t, "team-payments", is.Assignee)
	is, err = s.Assign(ctx, id, "", "bob")
	require.NoError(t, err)
	assert.Empty(t, is.Assignee)
	is, err = s.Acknowledge(ctx, id, false, "bob")
	require.NoError(t, err)
	assert.Empty(t, is.AckedBy)
	assert.Nil(t, is.AckedAt)

	_, err = s.Assign(ctx, id, " padded ", "alice")
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Equal(t, "assignee", kite.ErrorField(err))
	_, err = s.Assign(ctx, id, "a\x00b", "alice")
	assert.Equal(t, "assignee", kite.ErrorField(err))
	_, err = s.Acknowledge(ctx, "01a22a3e-2f7e-7d6c-9e5d-03c3f65bad6f", true, "alice")
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))

	tl, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventAcknowledged, kite.EventAssigned, kite.EventUnassigned, kite.EventUnacknowledged}, kinds(t, tl))
	assert.Equal(t, "alice", tl[1].Actor)
	assert.Equal(t, "assigned to team-payments", tl[2].Message)
	assert.Equal(t, "bob", tl[3].Actor)

	// The triage state survives a report of the same problem and a reopen.
	_, err = s.Acknowledge(ctx, id, true, "carol")
	require.NoError(t, err)
	res, err = s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	assert.Equal(t, "carol", res.Issue.AckedBy)
	got, err := s.GetIssue(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "carol", got.AckedBy)
}

func TestComments(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	id := res.Issue.ID

	first, err := s.AddComment(ctx, id, "Looking into it.\nThe node ran out of memory.", "alice")
	require.NoError(t, err)
	assert.Equal(t, "alice", first.Author)
	assert.Equal(t, id, first.IssueID)
	second, err := s.AddComment(ctx, id, "**Fixed** in #42", "bob")
	require.NoError(t, err)
	list, err := s.Comments(ctx, id)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, first.ID, list[0].ID, "oldest first")
	got, err := s.GetIssue(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Comments)

	edited, err := s.EditComment(ctx, id, first.ID, "Looking into it: OOMKilled on node 3.", "alice")
	require.NoError(t, err)
	require.NotNil(t, edited.EditedAt)
	assert.Equal(t, first.CreatedAt, edited.CreatedAt)
	_, err = s.EditComment(ctx, id, second.ID, "not mine", "alice")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	assert.Contains(t, kite.ErrorDetails(err), "only bob")
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(s.DeleteComment(ctx, id, second.ID, "alice")))
	require.NoError(t, s.DeleteComment(ctx, id, second.ID, "bob"))
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(s.DeleteComment(ctx, id, second.ID, "bob")))
	assert.Equal(t, "commentId", kite.ErrorField(s.DeleteComment(ctx, id, "nope", "bob")))

	for _, bad := range []string{"", "   ", strings.Repeat("x", kite.MaxCommentLen+1), "a\x00b"} {
		_, err := s.AddComment(ctx, id, bad, "alice")
		assert.Equal(t, "text", kite.ErrorField(err), "%.20q", bad)
	}

	list, err = s.Comments(ctx, id)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, "Looking into it: OOMKilled on node 3.", list[0].Text)
	tl, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventCommented, kite.EventCommented, kite.EventCommentEdited, kite.EventCommentDeleted}, kinds(t, tl))
	assert.Equal(t, "Looking into it.", tl[1].Message, "the first line")

	// Deleting the issue takes its comments (the store check on cleanup
	// finds none left over).
	require.NoError(t, s.DeleteIssue(ctx, id))
	_, err = s.Comments(ctx, id)
	assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err))
}

func TestTriageChangesAreInTheChangeLog(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	before, err := s.Rev()
	require.NoError(t, err)
	_, err = s.Acknowledge(ctx, res.Issue.ID, true, "alice")
	require.NoError(t, err)
	_, err = s.AddComment(ctx, res.Issue.ID, "on it", "alice")
	require.NoError(t, err)
	changes, last, err := s.Changes(ctx, before, 10)
	require.NoError(t, err)
	assert.Equal(t, before+2, last, "a revision each")
	require.NotEmpty(t, changes)
	now := changes[len(changes)-1].Issue
	assert.Equal(t, "alice", now.AckedBy)
	assert.Equal(t, 1, now.Comments)
}

// TestRecordsOfVersion1StayReadable: a record written before triage
// existed decodes, with no triage state, and is rewritten as version 2
// when it next changes.
func TestRecordsOfVersion1StayReadable(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	require.NoError(t, s.RewriteAsVersion1(res.Issue.ID))
	got, err := s.GetIssue(ctx, res.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, res.Issue.Title, got.Title)
	assert.Empty(t, got.AckedBy)
	is, err := s.Acknowledge(ctx, res.Issue.ID, true, "alice")
	require.NoError(t, err)
	assert.Equal(t, "alice", is.AckedBy)
}

// TestPersonsEditSticks: a title or severity a person set is kept by the
// next automated reports, which still count and update the failure, and
// the timeline says so; unpinned, reports set them again.
func TestPersonsEditSticks(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	id := res.Issue.ID
	title, sev := "Registry certificate expired", kite.SeverityCritical
	is, err := s.UpdateIssue(ctx, id, kite.IssueUpdate{Title: &title, Severity: &sev, Actor: "alice"})
	require.NoError(t, err)
	assert.Equal(t, []string{"severity", "title"}, is.Pinned)

	r := failure("team-a", "frontend")
	r.Severity = kite.SeverityMinor
	r.Failure = &kite.FailureContext{Reason: "x509: certificate has expired"}
	res, err = s.Report(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, title, res.Issue.Title)
	assert.Equal(t, kite.SeverityCritical, res.Issue.Severity)
	assert.Equal(t, int64(2), res.Issue.Occurrences)
	assert.Equal(t, "x509: certificate has expired", res.Issue.Failure.Reason)
	tl, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "x509: certificate has expired (kept the title and severity a person set)", tl[len(tl)-1].Message)

	_, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{Pinned: &[]string{"description"}})
	assert.Equal(t, "pinned", kite.ErrorField(err))
	is, err = s.UpdateIssue(ctx, id, kite.IssueUpdate{Pinned: &[]string{}, Actor: "alice"})
	require.NoError(t, err)
	assert.Empty(t, is.Pinned)
	res, err = s.Report(ctx, r)
	require.NoError(t, err)
	assert.Equal(t, kite.SeverityMinor, res.Issue.Severity)
	assert.Equal(t, r.Title, res.Issue.Title)
}
