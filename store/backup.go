package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// A backup is one consistent copy of the store file, framed so that a
// restore can tell a whole, untouched backup of a store it can read from
// anything else:
//
//	KITE-BACKUP 1\n
//	{"schema":4,"rev":...,"storeId":"...","size":N,"takenAt":"..."}\n
//	N bytes: the bbolt file as one read transaction saw it
//	\nSHA256 <hex of everything before this line>\n
//
// bbolt writes the copy from a read transaction, so a backup taken while
// Kite serves and ingests holds every write committed before it began and
// none after, and costs the writers nothing but the pages they cannot
// reuse until it ends.

const (
	backupMagic   = "KITE-BACKUP 1\n"
	backupTrailer = "\nSHA256 "
)

// Backup writes a backup of the store to w from one read transaction.
func (s *Store) Backup(ctx context.Context, w io.Writer) (*kite.BackupInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var h *kite.BackupInfo
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		h, err = writeBackup(ctx, tx, w, s.now())
		return err
	})
	return h, err
}

func writeBackup(ctx context.Context, tx *bolt.Tx, w io.Writer, now time.Time) (*kite.BackupInfo, error) {
	meta := tx.Bucket(bucketMeta)
	h := &kite.BackupInfo{
		Schema: be64(meta.Get(keySchema)), Rev: be64(meta.Get(keyRev)), StoreID: string(meta.Get(keyStoreID)),
		Size: tx.Size(), TakenAt: now,
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	sum := sha256.New()
	out := io.MultiWriter(w, sum)
	if _, err := io.WriteString(out, backupMagic+string(head)+"\n"); err != nil {
		return nil, err
	}
	n, err := tx.WriteTo(&ctxWriter{ctx: ctx, w: out})
	if err != nil {
		return nil, fmt.Errorf("write the store's pages: %w", err)
	}
	if n != h.Size {
		return nil, fmt.Errorf("wrote %d bytes of the store, expected %d", n, h.Size)
	}
	if _, err := io.WriteString(w, backupTrailer+hex.EncodeToString(sum.Sum(nil))+"\n"); err != nil {
		return nil, err
	}
	return h, nil
}

// ctxWriter stops a backup whose caller went away.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// BackupDir writes a backup of the store in dir, which no Kite may be
// serving (the store's lock is taken).
func BackupDir(ctx context.Context, dir string, lockTimeout time.Duration, w io.Writer) (*kite.BackupInfo, error) {
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		return nil, fmt.Errorf("no store to back up: %w", err)
	}
	s, err := Open(Options{Dir: dir, LockTimeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	h, err := s.Backup(ctx, w)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return h, err
}

// errBadBackup is the error of a backup that cannot be restored.
func errBadBackup(format string, args ...any) error {
	return &kite.Error{Code: kite.EINVALID, Message: "Invalid backup", Details: fmt.Sprintf(format, args...)}
}

// Restore writes the store file of a backup read from r into dir. It
// refuses a directory that holds a store or an index unless force, and a
// backup that is cut short, altered, or of a newer schema, before it
// replaces anything: the file is written beside, checked and renamed. The
// search index of dir is removed, to be rebuilt from the restored store.
func Restore(r io.Reader, dir string, force bool) (*kite.BackupInfo, error) {
	path := filepath.Join(dir, FileName)
	if !force {
		for _, name := range []string{FileName, "index.bleve"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				return nil, kite.Errorf(kite.ECONFLICT, "%s already holds %s: restore into an empty directory, or pass --force to replace it", dir, name)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	sum := sha256.New()
	br := bufio.NewReader(r)
	h, err := readBackupHeader(br, sum)
	if err != nil {
		return nil, err
	}
	tmp := path + ".restore"
	if err := copyBackupBody(br, sum, tmp, h.Size); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := checkTrailer(br, sum); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := preflight(tmp, true); err != nil {
		_ = os.Remove(tmp)
		return nil, err
	}
	if err := os.RemoveAll(filepath.Join(dir, "index.bleve")); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(dir, sealName))
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return h, syncDir(dir)
}

func readBackupHeader(br *bufio.Reader, sum hash.Hash) (*kite.BackupInfo, error) {
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return nil, errBadBackup("it does not begin as a Kite backup does (%q)", backupMagic[:len(backupMagic)-1])
	}
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, errBadBackup("its header is cut short")
	}
	sum.Write(magic)
	sum.Write(line)
	var h kite.BackupInfo
	if err := json.Unmarshal(line, &h); err != nil || h.Size <= 0 {
		return nil, errBadBackup("its header is not readable")
	}
	if h.Schema > schemaVersion {
		return nil, errBadBackup("it was taken from a newer Kite (schema %d, this build reads up to %d): restore it with that version", h.Schema, schemaVersion)
	}
	return &h, nil
}

func copyBackupBody(br *bufio.Reader, sum hash.Hash, tmp string, size int64) error {
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.MultiWriter(f, sum), io.LimitReader(br, size))
	if err == nil && n != size {
		err = errBadBackup("it is cut short: %d of its %d bytes", n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func checkTrailer(br *bufio.Reader, sum hash.Hash) error {
	rest, err := io.ReadAll(io.LimitReader(br, int64(len(backupTrailer)+64+2)))
	if err != nil {
		return err
	}
	want, ok := bytes.CutPrefix(bytes.TrimSuffix(rest, []byte("\n")), []byte(backupTrailer))
	if !ok || len(want) != 64 {
		return errBadBackup("its checksum is missing: the backup is cut short")
	}
	if got := hex.EncodeToString(sum.Sum(nil)); got != string(want) {
		return errBadBackup("its checksum does not match (sha256 %s, expected %s): the backup was altered or damaged", got, want)
	}
	return nil
}
