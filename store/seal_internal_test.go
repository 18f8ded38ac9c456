package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func fill(t *testing.T, s *Store, n int) {
	t.Helper()
	for i := range n {
		_, err := s.Report(context.Background(), kite.Report{Namespace: "team-a", Title: "t", Description: "d",
			Severity: kite.SeverityMajor, IssueType: kite.IssueTypeBuild,
			Scope: kite.Scope{ResourceType: "pipelinerun", ResourceName: fmt.Sprint("p", i)}})
		require.NoError(t, err)
	}
}

func newestMeta(t *testing.T, path string) meta {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	page := os.Getpagesize()
	m0, ok0 := readMeta(b, 0)
	m1, ok1 := readMeta(b, page)
	require.True(t, ok0 || ok1)
	if !ok1 || (ok0 && m0.txid > m1.txid) {
		return m0
	}
	return m1
}

// TestCleanCloseSeals: a clean close writes bbolt's freelist and seals the
// file; opening takes the seal away (a crash from then on finds none), and
// a sealed file opens and checks clean.
func TestCleanCloseSeals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	fill(t, s, 50)
	assert.Equal(t, noFreelist, newestMeta(t, path).freelist, "commits do not write the freelist")
	require.NoError(t, s.Close())
	assert.NotEqual(t, noFreelist, newestMeta(t, path).freelist, "the close wrote it")
	assert.FileExists(t, filepath.Join(dir, sealName))

	s, err = Open(Options{Dir: dir})
	require.NoError(t, err)
	assert.NoFileExists(t, filepath.Join(dir, sealName), "an open store is never sealed")
	require.NoError(t, s.Check())
	n, err := s.Count()
	require.NoError(t, err)
	assert.Equal(t, 50, n)
	fill(t, s, 5)
	require.NoError(t, s.Close())
}

// TestSealedFileChangedIsWalked: a file changed after its clean close (its
// freelist page overwritten in place) is walked at open, not trusted, and
// refused with what is wrong.
func TestSealedFileChangedIsWalked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, err := Open(Options{Dir: dir})
	require.NoError(t, err)
	fill(t, s, 50)
	require.NoError(t, s.Close())
	m := newestMeta(t, path)
	require.NotEqual(t, noFreelist, m.freelist)

	time.Sleep(10 * time.Millisecond) // a coarse clock would give the write the seal's change time
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	require.NoError(t, err)
	// The freelist calls page 2 free, though the tree uses it.
	body := make([]byte, 24)
	body[10] = 1 // count 1
	copy(body[:8], u64le(m.freelist))
	body[8] = freelistPage
	copy(body[16:], u64le(2))
	_, err = f.WriteAt(body, int64(m.freelist)*int64(m.pageSize))
	require.NoError(t, err)
	require.NoError(t, f.Close())

	_, err = Open(Options{Dir: dir})
	require.Error(t, err)
	assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
	assert.Contains(t, err.Error(), "freelist")
}

func u64le(v uint64) []byte {
	b := make([]byte, 8)
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
	return b
}
