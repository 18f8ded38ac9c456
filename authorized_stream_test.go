package kite_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service/servicetest"
)

// changingGrants is an Authorizer whose grants ("verb ns") change while a
// stream is open, as a cluster's RoleBindings do; down makes it unable to
// answer.
type changingGrants struct {
	mu     sync.Mutex
	grants []string
	down   bool
}

func (g *changingGrants) Authorize(_ context.Context, _ *kite.Principal, a kite.Access) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return false, errors.New("the API server is down")
	}
	return slices.Contains(g.grants, a.Verb+" "+a.Namespace), nil
}

func (g *changingGrants) set(grants ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.grants = grants
}

func (g *changingGrants) fail() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.down = true
}

// next is the feed's next change, or ok false when it ended.
func next(t *testing.T, feed *kite.ChangeFeed) (kite.IssueChange, bool) {
	t.Helper()
	select {
	case c, ok := <-feed.C:
		return c, ok
	case <-time.After(10 * time.Second):
		t.Fatal("the feed neither delivered nor ended")
		return kite.IssueChange{}, false
	}
}

// TestAuthorizedStreamFollowsGrants: every change a stream delivers is
// authorized when it is delivered, so a revoked grant stops the stream's
// events of that namespace, and the stream ends when the caller may follow
// none of its namespaces.
func TestAuthorizedStreamFollowsGrants(t *testing.T) {
	svc := servicetest.Open(t)
	report := func(ns, name string) {
		_, err := svc.Report(context.Background(), kite.Report{Namespace: ns, Title: "t " + name, Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: name}})
		require.NoError(t, err)
	}
	g := &changingGrants{grants: []string{"watch team-a", "watch team-b"}}
	az := kite.Authorized(svc, g)
	ctx, cancel := context.WithCancel(as("viewer"))
	defer cancel()
	feed, err := az.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a", "team-b"}})
	require.NoError(t, err)

	report("team-a", "one")
	c, ok := next(t, feed)
	require.True(t, ok)
	assert.Equal(t, "team-a", c.Namespace)

	g.set("watch team-b")
	report("team-a", "two")
	report("team-b", "three")
	c, ok = next(t, feed)
	require.True(t, ok, "team-b may still be followed")
	assert.Equal(t, "team-b", c.Namespace, "team-a's change after the revocation is not delivered")
	assert.Equal(t, "t three", c.Issue.Title)

	g.set()
	report("team-b", "four")
	_, ok = next(t, feed)
	require.False(t, ok, "no namespace of the stream may be followed: it ends")
	err = feed.Err()
	assert.Equal(t, kite.EFORBIDDEN, kite.ErrorCode(err))
	assert.Equal(t, "Access to the stream's namespaces was revoked", kite.ErrorMessage(err))
	assert.Contains(t, kite.ErrorDetails(err), "viewer may no longer watch issues in namespace team-a, team-b")
}

// TestAuthorizedStreamFailsClosed: a change whose access cannot be checked
// is not delivered, and the stream ends as unavailable.
func TestAuthorizedStreamFailsClosed(t *testing.T) {
	svc := servicetest.Open(t)
	g := &changingGrants{grants: []string{"watch team-a"}}
	az := kite.Authorized(svc, g)
	ctx, cancel := context.WithCancel(as("viewer"))
	defer cancel()
	feed, err := az.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	require.NoError(t, err)
	g.fail()
	_, err = svc.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d",
		Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: "c"}})
	require.NoError(t, err)
	_, ok := next(t, feed)
	require.False(t, ok)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(feed.Err()))
}
