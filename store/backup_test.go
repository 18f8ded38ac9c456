package store_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

// TestBackupDuringWrites takes a backup while eight writers create issues:
// restored, it holds exactly the writes acknowledged up to the backup's
// revision (each as acknowledged), none after, and checks clean.
func TestBackupDuringWrites(t *testing.T) {
	s := storetest.Open(t)
	type ack struct {
		id  string
		rev uint64
	}
	var (
		mu    sync.Mutex
		acks  []ack
		stop  atomic.Bool
		wg    sync.WaitGroup
		count atomic.Int64
	)
	for w := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				res, err := s.Report(ctx, failure("team-a", fmt.Sprintf("w%d-p%d", w, i)))
				if !assert.NoError(t, err) {
					return
				}
				count.Add(1)
				mu.Lock()
				acks = append(acks, ack{res.Issue.ID, res.Issue.Rev})
				mu.Unlock()
			}
		})
	}
	for count.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	var buf bytes.Buffer
	h, err := s.Backup(ctx, &buf)
	require.NoError(t, err)
	for n := count.Load(); count.Load() < n+200; {
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()

	dir := t.TempDir()
	got, err := store.Restore(bytes.NewReader(buf.Bytes()), dir, false)
	require.NoError(t, err)
	assert.Equal(t, h.Rev, got.Rev)
	r, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	require.NoError(t, r.Check())
	before, after := 0, 0
	for _, a := range acks {
		is, err := r.GetIssue(ctx, a.id)
		if a.rev <= h.Rev {
			before++
			require.NoError(t, err, "acknowledged at rev %d, before the backup's %d", a.rev, h.Rev)
			assert.Equal(t, a.rev, is.Rev)
		} else {
			after++
			assert.Equal(t, kite.ENOTFOUND, kite.ErrorCode(err), "written at rev %d, after the backup's %d", a.rev, h.Rev)
		}
	}
	assert.Positive(t, before)
	assert.Positive(t, after)
	n, err := r.Count()
	require.NoError(t, err)
	assert.Equal(t, before, n)
	id, err := s.ID()
	require.NoError(t, err)
	assert.Equal(t, id, h.StoreID)
}

// TestRestoreRefuses: a backup cut short, altered or of a newer schema is
// refused before anything is replaced, and so is a directory that holds a
// store, unless forced.
func TestRestoreRefuses(t *testing.T) {
	s := storetest.Open(t)
	_, err := s.Report(ctx, failure("team-a", "p"))
	require.NoError(t, err)
	var buf bytes.Buffer
	_, err = s.Backup(ctx, &buf)
	require.NoError(t, err)
	good := buf.Bytes()

	altered := bytes.Clone(good)
	altered[len(altered)/2] ^= 0xff
	newer := bytes.Replace(bytes.Clone(good), []byte(`"schema":4`), []byte(`"schema":9`), 1)
	for name, c := range map[string]struct {
		data []byte
		says string
	}{
		"cut short":    {good[:len(good)/2], "cut short"},
		"no checksum":  {good[:len(good)-40], "checksum is missing"},
		"altered":      {altered, "checksum does not match"},
		"newer schema": {newer, "newer Kite (schema 9"},
		"not a backup": {[]byte("hello"), "does not begin as a Kite backup"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := store.Restore(bytes.NewReader(c.data), dir, false)
			require.Error(t, err)
			assert.Equal(t, kite.EINVALID, kite.ErrorCode(err))
			assert.Contains(t, err.Error(), c.says)
			assert.NoFileExists(t, filepath.Join(dir, store.FileName))
			entries, _ := os.ReadDir(dir)
			assert.Empty(t, entries, "nothing left behind")
		})
	}

	dir := t.TempDir()
	_, err = store.Restore(bytes.NewReader(good), dir, false)
	require.NoError(t, err)
	_, err = store.Restore(bytes.NewReader(good), dir, false)
	assert.Equal(t, kite.ECONFLICT, kite.ErrorCode(err))
	assert.Contains(t, err.Error(), "--force")
	_, err = store.Restore(bytes.NewReader(good), dir, true)
	require.NoError(t, err)
}
