package service_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// next reads one change or fails after a while.
func next(t *testing.T, f *kite.ChangeFeed) kite.IssueChange {
	t.Helper()
	select {
	case c, ok := <-f.C:
		require.True(t, ok, "feed ended: %v", f.Err())
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no change within 10s")
	}
	return kite.IssueChange{}
}

// ended waits for the feed to close and returns why.
func ended(t *testing.T, f *kite.ChangeFeed) error {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-f.C:
			if !ok {
				return f.Err()
			}
		case <-deadline:
			t.Fatal("feed still open after 10s")
		}
	}
}

func subscribe(t *testing.T, s *service.Service, r kite.ChangeRequest) (*kite.ChangeFeed, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f, err := s.Subscribe(ctx, r)
	require.NoError(t, err)
	return f, cancel
}

func TestFeedDeliversChangesInOrder(t *testing.T) {
	s := servicetest.Open(t)
	f, _ := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	var id string
	var last uint64
	step := func(want kite.ChangeKind, write func() error) {
		t.Helper()
		require.NoError(t, write())
		c := next(t, f)
		assert.Equal(t, want, c.Kind)
		assert.Greater(t, c.Rev, last, "revisions increase")
		last = c.Rev
		if id == "" {
			id = c.ID
		}
		assert.Equal(t, id, c.ID)
		assert.Equal(t, "team-a", c.Namespace)
		assert.Equal(t, want == kite.ChangeDeleted, c.Issue == nil)
	}
	report := func() error { _, err := s.Report(ctx, failure("team-a", "build", "OOMKilled")); return err }
	step(kite.ChangeCreated, report)
	_, err := s.Report(ctx, failure("team-b", "build", "OOMKilled")) // not followed
	require.NoError(t, err)
	step(kite.ChangeUpdated, report)
	step(kite.ChangeResolved, func() error { _, err := s.ResolveIssue(ctx, id, "alice"); return err })
	step(kite.ChangeReopened, report)
	step(kite.ChangeDeleted, func() error { return s.DeleteIssue(ctx, id) })
}

func TestFeedFiltersByQuery(t *testing.T) {
	s := servicetest.Open(t)
	f, _ := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a", "team-c"}, Query: "oomkilled severity:>=major"})
	minor := failure("team-a", "lint", "OOMKilled")
	minor.Severity = kite.SeverityMinor
	for _, r := range []kite.Report{failure("team-a", "build", "ImagePullBackOff"), minor, failure("team-b", "build", "OOMKilled"), failure("team-c", "deploy", "OOMKilled")} {
		_, err := s.Report(ctx, r)
		require.NoError(t, err)
	}
	c := next(t, f)
	assert.Equal(t, "deploy", c.Issue.Scope.ResourceName, "only the major OOMKilled issue of a followed namespace")
	_, err := s.Report(ctx, failure("team-a", "build", "OOMKilled")) // now it matches
	require.NoError(t, err)
	assert.Equal(t, "build", next(t, f).Issue.Scope.ResourceName)
}

func TestFeedResumesAfterARevision(t *testing.T) {
	s := servicetest.Open(t)
	f, cancel := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	_, err := s.Report(ctx, failure("team-a", "one", "r"))
	require.NoError(t, err)
	seen := next(t, f).Rev
	cancel()
	require.NoError(t, ended(t, f), "a feed its caller ended has no error")

	// Missed while away: two changes.
	for _, p := range []string{"two", "three"} {
		_, err := s.Report(ctx, failure("team-a", p, "r"))
		require.NoError(t, err)
	}
	again, _ := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}, After: seen})
	_, err = s.Report(ctx, failure("team-a", "four", "r"))
	require.NoError(t, err)
	var got []string
	for range 3 {
		got = append(got, next(t, again).Issue.Scope.ResourceName)
	}
	assert.Equal(t, []string{"two", "three", "four"}, got, "the missed changes, then live ones, none twice")
}

func TestFeedTooFarBehindResyncs(t *testing.T) {
	s := servicetest.OpenWith(t, service.Options{RetainChanges: 5})
	for i := range 40 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "r"))
		require.NoError(t, err)
	}
	servicetest.WaitIndexed(t, s)
	require.Eventually(t, func() bool {
		f, err := s.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}, After: 1})
		require.NoError(t, err)
		return errors.Is(ended(t, f), kite.ErrResync)
	}, 10*time.Second, 20*time.Millisecond, "the log was pruned past revision 1")
}

func TestFeedDropsASlowConsumerWithoutStallingWriters(t *testing.T) {
	s := servicetest.Open(t)
	slow, _ := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}}) // never read
	fast, _ := subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	const n = 1500 // more than a subscriber's buffer
	done := make(chan struct{})
	var got int
	go func() {
		defer close(done)
		for range n {
			if _, ok := <-fast.C; !ok {
				return
			}
			got++
		}
	}()
	for i := range n {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "r"))
		require.NoError(t, err, "writes go on whatever the readers do")
	}
	<-done
	assert.Equal(t, n, got, "the reading subscriber got everything")
	assert.Equal(t, kite.ErrResync, ended(t, slow), "the stuck one was dropped and told to resync")
}

func TestFeedManySubscribers(t *testing.T) {
	s := servicetest.Open(t)
	const clients, changes = 100, 50
	feeds := make([]*kite.ChangeFeed, clients)
	for i := range feeds {
		feeds[i], _ = subscribe(t, s, kite.ChangeRequest{Namespaces: []string{"team-a"}})
	}
	for i := range changes {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("p%d", i), "r"))
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	for _, f := range feeds {
		wg.Go(func() {
			var last uint64
			for range changes {
				c := next(t, f)
				assert.Greater(t, c.Rev, last)
				last = c.Rev
			}
		})
	}
	wg.Wait()
}

func TestSubscribeValidates(t *testing.T) {
	s := servicetest.Open(t)
	_, err := s.Subscribe(ctx, kite.ChangeRequest{})
	assert.Equal(t, "namespace", kite.ErrorField(err))
	_, err = s.Subscribe(ctx, kite.ChangeRequest{Namespaces: []string{"team-a"}, Query: "severity:>="})
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
}
