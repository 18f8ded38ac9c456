package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/konflux-ci/kite/legacy"
	"github.com/konflux-ci/kite/store"
)

// migrateNote is the last timeline entry of every migrated issue.
const migrateNote = "imported from the original Kite's PostgreSQL database (kite import --from-postgres)"

// migratePostgres brings the original Kite's issues into dataDir (see
// kite import --help): it plans from one snapshot, imports issue by issue,
// keeps beside Kite's own issue any whose scope Kite already holds, joins
// relations, and prints what it did and everything it normalised. Issues
// Kite cannot hold make it fail after the rest are in.
func migratePostgres(ctx context.Context, dsn, dataDir string, dryRun bool, out, progress io.Writer) error {
	src, err := legacy.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer src.Close(context.WithoutCancel(ctx))
	rep := &legacy.Report{}
	plan, err := src.Plan(ctx, rep)
	if err != nil {
		return err
	}
	im, err := openImporter(dataDir, dryRun, migrateNote, progress)
	if err != nil {
		return err
	}
	now := time.Now()
	var beside []string
	err = src.Records(ctx, plan, rep, func(rec *legacy.Record) error {
		outcome, err := im.s.WouldImport(ctx, &rec.ExportRecord)
		if err != nil {
			return err
		}
		if outcome == store.ScopeTaken {
			holder, err := im.s.ScopeHolder(rec.Issue.Fingerprint)
			if err != nil {
				return err
			}
			legacy.AsDuplicateOf(rec, holder, now)
			beside = append(beside, rec.Issue.ID+" beside "+holder)
		}
		return im.add(ctx, &rec.ExportRecord, rec.Related)
	})
	if err != nil {
		return im.stop(ctx, err)
	}
	if err := im.finish(ctx, out); err != nil {
		return err
	}
	rep.Write(out)
	if len(beside) > 0 {
		fmt.Fprintf(out, "kept %d issue(s) beside the issue of Kite that holds their scope (resolved as its duplicates if active):\n", len(beside))
		for _, b := range beside {
			fmt.Fprintf(out, "  %s\n", b)
		}
	}
	if len(rep.Refused) > 0 {
		return fmt.Errorf("%d issue(s) of the original Kite could not be imported (listed above); the rest are in", len(rep.Refused))
	}
	return nil
}
