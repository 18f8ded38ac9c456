package store

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"

	"github.com/konflux-ci/kite"
)

// ListIssues returns one page of a namespace's issues, newest detectedAt
// first. Enum filters are answered from the by_ns index and the counters
// alone: the page costs O(limit + offset) key reads whatever the namespace
// size. Resource filters go through by_scope; only the substring search
// reads every record of the namespace (their titles and descriptions).
func (s *Store) ListIssues(ctx context.Context, f kite.IssueFilter) (*kite.IssueList, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	f = f.Normalize()
	out := &kite.IssueList{Issues: []*kite.Issue{}}
	err := s.view(func(tx *bolt.Tx) error {
		var page []listed
		var err error
		switch {
		case f.ResourceType != "" || f.ResourceName != "":
			page, out.Total, err = listScanned(tx, f)
		case f.Search != "":
			page, out.Total, err = listSearched(tx, f)
		default:
			page, out.Total = listIndexed(tx, f)
		}
		if err != nil {
			return err
		}
		for _, l := range page {
			if l.is == nil {
				if l.is, err = loadIssue(tx, l.id); err != nil {
					return err
				}
			}
			if err := joinRelations(tx, l.id, l.is); err != nil {
				return err
			}
			out.Issues = append(out.Issues, l.is)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// listed is one issue of a page: its id, and its record when the path that
// found it has already decoded it.
type listed struct {
	id []byte
	is *kite.Issue
}

// listIndexed merges the by_ns ranges of every (state, severity, type) tuple
// the filter admits, newest first: the counters give the total, and only
// the page's keys are read.
func listIndexed(tx *bolt.Tx, f kite.IssueFilter) ([]listed, int) {
	tuples := matchingTuples(f)
	total := countTuples(tx, f.Namespace, tuples)
	if f.Offset >= total {
		return nil, total
	}
	page := make([]listed, 0, f.Limit)
	n := 0
	walkNewest(tx, []string{f.Namespace}, tuples, nil, func(k []byte, _ tuple) bool {
		id := k[len(k)-idLen:]
		if n >= f.Offset {
			page = append(page, listed{id: bytes.Clone(id)})
		}
		n++
		return n < f.Offset+f.Limit
	})
	return page, total
}

// listSearched answers a search without resource filters: it walks the
// namespace's issues of the admitted tuples newest first, tests each
// record's title and description without decoding the rest, counts every
// match (the v1 total is exact) and keeps only the page's ids, so memory
// stays the page's however many issues match.
func listSearched(tx *bolt.Tx, f kite.IssueFilter) ([]listed, int, error) {
	words := strings.Fields(strings.ToLower(f.Search))
	records := tx.Bucket(bucketIssues)
	page := make([]listed, 0, f.Limit)
	total := 0
	var err error
	walkNewest(tx, []string{f.Namespace}, matchingTuples(f), nil, func(k []byte, _ tuple) bool {
		id := k[len(k)-idLen:]
		title, desc, e := recordText(records.Get(id))
		if e != nil {
			err = fmt.Errorf("issue %s: %w", formatID(id), e)
			return false
		}
		if !containsWords(title, desc, words) {
			return true
		}
		if total >= f.Offset && total < f.Offset+f.Limit {
			page = append(page, listed{id: bytes.Clone(id)})
		}
		total++
		return true
	})
	return page, total, err
}

// listScanned answers resource filters: it gathers the candidates from
// by_scope, reads them and filters, sorts and pages in memory.
func listScanned(tx *bolt.Tx, f kite.IssueFilter) ([]listed, int, error) {
	var ids [][]byte
	prefix := scopePrefix(f.Namespace, f.ResourceType, f.ResourceName)
	c := tx.Bucket(bucketByScope).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		_, rname, id := splitScopeKey(k, len(f.Namespace))
		if f.ResourceName != "" && string(rname) != f.ResourceName {
			continue
		}
		ids = append(ids, bytes.Clone(id))
	}
	words := strings.Fields(strings.ToLower(f.Search))
	var hits []listed
	for _, id := range ids {
		is, err := loadIssue(tx, id)
		if err != nil {
			return nil, 0, err
		}
		if is == nil || !matches(is, f, words) {
			continue
		}
		hits = append(hits, listed{id, is})
	}
	slices.SortFunc(hits, func(a, b listed) int {
		if c := b.is.DetectedAt.Compare(a.is.DetectedAt); c != 0 {
			return c
		}
		return cmp.Compare(string(b.id), string(a.id))
	})
	total := len(hits)
	lo, hi := min(f.Offset, total), min(f.Offset+f.Limit, total)
	return hits[lo:hi], total, nil
}

// matches applies a list filter to one issue. Every search word (already
// lower-cased) must occur in the title or the description, as the original
// Kite's case-insensitive LIKE found it; a search of several words finds
// what the whole string found, and also the words apart.
func matches(is *kite.Issue, f kite.IssueFilter, words []string) bool {
	switch {
	case f.State != "" && is.State != f.State,
		f.Severity != "" && is.Severity != f.Severity,
		f.IssueType != "" && is.IssueType != f.IssueType,
		f.ResourceType != "" && is.Scope.ResourceType != f.ResourceType,
		f.ResourceName != "" && is.Scope.ResourceName != f.ResourceName:
		return false
	}
	return containsWords([]byte(is.Title), []byte(is.Description), words)
}

// containsWords reports whether every word (lower-cased) occurs in title or
// description, case-insensitively.
func containsWords(title, description []byte, words []string) bool {
	for _, w := range words {
		if !containsFold(title, w) && !containsFold(description, w) {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-cased word w, ignoring
// case. ASCII words are compared in place, without lower-casing a copy of
// every record's text; others go through bytes.ToLower.
func containsFold(s []byte, w string) bool {
	if !isASCII(w) {
		return bytes.Contains(bytes.ToLower(s), []byte(w))
	}
	if len(w) == 0 {
		return true
	}
	first := w[0]
	for i := 0; i+len(w) <= len(s); i++ {
		if lowerASCII(s[i]) != first {
			continue
		}
		j := 1
		for j < len(w) && lowerASCII(s[i+j]) == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
