package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/konflux-ci/kite"
)

// Records are stored in a compact binary form rather than JSON: decoding
// one is ten times cheaper, and a list page decodes fifty of them (see
// docs/benchmarks.md). The first byte is the format version; fields follow
// in a fixed order as varints and length-prefixed strings. A new field means
// a new version whose decoder still reads the older ones.
const recordVersion = 1

var errShortRecord = errors.New("record is truncated")

func encodeRecord(is *kite.Issue) []byte {
	w := recordWriter{buf: make([]byte, 0, 512+len(is.Description))}
	w.buf = append(w.buf, recordVersion)
	w.str(is.ID)
	w.str(is.Title)
	w.str(is.Description)
	w.str(string(is.Severity))
	w.str(string(is.IssueType))
	w.str(string(is.State))
	w.time(is.DetectedAt)
	w.optTime(is.ResolvedAt)
	w.str(is.Namespace)
	w.str(is.ScopeID)
	w.str(is.Scope.ID)
	w.str(is.Scope.ResourceType)
	w.str(is.Scope.ResourceName)
	w.str(is.Scope.ResourceNamespace)
	w.uint(uint64(len(is.Links)))
	for _, l := range is.Links {
		w.str(l.ID)
		w.str(l.Title)
		w.str(l.URL)
		w.str(l.IssueID)
	}
	w.time(is.CreatedAt)
	w.time(is.UpdatedAt)
	w.str(is.Fingerprint)
	w.str(is.Key)
	w.time(is.FirstSeen)
	w.time(is.LastSeen)
	w.int(is.Occurrences)
	w.int(int64(is.ReopenCount))
	w.str(is.ResolvedBy)
	if f := is.Failure; f == nil {
		w.uint(0)
	} else {
		w.uint(1)
		w.str(f.Reason)
		w.str(f.Task)
		w.str(f.Step)
		if f.ExitCode == nil {
			w.uint(0)
		} else {
			w.uint(1)
			w.int(int64(*f.ExitCode))
		}
		w.str(f.Message)
		w.str(f.LogURL)
		w.str(f.RunID)
	}
	keys := make([]string, 0, len(is.Labels))
	for k := range is.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a deterministic encoding: equal issues, equal bytes
	w.uint(uint64(len(keys)))
	for _, k := range keys {
		w.str(k)
		w.str(is.Labels[k])
	}
	w.uint(is.Rev)
	return w.buf
}

func decodeRecord(b []byte) (*kite.Issue, error) {
	if len(b) == 0 {
		return nil, errShortRecord
	}
	if b[0] != recordVersion {
		return nil, fmt.Errorf("issue record version %d is not readable by this build", b[0])
	}
	r := recordReader{buf: b[1:]}
	is := &kite.Issue{}
	is.ID = r.str()
	is.Title = r.str()
	is.Description = r.str()
	is.Severity = kite.Severity(r.str())
	is.IssueType = kite.IssueType(r.str())
	is.State = kite.State(r.str())
	is.DetectedAt = r.time()
	is.ResolvedAt = r.optTime()
	is.Namespace = r.str()
	is.ScopeID = r.str()
	is.Scope.ID = r.str()
	is.Scope.ResourceType = r.str()
	is.Scope.ResourceName = r.str()
	is.Scope.ResourceNamespace = r.str()
	n := r.count()
	is.Links = make([]kite.Link, 0, n)
	for range n {
		is.Links = append(is.Links, kite.Link{ID: r.str(), Title: r.str(), URL: r.str(), IssueID: r.str()})
	}
	is.CreatedAt = r.time()
	is.UpdatedAt = r.time()
	is.Fingerprint = r.str()
	is.Key = r.str()
	is.FirstSeen = r.time()
	is.LastSeen = r.time()
	is.Occurrences = r.int()
	is.ReopenCount = int(r.int())
	is.ResolvedBy = r.str()
	if r.uint() == 1 {
		f := &kite.FailureContext{Reason: r.str(), Task: r.str(), Step: r.str()}
		if r.uint() == 1 {
			code := int(r.int())
			f.ExitCode = &code
		}
		f.Message, f.LogURL, f.RunID = r.str(), r.str(), r.str()
		is.Failure = f
	}
	if n := r.count(); n > 0 {
		is.Labels = make(map[string]string, n)
		for range n {
			k := r.str()
			is.Labels[k] = r.str()
		}
	}
	is.Rev = r.uint()
	if r.err != nil {
		return nil, fmt.Errorf("decode issue record: %w", r.err)
	}
	if len(r.buf) != 0 {
		return nil, fmt.Errorf("decode issue record: %d trailing bytes", len(r.buf))
	}
	return is, nil
}

type recordWriter struct{ buf []byte }

func (w *recordWriter) uint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }
func (w *recordWriter) int(v int64)   { w.buf = binary.AppendVarint(w.buf, v) }
func (w *recordWriter) str(s string) {
	w.uint(uint64(len(s)))
	w.buf = append(w.buf, s...)
}

// time writes 0 for the zero time, else 1 and the Unix nanoseconds.
func (w *recordWriter) time(t time.Time) {
	if t.IsZero() {
		w.uint(0)
		return
	}
	w.uint(1)
	w.int(t.UnixNano())
}

func (w *recordWriter) optTime(t *time.Time) {
	if t == nil {
		w.uint(0)
		return
	}
	w.uint(1)
	w.time(*t)
}

// recordReader decodes what recordWriter wrote. The first error sticks and
// every later read returns a zero value, so decodeRecord checks once.
type recordReader struct {
	buf []byte
	err error
}

func (r *recordReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.buf)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

func (r *recordReader) int() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.buf)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.buf = r.buf[n:]
	return v
}

// count reads a collection length, refusing one the buffer cannot hold so a
// damaged record cannot make the decoder allocate without bound.
func (r *recordReader) count() int {
	n := r.uint()
	if n > uint64(len(r.buf)) {
		r.err = errShortRecord
		return 0
	}
	return int(n)
}

func (r *recordReader) str() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	s := string(r.buf[:n])
	r.buf = r.buf[n:]
	return s
}

func (r *recordReader) time() time.Time {
	if r.uint() == 0 {
		return time.Time{}
	}
	return time.Unix(0, r.int()).UTC()
}

func (r *recordReader) optTime() *time.Time {
	if r.uint() == 0 {
		return nil
	}
	t := r.time()
	return &t
}
