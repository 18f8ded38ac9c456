package service_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestSearchTriage: the triage terms and the assignee facet in a search,
// assignee:me meaning the caller, and the event stream following triage
// changes with the same terms.
func TestSearchTriage(t *testing.T) {
	s := servicetest.Open(t)
	a, err := s.Report(ctx, failure("team-a", "frontend", "OOMKilled"))
	require.NoError(t, err)
	b, err := s.Report(ctx, failure("team-a", "backend", "OOMKilled"))
	require.NoError(t, err)
	_, err = s.Report(ctx, failure("team-a", "docs", "OOMKilled"))
	require.NoError(t, err)

	feed, err := s.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}, Query: "assignee:me", Caller: "alice"})
	require.NoError(t, err)
	_, err = s.Assign(ctx, a.Issue.ID, "alice", "bob")
	require.NoError(t, err)
	_, err = s.Assign(ctx, b.Issue.ID, "team-x", "bob")
	require.NoError(t, err)
	_, err = s.Acknowledge(ctx, a.Issue.ID, true, "alice")
	require.NoError(t, err)
	select {
	case c := <-feed.C:
		assert.Equal(t, a.Issue.ID, c.ID)
		assert.Equal(t, "alice", c.Issue.Assignee)
	case <-time.After(10 * time.Second):
		t.Fatal("no change for assignee:me")
	}
	servicetest.WaitIndexed(t, s)

	mine, err := s.Search(ctx, kite.SearchRequest{Query: "assignee:me is:acked", Namespaces: []string{"team-a"}, Caller: "alice"})
	require.NoError(t, err)
	require.Len(t, mine.Hits, 1)
	assert.Equal(t, a.Issue.ID, mine.Hits[0].Issue.ID)
	_, err = s.Search(ctx, kite.SearchRequest{Query: "assignee:me", Namespaces: []string{"team-a"}})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	assert.Len(t, searchIDs(t, s, "is:unacked has:assignee", "team-a"), 1)
	assert.Len(t, searchIDs(t, s, "-has:assignee", "team-a"), 1)

	res, err := s.Search(ctx, kite.SearchRequest{Namespaces: []string{"team-a"}, Facets: []string{kite.FieldAssignee, kite.FieldState}})
	require.NoError(t, err)
	assert.ElementsMatch(t, []kite.FacetCount{{Value: "alice", Count: 1}, {Value: "team-x", Count: 1}}, res.Facets[kite.FieldAssignee])
	assert.Equal(t, []kite.FacetCount{{Value: "ACTIVE", Count: 3}}, res.Facets[kite.FieldState])
}

// TestSnoozeEndsOnTime: the service's waker ends a timed snooze when its
// time comes, as a change the event stream delivers.
func TestSnoozeEndsOnTime(t *testing.T) {
	s := servicetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend", "OOMKilled"))
	require.NoError(t, err)
	feed, err := s.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	until := time.Now().Add(time.Second)
	snoozed, err := s.Snooze(ctx, res.Issue.ID, kite.SnoozeRequest{Until: &until}, "alice")
	require.NoError(t, err)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case c := <-feed.C:
			if c.Rev > snoozed.Rev && c.Issue != nil && c.Issue.Snooze == nil {
				tl, err := s.Timeline(ctx, res.Issue.ID)
				require.NoError(t, err)
				assert.Equal(t, kite.EventWoke, tl[len(tl)-1].Kind)
				assert.False(t, time.Now().Before(until), "not before its time")
				return
			}
		case <-deadline:
			t.Fatal("the snooze did not end within 30s of its time")
		}
	}
}
