package store_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// TestDamagedStoreFilesAreRefused: a store file that is empty, truncated
// or not a store is refused at open with an error naming the file and the
// way out, never opened as a new store and never a fault.
func TestDamagedStoreFilesAreRefused(t *testing.T) {
	src := t.TempDir()
	s, err := store.Open(store.Options{Dir: src})
	require.NoError(t, err)
	for i := range 200 {
		_, err := s.Report(ctx, failure("team-a", "p"+string(rune('a'+i%26))+string(rune('a'+i/26))))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	good, err := os.ReadFile(filepath.Join(src, store.FileName))
	require.NoError(t, err)
	random := make([]byte, 64<<10)
	_, _ = rand.Read(random)
	bothMetas := append([]byte(nil), good...)
	page := os.Getpagesize()
	copy(bothMetas[16:80], make([]byte, 64))
	copy(bothMetas[page+16:page+80], make([]byte, 64))

	for name, c := range map[string]struct {
		content []byte
		says    string
	}{
		"empty":          {[]byte{}, "it is empty (0 bytes)"},
		"truncated":      {good[:len(good)/2], "it is truncated"},
		"a few bytes":    {good[:100], "it is truncated"},
		"random bytes":   {random, "neither of its two meta pages is valid"},
		"both metas off": {bothMetas, "neither of its two meta pages is valid"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, store.FileName)
			require.NoError(t, os.WriteFile(path, c.content, 0o600))
			_, err := store.Open(store.Options{Dir: dir})
			require.Error(t, err)
			assert.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err))
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), c.says)
			assert.Contains(t, err.Error(), "restore it from a backup, or move it aside")
		})
	}
	// The undamaged file still opens.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, store.FileName), good, 0o600))
	s, err = store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	require.NoError(t, s.Check())
	require.NoError(t, s.Close())
}

// TestDamagedPagesNeverFault damages every page of a store file in three
// ways (its header, its elements, the keys and values inside it) and opens
// each copy: the store either refuses it, naming the file, or opens it and
// answers reads and its check with errors, and never faults. bbolt itself
// panics on such pages when it opens a file, in a goroutine of its own,
// which took the process down.
func TestDamagedPagesNeverFault(t *testing.T) {
	src := t.TempDir()
	s, err := store.Open(store.Options{Dir: src})
	require.NoError(t, err)
	for i := range 300 {
		_, err := s.Report(ctx, failure("team-a", fmt.Sprintf("pipeline-%03d", i)))
		require.NoError(t, err)
	}
	require.NoError(t, s.Close())
	good, err := os.ReadFile(filepath.Join(src, store.FileName))
	require.NoError(t, err)
	page := os.Getpagesize()
	damages := map[string]func(p []byte){
		"header":   func(p []byte) { copy(p, bytes.Repeat([]byte{0xff}, 16)) },
		"elements": func(p []byte) { xor(p[16:80], 0x5a) },
		"contents": func(p []byte) { xor(p[1500:2600], 0x5a) },
	}
	refused := 0
	for pg := 2; (pg+1)*page <= len(good); pg++ {
		for name, damage := range damages {
			bad := append([]byte(nil), good...)
			damage(bad[pg*page : (pg+1)*page])
			dir := t.TempDir()
			path := filepath.Join(dir, store.FileName)
			require.NoError(t, os.WriteFile(path, bad, 0o600))
			s, err := store.Open(store.Options{Dir: dir})
			if err != nil {
				refused++
				require.Equal(t, kite.EUNAVAILABLE, kite.ErrorCode(err), "page %d, %s: %v", pg, name, err)
				require.Contains(t, err.Error(), path)
				continue
			}
			_, _ = s.ListIssues(ctx, kite.IssueFilter{Namespace: "team-a", Limit: kite.MaxLimit})
			_ = s.Check()
			require.NoError(t, s.Close())
		}
	}
	assert.Positive(t, refused)
}

func xor(b []byte, v byte) {
	for i := range b {
		b[i] ^= v
	}
}
