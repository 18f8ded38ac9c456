package legacy

import (
	"context"
	"fmt"

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

// Records reads every issue with its links and relations, batchSize at a
// time in id order, converts it as the plan says, and hands it to fn.
// Merged duplicates come inside their holder's record; issues Kite cannot
// hold are refused in rep and skipped.
func (s *Source) Records(ctx context.Context, p *Plan, rep *Report, fn func(*Record) error) error {
	after := ""
	for {
		batch, err := s.readRows(ctx, `WHERE ($1 = '' OR i.id > $1::uuid) ORDER BY i.id LIMIT $2`, after, batchSize)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].ID
		var dupIDs []string
		for _, r := range batch {
			for _, d := range p.merges[mustUUID(r.ID)] {
				dupIDs = append(dupIDs, uuid.UUID(d).String())
			}
		}
		dups := map[string]*row{}
		if len(dupIDs) > 0 {
			rs, err := s.readRows(ctx, `WHERE i.id = ANY($1::text[]::uuid[])`, dupIDs)
			if err != nil {
				return err
			}
			for _, r := range rs {
				dups[r.ID] = r
			}
		}
		ids := append(dupIDs, rowIDs(batch)...)
		links, err := s.links(ctx, ids, rep)
		if err != nil {
			return err
		}
		rels, err := s.relations(ctx, ids, rep)
		if err != nil {
			return err
		}
		for _, r := range batch {
			rec := s.record(r, p, dups, links, rels, rep)
			if rec == nil {
				continue
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
	}
}

// record converts one issue of a batch, with its merged duplicates; nil
// when it is a duplicate itself or Kite cannot hold it.
func (s *Source) record(r *row, p *Plan, dups map[string]*row, links map[string][]link, rels map[string][]string, rep *Report) *Record {
	id := mustUUID(r.ID)
	role := p.role(id)
	if role == roleMerged {
		return nil
	}
	conv, err := convert(r, links[r.ID], rep)
	if err != nil {
		rep.refuse(r.ID, err)
		return nil
	}
	rec := &Record{ExportRecord: *conv, History: role == roleHistory}
	if rec.History {
		is := rec.Issue
		setFingerprint(is, key{namespace: is.Namespace, issueType: is.IssueType, scope: is.Scope}, HistoryKey(r.ID))
	}
	sources := []string{r.ID}
	if role == roleHolder {
		var merged []*kite.ExportRecord
		content := conv
		for _, d := range p.merges[id] {
			dr := dups[uuid.UUID(d).String()]
			if dr == nil {
				continue // deleted between the passes: impossible in one snapshot
			}
			dc, err := convert(dr, links[dr.ID], rep)
			if err != nil {
				rep.refuse(dr.ID, fmt.Errorf("a duplicate of %s: %w", r.ID, err))
				continue
			}
			merged = append(merged, dc)
			rec.Merged = append(rec.Merged, dr.ID)
			sources = append(sources, dr.ID)
			if d == p.content[id] {
				content = dc
			}
		}
		merge(&rec.ExportRecord, merged, content)
	}
	seen := map[string]bool{rec.Issue.ID: true}
	for _, src := range sources {
		for _, t := range rels[src] {
			t = p.Resolve(t)
			if !seen[t] {
				seen[t] = true
				rec.Related = append(rec.Related, t)
			}
		}
	}
	return rec
}

// readRows reads the issues the where clause (with args) selects.
func (s *Source) readRows(ctx context.Context, where string, args ...any) ([]*row, error) {
	rows, err := s.tx.Query(ctx, issueColumns+" "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("read issues: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(rows pgx.CollectableRow) (*row, error) { return scanRow(rows) })
	if err != nil {
		return nil, fmt.Errorf("read issues: %w", err)
	}
	return out, nil
}

// links reads the links of the issues ids, in a stable order.
func (s *Source) links(ctx context.Context, ids []string, rep *Report) (map[string][]link, error) {
	rows, err := s.tx.Query(ctx, `SELECT issue_id::text, id::text, title, url FROM links
		WHERE issue_id = ANY($1::text[]::uuid[]) ORDER BY issue_id, id`, ids)
	if err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	out := map[string][]link{}
	for rows.Next() {
		var issue string
		var l link
		var title, url *string
		if err := rows.Scan(&issue, &l.ID, &title, &url); err != nil {
			return nil, fmt.Errorf("read links: %w", err)
		}
		l.Title, l.URL = deref(title), deref(url)
		out[issue] = append(out[issue], l)
		rep.Links++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	return out, nil
}

// relations reads, for the issues ids, the issues each is the source of a
// relation to.
func (s *Source) relations(ctx context.Context, ids []string, rep *Report) (map[string][]string, error) {
	rows, err := s.tx.Query(ctx, `SELECT source_id::text, target_id::text FROM related_issues
		WHERE source_id = ANY($1::text[]::uuid[]) ORDER BY source_id, target_id`, ids)
	if err != nil {
		return nil, fmt.Errorf("read related issues: %w", err)
	}
	out := map[string][]string{}
	for rows.Next() {
		var src, dst string
		if err := rows.Scan(&src, &dst); err != nil {
			return nil, fmt.Errorf("read related issues: %w", err)
		}
		out[src] = append(out[src], dst)
		rep.Relations++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read related issues: %w", err)
	}
	return out, nil
}

func rowIDs(rows []*row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// mustUUID reads an id PostgreSQL printed from a uuid column.
func mustUUID(id string) [16]byte {
	u, _ := uuid.Parse(id)
	return u
}
