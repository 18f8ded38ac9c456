package tui_test

import (
	"context"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/tui"
)

// denyAll refuses everything, as RBAC does to a caller without rights.
type denyAll struct{}

func (denyAll) Authorize(context.Context, *kite.Principal, kite.Access) (bool, error) {
	return false, nil
}

// TestRefusalIsOneClearLine: a console whose user may not read the
// namespace says so in words, not as an HTTP status.
func TestRefusalIsOneClearLine(t *testing.T) {
	s := seeded(t)
	as := kite.WithPrincipal(ctx, &kite.Principal{Name: "alice"})
	rec := &recorder{Model: tui.New(as, kite.Authorized(s, denyAll{}), tui.Options{Namespace: "team-a", Now: func() time.Time { return now }})}
	tm := teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(120, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	waitFor(t, &console{TestModel: tm, rec: rec}, `not allowed: alice may not list issues in namespace "team-a"`)
}
