package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/konflux-ci/kite"
)

// bbolt's file begins with two meta pages; each holds, after a 16-byte
// page header: magic, version, page size, flags (u32 each), the root
// bucket (root pgid, sequence), the freelist pgid, the high-water page id,
// the txid and a checksum of what precedes it (u64 each), in the machine's
// byte order (little-endian on the platforms Kite ships for).
const (
	boltMagic      = 0xED0CDAED
	metaOffset     = 16
	metaChecksumAt = metaOffset + 56
	metaLen        = 64
)

// preflight checks the store file before bbolt maps it: bbolt takes a
// zero-length file for a new one (every issue silently gone, the index
// still answering for them), maps a truncated one past its end, which
// faults the process (SIGBUS) instead of returning an error, and panics on
// a damaged page (pages.go). Each is refused here with the path and the
// way out. A missing file is fine: the store is new. walk walks every page
// (pages.go); a file a clean close sealed skips it (seal.go).
func preflight(path string, walk bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if st.Size() == 0 {
		return damaged(path, "it is empty (0 bytes): the store was emptied or never finished being created, and the search index beside it may describe issues it no longer has")
	}
	head := make([]byte, 2*maxPageSize)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	head = head[:n]
	// The newest valid meta page says how many pages the file must hold.
	// The second one sits one page in: at the page size the first names,
	// or, when the first is damaged, the OS page size bbolt would use.
	first, ok0 := readMeta(head, 0)
	second := os.Getpagesize()
	if ok0 {
		second = int(first.pageSize)
	}
	last, ok1 := readMeta(head, second)
	switch {
	case !ok0 && !ok1:
		return damaged(path, "neither of its two meta pages is valid (not a bbolt file, or its header is overwritten)")
	case !ok1 || (ok0 && first.txid > last.txid):
		last = first
	}
	best := &last
	if need := int64(best.hwm) * int64(best.pageSize); st.Size() < need {
		return damaged(path, fmt.Sprintf("it is truncated: %d bytes, where its last transaction needs %d", st.Size(), need))
	}
	if !walk {
		return nil
	}
	return pagesOf(path, *best)
}

// maxPageSize bounds the page sizes preflight reads (bbolt uses the OS page
// size, 4 KiB to 64 KiB).
const maxPageSize = 64 << 10

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64
	txid     uint64
}

func readMeta(b []byte, off int) (meta, bool) {
	if len(b) < off+metaOffset+metaLen {
		return meta{}, false
	}
	p := b[off+metaOffset : off+metaOffset+metaLen]
	le := binary.LittleEndian
	if le.Uint32(p[0:]) != boltMagic || le.Uint32(p[4:]) != 2 {
		return meta{}, false
	}
	h := fnv.New64a()
	_, _ = h.Write(p[:56])
	if h.Sum64() != le.Uint64(p[56:]) {
		return meta{}, false
	}
	m := meta{pageSize: le.Uint32(p[8:]), root: le.Uint64(p[16:]), freelist: le.Uint64(p[32:]), hwm: le.Uint64(p[40:]), txid: le.Uint64(p[48:])}
	if m.pageSize < 512 || m.pageSize > maxPageSize {
		return meta{}, false
	}
	return m, true
}

// damaged is the error of a store file Kite will not open.
func damaged(path, why string) error {
	return &kite.Error{Code: kite.EUNAVAILABLE, Message: fmt.Sprintf("the store file %s cannot be used: %s", path, why),
		Details: fmt.Sprintf("restore it from a backup, or move it aside to start with an empty store (the search index in %s is then rebuilt from it)", filepath.Join(filepath.Dir(path), "index.bleve"))}
}
