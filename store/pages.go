package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
)

// bbolt panics on a page whose header is wrong, and when the freelist is
// not synced (as here: it is rebuilt on open by walking every page) it
// does so at open, in a goroutine of its own that no caller can recover:
// one overwritten page crash-looped the pod. walkPages reads the tree of
// pages the way bbolt will, but as data, and returns what is wrong instead.

// Page layout (bbolt's on-disk format): a 16-byte header (id u64, flags
// u16, count u16, overflow u32), then count 16-byte elements. A branch
// element is (pos u32, ksize u32, child pgid u64); a leaf element (flags
// u32, pos u32, ksize u32, vsize u32); pos counts from the element itself.
// A leaf value flagged as a bucket starts with (root pgid u64, sequence
// u64); root 0 means an inline bucket, whose leaf page follows in the value.
const (
	pageHeaderLen  = 16
	elementLen     = 16
	branchPage     = 0x01
	leafPage       = 0x02
	freelistPage   = 0x10
	bucketLeafFlag = 0x01
	bucketHeadLen  = 16
	noFreelist     = ^uint64(0)
	// maxDepth bounds bucket nesting and tree height together; Kite's
	// files have a handful of levels.
	maxDepth = 64
)

// pageWalk is one walk of a file's pages.
type pageWalk struct {
	f        io.ReaderAt
	m        meta
	seen     []bool
	problems []string
	buf      []byte
}

// walkPages checks every page reachable from the meta page m: ids within
// the file's high-water mark, each page's header naming itself, branch and
// leaf pages where the tree says, elements inside their page, no page
// reached twice. It returns the first problems found, empty when none.
func walkPages(f io.ReaderAt, m meta) []string {
	w := &pageWalk{f: f, m: m, seen: make([]bool, m.hwm)}
	w.visit(m.root, 0, "the root bucket", nil, nil)
	if m.freelist != noFreelist {
		if p, ok := w.page(m.freelist, "the freelist"); ok {
			w.freelist(p)
		}
	}
	return w.problems
}

// freelist checks a written freelist (a clean close writes one, seal.go):
// bbolt trusts it, and a page it wrongly calls free would be overwritten
// while still in use. Its ids (u64 each after the header; a count of
// 0xffff means the real count is the first u64) must ascend within the
// file, and none may be a page the tree reaches.
func (w *pageWalk) freelist(p rawPage) {
	if p.flags() != freelistPage {
		w.fail("the freelist's page %d has flags %#x, not a freelist's", w.m.freelist, p.flags())
		return
	}
	body := p[pageHeaderLen:]
	n := uint64(p.count())
	if n == 0xffff {
		if len(body) < 8 {
			w.fail("the freelist's page %d is cut short", w.m.freelist)
			return
		}
		n, body = binary.LittleEndian.Uint64(body), body[8:]
	}
	if n > uint64(len(body)/8) {
		w.fail("the freelist's page %d claims %d ids, more than it holds", w.m.freelist, n)
		return
	}
	prev := uint64(1)
	for i := range n {
		id := binary.LittleEndian.Uint64(body[i*8:])
		switch {
		case id <= prev || id >= w.m.hwm:
			w.fail("the freelist's page %d lists page %d out of order or outside the file", w.m.freelist, id)
			return
		case w.seen[id]:
			w.fail("the freelist's page %d calls page %d free, which is in use", w.m.freelist, id)
			return
		}
		prev = id
	}
}

func (w *pageWalk) fail(format string, args ...any) {
	if len(w.problems) < maxProblems {
		w.problems = append(w.problems, fmt.Sprintf(format, args...))
	}
}

// rawPage is a page's bytes, overflow included.
type rawPage []byte

func (p rawPage) id() uint64       { return binary.LittleEndian.Uint64(p[0:]) }
func (p rawPage) flags() uint16    { return binary.LittleEndian.Uint16(p[8:]) }
func (p rawPage) count() int       { return int(binary.LittleEndian.Uint16(p[10:])) }
func (p rawPage) overflow() uint64 { return uint64(binary.LittleEndian.Uint32(p[12:])) }

// page reads page id (with its overflow) after checking that it lies in
// the file and was not reached before.
func (w *pageWalk) page(id uint64, what string) (rawPage, bool) {
	if id < 2 || id >= w.m.hwm {
		w.fail("%s points at page %d, outside the file's pages 2-%d", what, id, w.m.hwm-1)
		return nil, false
	}
	size := int(w.m.pageSize)
	if len(w.buf) < size {
		w.buf = make([]byte, size)
	}
	if _, err := w.f.ReadAt(w.buf[:size], int64(id)*int64(size)); err != nil {
		w.fail("reading page %d: %v", id, err)
		return nil, false
	}
	p := rawPage(w.buf[:size])
	if p.id() != id {
		w.fail("page %d (%s) names itself %d: it was overwritten", id, what, p.id())
		return nil, false
	}
	last := id + p.overflow()
	if last >= w.m.hwm {
		w.fail("page %d (%s) overflows to page %d, past the file's last page %d", id, what, last, w.m.hwm-1)
		return nil, false
	}
	for i := id; i <= last; i++ {
		if w.seen[i] {
			w.fail("page %d is reached twice (again from %s)", i, what)
			return nil, false
		}
		w.seen[i] = true
	}
	if p.overflow() > 0 {
		full := make([]byte, int(p.overflow()+1)*size)
		if _, err := w.f.ReadAt(full, int64(id)*int64(size)); err != nil {
			w.fail("reading pages %d-%d: %v", id, last, err)
			return nil, false
		}
		return full, true
	}
	// The walk recurses before it reads the next page: keep a copy.
	return append(rawPage(nil), p...), true
}

