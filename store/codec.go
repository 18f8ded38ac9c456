package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/konflux-ci/kite"
)

// Records are stored in a compact binary form rather than JSON: decoding
// one is ten times cheaper, and a list page decodes fifty of them (see
// docs/storage.md). The first byte is the format version; fields follow in a
// fixed order as varints, single-byte enum codes, raw 16-byte identifiers
// and length-prefixed strings. What can be derived is not stored: the id is
// the record's key, and a link's issueId is that id. A new field means a new
// version whose decoder still reads the older ones: version 2 appends the
// triage fields, version 3 the snooze, the pinned fields and the silences
// that mute the issue.
const recordVersion = 3

var errShortRecord = errors.New("record is truncated")

func encodeRecord(is *kite.Issue) ([]byte, error) {
	w := recordWriter{buf: make([]byte, 0, 256+len(is.Description))}
	w.buf = append(w.buf, recordVersion)
	w.str(is.Title)
	w.str(is.Description)
	w.buf = append(w.buf, byte(is.Severity.Rank()), byte(is.IssueType.Code()), byte(is.State.Code()))
	w.time(is.DetectedAt)
	w.optTime(is.ResolvedAt)
	w.str(is.Namespace)
	if err := w.uuid(is.ScopeID); err != nil {
		return nil, fmt.Errorf("scope id: %w", err)
	}
	w.str(is.Scope.ResourceType)
	w.str(is.Scope.ResourceName)
	w.str(is.Scope.ResourceNamespace)
	w.uint(uint64(len(is.Links)))
	for _, l := range is.Links {
		if err := w.uuid(l.ID); err != nil {
			return nil, fmt.Errorf("link id: %w", err)
		}
		w.str(l.Title)
		w.str(l.URL)
	}
	w.time(is.CreatedAt)
	w.time(is.UpdatedAt)
	fp, err := hex.DecodeString(is.Fingerprint)
	if err != nil || len(fp) != fingerprintLen {
		return nil, fmt.Errorf("fingerprint %q is not %d hex bytes", is.Fingerprint, fingerprintLen)
	}
	w.buf = append(w.buf, fp...)
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
	w.str(is.AckedBy)
	w.optTime(is.AckedAt)
	w.str(is.Assignee)
	w.uint(uint64(is.Comments)) //nolint:gosec // a count, never negative
	if z := is.Snooze; z == nil {
		w.uint(0)
	} else {
		w.uint(1)
		w.optTime(z.Until)
		w.int(z.UntilOccurrences)
		escalating := uint64(0)
		if z.Escalating {
			escalating = 1
		}
		w.uint(escalating)
		w.uint(uint64(z.Severity.Rank())) //nolint:gosec // 0-4
		w.str(z.By)
		w.time(z.At)
	}
	w.uint(pinBits(is.Pinned))
	w.uint(uint64(len(is.Muted)))
	for _, id := range is.Muted {
		if err := w.uuid(id); err != nil {
			return nil, fmt.Errorf("silence id: %w", err)
		}
	}
	return w.buf, nil
}

// pinBits packs pinned field names as bits in kite.PinnableFields order.
func pinBits(pinned []string) uint64 {
	var b uint64
	for i, f := range kite.PinnableFields {
		if slices.Contains(pinned, f) {
			b |= 1 << i
		}
	}
	return b
}

func pinNames(b uint64) []string {
	var out []string
	for i, f := range kite.PinnableFields {
		if b&(1<<i) != 0 {
			out = append(out, f)
		}
	}
	return out
}

// fingerprintLen is the byte length of kite.Fingerprint's hex string.
const fingerprintLen = 16

