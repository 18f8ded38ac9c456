package store

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A clean close seals the store file: Close makes bbolt write its freelist
// with a last commit, then records beside the file how it left it (size,
// times, inode). The next Open finds the file exactly as sealed and skips
// both walks of every page that a file left by a crash needs: preflight's
// check that no page is damaged (pages.go) and bbolt's rebuild of the
// freelist, which Kite does not write at each commit (NoFreelistSync).
// Together they cost a start at 100,000 issues about 300 ms.
//
// Any write to the file changes its change time (ctime), which no one
// can set back, so a file modified, replaced or restored since is walked.
// kite check always walks.

// sealName is the seal's file in the data directory.
const sealName = FileName + ".sealed"

// seal is how a clean close left the store file.
type seal struct {
	Size  int64  `json:"size"`
	Mtime int64  `json:"mtimeNanos"`
	Ctime int64  `json:"ctimeNanos"`
	Ino   uint64 `json:"inode"`
	Dev   uint64 `json:"device"`
}

// sealOf reads the file's seal from the file system; ok is false where the
// file system cannot say (then no seal is trusted).
func sealOf(path string) (seal, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return seal{}, false, err
	}
	s, ok := statSeal(st)
	return s, ok, nil
}

// writeSeal records the closed file's seal, durably.
func writeSeal(dir string) error {
	s, ok, err := sealOf(filepath.Join(dir, FileName))
	if err != nil || !ok {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, sealName), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// sealed reports whether the store file is exactly as a clean close left
// it. The seal is removed either way: from here on the file may change,
// and a crash must find it unsealed.
func sealed(dir string) (bool, error) {
	path := filepath.Join(dir, sealName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := os.Remove(path); err != nil {
		return false, err
	}
	var want seal
	if json.Unmarshal(b, &want) != nil {
		return false, nil // a torn seal seals nothing
	}
	got, ok, err := sealOf(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return ok && got == want, nil
}
