package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// InUse reports whether a process holds the lock of dir's store file (a
// serving Kite), without opening the file as a store: it may be damaged.
func InUse(dir string) (bool, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer func() { _ = f.Close() }()
	// bbolt locks its file with flock: a shared lock fails while a
	// writer holds it.
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) //nolint:gosec // a file descriptor fits in int
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return false, syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:gosec // as above
}