// decodeRecord decodes the record stored under key id.
func decodeRecord(id, b []byte) (*kite.Issue, error) {
	if len(b) == 0 {
		return nil, errShortRecord
	}
	if b[0] < 1 || b[0] > recordVersion {
		return nil, fmt.Errorf("issue record version %d is not readable by this build", b[0])
	}
	r := recordReader{buf: b[1:]}
	is := &kite.Issue{ID: formatID(id)}
	is.Title = r.str()
	is.Description = r.str()
	is.Severity = enumAt(&r, kite.Severities)
	is.IssueType = enumAt(&r, kite.IssueTypes)
	is.State = enumAt(&r, kite.States)
	is.DetectedAt = r.time()
	is.ResolvedAt = r.optTime()
	is.Namespace = r.str()
	is.ScopeID = r.uuid()
	is.Scope.ID = is.ScopeID
	is.Scope.ResourceType = r.str()
	is.Scope.ResourceName = r.str()
	is.Scope.ResourceNamespace = r.str()
	n := r.count()
	is.Links = make([]kite.Link, 0, n)
	for range n {
		is.Links = append(is.Links, kite.Link{ID: r.uuid(), Title: r.str(), URL: r.str(), IssueID: is.ID})
	}
	is.CreatedAt = r.time()
	is.UpdatedAt = r.time()
	is.Fingerprint = hex.EncodeToString(r.bytes(fingerprintLen))
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
	if b[0] >= 2 {
		is.AckedBy = r.str()
		is.AckedAt = r.optTime()
		is.Assignee = r.str()
		is.Comments = int(r.uint()) //nolint:gosec // written from an int
	}
	if b[0] >= 3 && r.uint() == 1 {
		z := &kite.Snooze{Until: r.optTime(), UntilOccurrences: r.int(), Escalating: r.uint() == 1}
		if rank := r.uint(); rank > 0 && rank <= uint64(len(kite.Severities)) {
			z.Severity = kite.Severities[rank-1]
		}
		z.By, z.At = r.str(), r.time()
		is.Snooze = z
	}
	if b[0] >= 3 {
		is.Pinned = pinNames(r.uint())
		if n := r.count(); n > 0 {
			is.Muted = make([]string, 0, n)
			for range n {
				is.Muted = append(is.Muted, r.uuid())
			}
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("decode issue record %s: %w", is.ID, r.err)
	}
	if len(r.buf) != 0 {
		return nil, fmt.Errorf("decode issue record %s: %d trailing bytes", is.ID, len(r.buf))
	}
	return is, nil
}

// recordText returns the title and the description of an encoded record
// without decoding the rest: they are its first two fields, and a search
// scan tests them on every issue of a namespace. The slices alias b.
func recordText(b []byte) (title, description []byte, err error) {
	if len(b) == 0 || b[0] < 1 || b[0] > recordVersion {
		return nil, nil, errShortRecord
	}
	r := recordReader{buf: b[1:]}
	title = r.bytes(r.count())
	description = r.bytes(r.count())
	return title, description, r.err
}

// enumAt reads a one-byte enum code: the value's position in all, from 1.
func enumAt[T any](r *recordReader, all []T) T {
	var zero T
	c := r.bytes(1)
	if r.err != nil {
		return zero
	}
	if c[0] < 1 || int(c[0]) > len(all) {
		r.err = fmt.Errorf("enum code %d out of range", c[0])
		return zero
	}
	return all[c[0]-1]
}

type recordWriter struct{ buf []byte }

func (w *recordWriter) uint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }
func (w *recordWriter) int(v int64)   { w.buf = binary.AppendVarint(w.buf, v) }

// uuid writes a canonical UUID string as its 16 bytes.
func (w *recordWriter) uuid(s string) error {
	u, err := uuid.Parse(s)
	if err != nil {
		return err
	}
	w.buf = append(w.buf, u[:]...)
	return nil
}

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

// bytes returns the next n bytes, aliasing the buffer.
func (r *recordReader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.buf) < n {
		r.err = errShortRecord
		return nil
	}
	b := r.buf[:n]
	r.buf = r.buf[n:]
	return b
}

func (r *recordReader) uuid() string {
	b := r.bytes(idLen)
	if r.err != nil {
		return ""
	}
	return formatID(b)
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
