package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/konflux-ci/kite"
)

// compactTxSize bounds what one transaction of a compaction writes, so
// that its memory stays bounded whatever the file's size.
const compactTxSize = 64 << 20

// Compacted is what Compact did.
type Compacted struct {
	Before, After int64 // file sizes, in bytes
}

// Compact rewrites the store file of dir without its free pages and with
// every page packed full (offline: it takes the store's lock, so a serving
// Kite refuses it and no Kite can start while it runs). The copy is
// written beside the file, synced, and renamed over it, so a crash at any
// point leaves either the old file or the new one; the copy keeps the
// store's identity and revision, so the search index stays valid. A file
// that fails its page check is not copied.
func Compact(dir string, lockTimeout time.Duration) (*Compacted, error) {
	path := filepath.Join(dir, FileName)
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("no store to compact: %w", err)
	}
	if err := preflight(path, true); err != nil {
		return nil, err
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, kite.Errorf(kite.EUNAVAILABLE, "data directory %s is in use by another Kite process: stop it first", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = src.Close() }()
	tmp := path + ".compact"
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	dst, err := bolt.Open(tmp, 0o600, nil)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", tmp, err)
	}
	err = bolt.Compact(dst, src, compactTxSize)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		// Renamed while the old file is still open and locked: no Kite
		// can open either in between.
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("compact %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	after, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, sealName)) // the seal was the old file's
	return &Compacted{Before: st.Size(), After: after.Size()}, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