// visit checks the tree rooted at page id, whose keys must lie in
// [lo, hi) (nil: open), and returns its largest key.
func (w *pageWalk) visit(id uint64, depth int, what string, lo, hi []byte) []byte {
	if depth > maxDepth {
		w.fail("%s is nested more than %d levels deep", what, maxDepth)
		return nil
	}
	p, ok := w.page(id, what)
	if !ok {
		return nil
	}
	switch p.flags() {
	case branchPage:
		return w.branch(p, depth, what, lo, hi)
	case leafPage:
		return w.leaf(p, depth, what, lo, hi)
	default:
		w.fail("page %d (%s) has flags %#x, neither a branch nor a leaf", id, what, p.flags())
		return nil
	}
}

// elements returns the page's element count after checking they fit.
func (w *pageWalk) elements(p rawPage, what string) (int, bool) {
	n := p.count()
	if pageHeaderLen+n*elementLen > len(p) {
		w.fail("page %d (%s) claims %d elements, more than it holds", p.id(), what, n)
		return 0, false
	}
	return n, true
}

// ordered checks key i of a page against the key before it (prev, or the
// parent's bound for the first) and the bound after (hi), as bbolt's own
// check does at open.
func (w *pageWalk) ordered(p rawPage, what string, i int, key, prev, hi []byte) bool {
	c := -1
	if prev != nil {
		c = bytes.Compare(prev, key)
	}
	if c > 0 || (c == 0 && i > 0) || (hi != nil && bytes.Compare(key, hi) >= 0) {
		w.fail("page %d (%s): key %d is out of order", p.id(), what, i)
		return false
	}
	return true
}

func (w *pageWalk) branch(p rawPage, depth int, what string, lo, hi []byte) []byte {
	n, ok := w.elements(p, what)
	if !ok || n == 0 {
		if ok {
			w.fail("branch page %d (%s) is empty", p.id(), what)
		}
		return nil
	}
	keys := make([][]byte, n)
	children := make([]uint64, n)
	for i := range n {
		at := pageHeaderLen + i*elementLen
		e := p[at : at+elementLen]
		pos, ksize := int(binary.LittleEndian.Uint32(e[0:])), int(binary.LittleEndian.Uint32(e[4:]))
		if at+pos+ksize > len(p) {
			w.fail("branch page %d (%s): key %d lies outside the page", p.id(), what, i)
			return nil
		}
		keys[i], children[i] = p[at+pos:at+pos+ksize], binary.LittleEndian.Uint64(e[8:])
	}
	prev := lo
	for i := range n {
		if !w.ordered(p, what, i, keys[i], prev, hi) {
			return nil
		}
		next := hi
		if i < n-1 {
			next = keys[i+1]
		}
		if prev = w.visit(children[i], depth+1, what, keys[i], next); prev == nil {
			return nil // the child failed; its problem is recorded
		}
	}
	return prev
}

func (w *pageWalk) leaf(p rawPage, depth int, what string, lo, hi []byte) []byte {
	n, ok := w.elements(p, what)
	if !ok {
		return nil
	}
	prev := lo
	for i := range n {
		at := pageHeaderLen + i*elementLen
		e := p[at : at+elementLen]
		flags := binary.LittleEndian.Uint32(e[0:])
		pos := int(binary.LittleEndian.Uint32(e[4:]))
		ksize, vsize := int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
		if at+pos+ksize+vsize > len(p) {
			w.fail("leaf page %d (%s): entry %d lies outside the page", p.id(), what, i)
			return nil
		}
		key := p[at+pos : at+pos+ksize]
		if !w.ordered(p, what, i, key, prev, hi) {
			return nil
		}
		prev = key
		if flags&bucketLeafFlag != 0 {
			w.bucket(p, depth, fmt.Sprintf("bucket %q", key), p[at+pos+ksize:at+pos+ksize+vsize])
		}
	}
	if prev == nil {
		return []byte{} // an empty leaf: a subtree, but with no key
	}
	return prev
}

// bucket checks a nested bucket from its value in the parent's leaf.
func (w *pageWalk) bucket(parent rawPage, depth int, name string, value []byte) {
	if len(value) < bucketHeadLen {
		w.fail("leaf page %d: %s has a %d-byte header", parent.id(), name, len(value))
		return
	}
	if root := binary.LittleEndian.Uint64(value); root != 0 {
		w.visit(root, depth+1, name, nil, nil)
		return
	}
	inline := rawPage(value[bucketHeadLen:])
	if len(inline) < pageHeaderLen || inline.flags() != leafPage {
		w.fail("leaf page %d: inline %s is not a leaf page", parent.id(), name)
		return
	}
	w.leaf(inline, depth+1, name, nil, nil)
}

// pagesOf opens path and walks its pages from its newest valid meta page.
func pagesOf(path string, m meta) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer func() { _ = f.Close() }()
	if problems := walkPages(f, m); len(problems) > 0 {
		return damaged(path, fmt.Sprintf("its pages are damaged (%d problem(s); first: %s)", len(problems), problems[0]))
	}
	return nil
}
