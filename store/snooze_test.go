package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store/storetest"
)

// clock is a settable time for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestSnoozeWakesByItself(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	s := storetest.OpenWith(t, storeOptions(clk.Now))
	open := func(name string) string {
		res, err := s.Report(ctx, failure("team-a", name))
		require.NoError(t, err)
		return res.Issue.ID
	}
	timed, counted, escalating := open("timed"), open("counted"), open("escalating")

	until := clk.Now().Add(2 * time.Hour)
	is, err := s.Snooze(ctx, timed, kite.SnoozeRequest{Until: &until}, "alice")
	require.NoError(t, err)
	require.NotNil(t, is.Snooze)
	assert.Equal(t, "alice", is.Snooze.By)
	next, err := s.NextWake()
	require.NoError(t, err)
	assert.Equal(t, until, next)
	is, err = s.Snooze(ctx, counted, kite.SnoozeRequest{Occurrences: 2}, "alice")
	require.NoError(t, err)
	assert.Equal(t, int64(3), is.Snooze.UntilOccurrences, "the count when snoozed (1) plus 2")
	_, err = s.Snooze(ctx, escalating, kite.SnoozeRequest{Escalating: true}, "alice")
	require.NoError(t, err)

	// Bad requests name the field.
	past := clk.Now().Add(-time.Minute)
	for _, r := range []kite.SnoozeRequest{{}, {Until: &past}, {Occurrences: -1}, {Occurrences: kite.MaxSnoozeOccurrences + 1}} {
		_, err := s.Snooze(ctx, timed, r, "alice")
		assert.Equal(t, kite.EINVALID, kite.ErrorCode(err), "%+v", r)
		assert.NotEmpty(t, kite.ErrorField(err))
	}

	// Not yet: nothing wakes.
	n, err := s.WakeDue(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	res, err := s.Report(ctx, failure("team-a", "counted"))
	require.NoError(t, err)
	assert.NotNil(t, res.Issue.Snooze, "2 of 3 occurrences")
	r := failure("team-a", "escalating")
	r.Severity = kite.SeverityMajor // as snoozed
	res, err = s.Report(ctx, r)
	require.NoError(t, err)
	assert.NotNil(t, res.Issue.Snooze)

	// The third occurrence, a higher severity, the time: each wakes its issue.
	res, err = s.Report(ctx, failure("team-a", "counted"))
	require.NoError(t, err)
	assert.Nil(t, res.Issue.Snooze)
	r.Severity = kite.SeverityCritical
	res, err = s.Report(ctx, r)
	require.NoError(t, err)
	assert.Nil(t, res.Issue.Snooze)
	clk.Add(2 * time.Hour)
	n, err = s.WakeDue(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got, err := s.GetIssue(ctx, timed)
	require.NoError(t, err)
	assert.Nil(t, got.Snooze)
	next, err = s.NextWake()
	require.NoError(t, err)
	assert.True(t, next.IsZero())

	for id, why := range map[string]string{timed: "its time came", counted: "it occurred 3 times", escalating: "its severity rose from major to critical"} {
		tl, err := s.Timeline(ctx, id)
		require.NoError(t, err)
		last := tl[len(tl)-1]
		assert.Equal(t, kite.EventWoke, last.Kind, id)
		assert.Equal(t, kite.ActorKite, last.Actor)
		assert.Equal(t, "snooze ended: "+why, last.Message)
	}
}

func TestUnsnoozeAndResolveEndASnooze(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "frontend"))
	require.NoError(t, err)
	id := res.Issue.ID
	until := time.Now().Add(time.Hour)
	_, err = s.Snooze(ctx, id, kite.SnoozeRequest{Until: &until, Occurrences: 5}, "alice")
	require.NoError(t, err)
	is, err := s.Unsnooze(ctx, id, "bob")
	require.NoError(t, err)
	assert.Nil(t, is.Snooze)
	_, err = s.Snooze(ctx, id, kite.SnoozeRequest{Until: &until}, "alice")
	require.NoError(t, err)
	is, err = s.ResolveIssue(ctx, id, "bob")
	require.NoError(t, err)
	assert.Nil(t, is.Snooze, "resolved: nothing to wake")
	next, err := s.NextWake()
	require.NoError(t, err)
	assert.True(t, next.IsZero())
	_, err = s.Snooze(ctx, id, kite.SnoozeRequest{Until: &until}, "alice")
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(err))
	tl, err := s.Timeline(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, []kite.EventKind{kite.EventOpened, kite.EventSnoozed, kite.EventUnsnoozed, kite.EventSnoozed, kite.EventResolved}, kinds(t, tl))
}
