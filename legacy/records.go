package legacy

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/konflux-ci/kite"
)

// Record is one issue as Kite will hold it.
type Record struct {
	kite.ExportRecord
	// Related lists the issues, by their id in Kite, that this one is the
	// source of a relation to.
	Related []string
	// Merged lists the duplicates merged into it, by their original id.
	Merged []string
	// History says it is kept under its own key (HistoryKey).
	History bool
}

// Records reads every issue with its links and relations, converts it as
// the plan says, and hands it to fn. Merged duplicates come inside their
// holder's record, after every other issue; issues Kite cannot hold are
// refused in rep and skipped.
//
// The original's foreign keys have no indexes, so looking up links or
// relations by issue would scan those tables once per batch. Instead
// three cursors read the issues, the links and the relations each sorted
// by issue id, once, and each batch of issues takes the rows of the other
// two up to its last id: a merge join, batchSize issues in memory at a
// time, plus the few issues of merge groups kept until the end.
func (s *Source) Records(ctx context.Context, p *Plan, rep *Report, fn func(*Record) error) error {
	for _, decl := range []string{
		`DECLARE kite_issues NO SCROLL CURSOR FOR ` + issueColumns + ` ORDER BY i.id`,
		`DECLARE kite_links NO SCROLL CURSOR FOR SELECT issue_id::text, id::text, title, url FROM links ORDER BY issue_id, id`,
		`DECLARE kite_related NO SCROLL CURSOR FOR SELECT source_id::text, target_id::text FROM related_issues ORDER BY source_id, target_id`,
	} {
		if _, err := s.tx.Exec(ctx, decl); err != nil {
			return fmt.Errorf("read the original's tables: %w", err)
		}
	}
	links := &follower[link]{tx: s.tx, fetch: "FETCH 2000 FROM kite_links", what: "links", scan: func(r pgx.CollectableRow) (string, link, error) {
		var issue string
		var l link
		var title, url *string
		err := r.Scan(&issue, &l.ID, &title, &url)
		l.Title, l.URL = deref(title), deref(url)
		return issue, l, err
	}}
	rels := &follower[string]{tx: s.tx, fetch: "FETCH 2000 FROM kite_related", what: "related issues", scan: func(r pgx.CollectableRow) (string, string, error) {
		var src, dst string
		err := r.Scan(&src, &dst)
		return src, dst, err
	}}
	groups := map[[16]byte]*group{}
	for {
		rows, err := s.tx.Query(ctx, fmt.Sprintf("FETCH %d FROM kite_issues", batchSize))
		if err != nil {
			return fmt.Errorf("read issues: %w", err)
		}
		batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*row, error) { return scanRow(r) })
		if err != nil {
			return fmt.Errorf("read issues: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		last := batch[len(batch)-1].ID
		bl, err := links.until(ctx, last)
		if err != nil {
			return err
		}
		br, err := rels.until(ctx, last)
		if err != nil {
			return err
		}
		rep.Links += countValues(bl)
		rep.Relations += countValues(br)
		for _, r := range batch {
			id := mustUUID(r.ID)
			m := member{row: r, links: bl[r.ID], related: br[r.ID]}
			switch p.role(id) {
			case roleMerged:
				groups[p.mergedInto[id]] = groups[p.mergedInto[id]].with(id, m, false)
				continue
			case roleHolder:
				groups[id] = groups[id].with(id, m, true)
				continue
			}
			if rec := p.record(m, nil, rep); rec != nil {
				if err := fn(rec); err != nil {
					return err
				}
			}
		}
	}
	holders := make([][16]byte, 0, len(groups))
	for h := range groups {
		holders = append(holders, h)
	}
	slices.SortFunc(holders, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	for _, h := range holders {
		g := groups[h]
		if g.holder == nil {
			continue // cannot happen: the plan's holders are issues it read
		}
		dups := make([]member, 0, len(p.merges[h]))
		for _, d := range p.merges[h] {
			if m, ok := g.dups[d]; ok {
				dups = append(dups, m)
			}
		}
		if rec := p.record(*g.holder, dups, rep); rec != nil {
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// member is one issue as read: its row, links and the issues it relates
// to.
type member struct {
	row     *row
	links   []link
	related []string
}

// group gathers a holder and its duplicates, which the id-ordered read
// meets at different times.
type group struct {
	holder *member
	dups   map[[16]byte]member
}

func (g *group) with(id [16]byte, m member, holder bool) *group {
	if g == nil {
		g = &group{dups: map[[16]byte]member{}}
	}
	if holder {
		g.holder = &m
	} else {
		g.dups[id] = m
	}
	return g
}

func countValues[T any](m map[string][]T) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// follower reads a table sorted by issue id alongside the issues, so that
// each batch of issues takes the rows up to its last id.
type follower[T any] struct {
	tx    pgx.Tx
	fetch string
	what  string
	scan  func(pgx.CollectableRow) (string, T, error)
	buf   []keyed[T]
	pos   int
	done  bool
}

type keyed[T any] struct {
	id string
	v  T
}

// until returns the rows whose issue id is at most last, by issue id.
// Ids print as lower-case canonical UUIDs, whose text order is the order
// PostgreSQL sorts uuid values in.
func (f *follower[T]) until(ctx context.Context, last string) (map[string][]T, error) {
	out := map[string][]T{}
	for {
		for ; f.pos < len(f.buf); f.pos++ {
			k := f.buf[f.pos]
			if k.id > last {
				return out, nil
			}
			out[k.id] = append(out[k.id], k.v)
		}
		if f.done {
			return out, nil
		}
		rows, err := f.tx.Query(ctx, f.fetch)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.what, err)
		}
		f.buf, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyed[T], error) {
			id, v, err := f.scan(r)
			return keyed[T]{id, v}, err
		})
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", f.what, err)
		}
		f.pos = 0
		f.done = len(f.buf) == 0
	}
}

// record converts one issue with the duplicates merged into it; nil when
// Kite cannot hold it.
func (p *Plan) record(m member, dups []member, rep *Report) *Record {
	r := m.row
	conv, err := convert(r, m.links, rep)
	if err != nil {
		rep.refuse(r.ID, err)
		return nil
	}
	id := mustUUID(r.ID)
	rec := &Record{ExportRecord: *conv, History: p.role(id) == roleHistory}
	if rec.History {
		is := rec.Issue
		setFingerprint(is, key{namespace: is.Namespace, issueType: is.IssueType, scope: is.Scope}, HistoryKey(r.ID))
	}
	related := [][]string{m.related}
	if len(dups) > 0 {
		var merged []*kite.ExportRecord
		content := conv
		for _, d := range dups {
			dc, err := convert(d.row, d.links, rep)
			if err != nil {
				rep.refuse(d.row.ID, fmt.Errorf("a duplicate of %s: %w", r.ID, err))
				continue
			}
			merged = append(merged, dc)
			rec.Merged = append(rec.Merged, d.row.ID)
			related = append(related, d.related)
			if mustUUID(d.row.ID) == p.content[id] {
				content = dc
			}
		}
		merge(&rec.ExportRecord, merged, content)
	}
	seen := map[string]bool{rec.Issue.ID: true}
	for _, targets := range related {
		for _, t := range targets {
			t = p.Resolve(t)
			if !seen[t] {
				seen[t] = true
				rec.Related = append(rec.Related, t)
			}
		}
	}
	return rec
}

// mustUUID reads an id PostgreSQL printed from a uuid column.
func mustUUID(id string) [16]byte {
	u, _ := uuid.Parse(id)
	return u
}
