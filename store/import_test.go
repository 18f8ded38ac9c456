package store_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestImportOutcomes: an issue whose id is present is left alone, one
// whose scope another issue holds is skipped, a record Kite could not have
// written is refused; WouldImport says the same without writing.
func TestImportOutcomes(t *testing.T) {
	s := storetest.Open(t)
	res, err := s.Report(ctx, failure("team-a", "p"))
	require.NoError(t, err)
	rec := &kite.ExportRecord{Issue: res.Issue}

	for _, f := range []func(*kite.ExportRecord) (store.ImportOutcome, error){
		func(r *kite.ExportRecord) (store.ImportOutcome, error) { return s.WouldImport(ctx, r) },
		func(r *kite.ExportRecord) (store.ImportOutcome, error) {
			out, err := s.ImportBatch(ctx, []*kite.ExportRecord{r}, "imported")
			if err != nil {
				return "", err
			}
			return out[0], nil
		},
	} {
		got, err := f(rec)
		require.NoError(t, err)
		assert.Equal(t, store.AlreadyPresent, got)

		other := *res.Issue
		other.ID = uuid.NewString()
		got, err = f(&kite.ExportRecord{Issue: &other})
		require.NoError(t, err)
		assert.Equal(t, store.ScopeTaken, got)

		bad := *res.Issue
		bad.ID, bad.Fingerprint = uuid.NewString(), ""
		_, err = f(&kite.ExportRecord{Issue: &bad})
		assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
		_, err = f(&kite.ExportRecord{})
		assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	}
	n, err := s.Count()
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, s.Check())
}

// TestImportBatch: a batch is one transaction that sees its own writes (a
// second record of one scope is skipped), and a record that fails its
// check fails the batch before anything is written.
func TestImportBatch(t *testing.T) {
	src := storetest.Open(t)
	a, err := src.Report(ctx, failure("team-a", "p"))
	require.NoError(t, err)
	b, err := src.Report(ctx, failure("team-a", "q"))
	require.NoError(t, err)
	sameScope := *a.Issue
	sameScope.ID = uuid.NewString()

	s := storetest.Open(t)
	badComment := &kite.ExportRecord{Issue: b.Issue, Comments: []kite.Comment{{ID: "not-a-uuid", Author: "alice", Text: "x"}}}
	_, err = s.ImportBatch(ctx, []*kite.ExportRecord{{Issue: a.Issue}, badComment}, "imported")
	assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
	n, err := s.Count()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing of a refused batch is written")

	got, err := s.ImportBatch(ctx, []*kite.ExportRecord{{Issue: a.Issue}, {Issue: &sameScope}, {Issue: b.Issue}, {Issue: a.Issue}}, "imported")
	require.NoError(t, err)
	assert.Equal(t, []store.ImportOutcome{store.Imported, store.ScopeTaken, store.Imported, store.AlreadyPresent}, got)
	n, err = s.Count()
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	require.NoError(t, s.Check())
	timeline, err := s.Timeline(ctx, a.Issue.ID)
	require.NoError(t, err)
	assert.Equal(t, "imported", timeline[len(timeline)-1].Message)
}
