package legacy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// batchSize is how many issues the conversion pass reads at a time, with
// their links and relations: a few megabytes of text, whatever the
// database's size.
const batchSize = 500

// tables is the part of the original's schema a migration reads: the
// tables its GORM models make and the columns of each.
var tables = map[string][]string{
	"issues":         {"id", "title", "description", "severity", "issue_type", "state", "detected_at", "resolved_at", "namespace", "scope_id", "created_at", "updated_at"},
	"issue_scopes":   {"id", "resource_type", "resource_name", "resource_namespace"},
	"links":          {"id", "title", "url", "issue_id"},
	"related_issues": {"id", "source_id", "target_id"},
}

// Source is an open migration from the original's database: one read-only
// transaction on one snapshot.
type Source struct {
	conn *pgx.Conn
	tx   pgx.Tx
}

// Open connects to the original's database (a PostgreSQL URL or key=value
// DSN; the PG* environment variables fill what it leaves out), starts a
// read-only repeatable-read transaction and checks that the schema is the
// original's, naming any table or column it lacks.
func Open(ctx context.Context, dsn string) (*Source, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("connect to the original Kite's database: %w", err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		_ = conn.Close(ctx)
		return nil, fmt.Errorf("begin a read-only transaction: %w", err)
	}
	s := &Source{conn: conn, tx: tx}
	if err := s.checkSchema(ctx); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// Close ends the transaction (it wrote nothing) and the connection.
func (s *Source) Close(ctx context.Context) {
	_ = s.tx.Rollback(ctx)
	_ = s.conn.Close(ctx)
}

// ErrNotOriginal is wrapped by the error Open returns for a database that
// does not hold the original Kite's schema.
var ErrNotOriginal = errors.New("not the original Kite's database")

func (s *Source) checkSchema(ctx context.Context) error {
	rows, err := s.tx.Query(ctx, `SELECT table_name::text, column_name::text FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = ANY($1)`, []string{"issues", "issue_scopes", "links", "related_issues"})
	if err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	have := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return fmt.Errorf("read the schema: %w", err)
		}
		have[t] = append(have[t], c)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	var missing []string
	for t, cols := range tables {
		got, ok := have[t]
		if !ok {
			missing = append(missing, fmt.Sprintf("table %q", t))
			continue
		}
		for _, c := range cols {
			if !slices.Contains(got, c) {
				missing = append(missing, fmt.Sprintf("column %s.%s", t, c))
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("%w: no %s in schema %s", ErrNotOriginal, strings.Join(missing, ", "), s.schemaName(ctx))
	}
	return nil
}

func (s *Source) schemaName(ctx context.Context) string {
	var name string
	if err := s.tx.QueryRow(ctx, `SELECT current_schema()::text`).Scan(&name); err != nil {
		return "(unknown)"
	}
	return name
}

// issueColumns selects a row; the scope is joined loosely so that an issue
// whose scope row is missing is reported, not silently left out.
const issueColumns = `SELECT i.id::text, i.title, i.description, i.severity, i.issue_type, i.state,
	i.detected_at, i.resolved_at, i.namespace, i.created_at, i.updated_at,
	s.resource_type, s.resource_name, s.resource_namespace
	FROM issues i LEFT JOIN issue_scopes s ON s.id = i.scope_id`

func scanRow(rows interface{ Scan(dest ...any) error }) (*row, error) {
	var r row
	var title, desc, sev, typ, ns *string
	err := rows.Scan(&r.ID, &title, &desc, &sev, &typ, &r.State, &r.DetectedAt, &r.ResolvedAt, &ns,
		&r.CreatedAt, &r.UpdatedAt, &r.ResourceType, &r.ResourceName, &r.ResourceNamespace)
	if err != nil {
		return nil, err
	}
	r.Title, r.Description, r.Severity, r.IssueType, r.Namespace = deref(title), deref(desc), deref(sev), deref(typ), deref(ns)
	return &r, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Plan reads every issue's scope, state and times (not its text) and
// decides what becomes of each; issues Kite cannot hold are refused in rep.
func (s *Source) Plan(ctx context.Context, rep *Report) (*Plan, error) {
	rows, err := s.tx.Query(ctx, issueColumns)
	if err != nil {
		return nil, fmt.Errorf("read issues: %w", err)
	}
	defer rows.Close()
	var entries []entry
	scratch := &Report{}
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("read issues: %w", err)
		}
		rep.Issues++
		k, err := r.keyOf(scratch)
		if err != nil {
			continue // refused, with its reason, by the conversion pass
		}
		e, err := newEntry(r, k)
		if err != nil {
			continue
		}
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read issues: %w", err)
	}
	return newPlan(entries, rep), nil
}
