package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// maxImportLine bounds one exported issue's line.
const maxImportLine = 64 << 20

func newImportCmd(env lookupEnv) *cobra.Command {
	var dataDir, fromPostgres string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import (FILE | --from-postgres DSN) --data-dir DIR",
		Short: "Import issues written by kite export, or migrate the original Kite's database (offline, idempotent)",
		Long: `Read kite export's JSON Lines (FILE, or - for standard input) into a data
directory: each issue keeps its id, namespace, state, times and counts, its
timeline and its comments; its relations are joined once both issues are
in. An issue whose id is already in the store is left alone, so importing
the same file twice changes nothing; one whose scope another issue already
holds is skipped and counted.

With --from-postgres, migrate the original Kite's PostgreSQL database
instead (a URL such as postgres://kite@db:5432/kite?sslmode=require or a
key=value DSN; give the password in PGPASSWORD or ~/.pgpass rather than in
the DSN). Its issues keep their ids and times, with their links and
related issues; free-form severities, types and states are normalised
(medium -> major) and every change is reported; duplicate active issues
of one scope are merged into the oldest, the merge in its timeline;
resolved issues of a scope another issue holds keep their ids as history.
It reads one consistent snapshot, so the original may keep serving, and
running it again imports only what is new. Issues Kite cannot hold are
listed and the command exits 1 after importing the rest.

--dry-run reads and checks everything and says what would happen, writing
nothing. The search index catches up when kite serve next starts. Run it
while no kite serve uses the directory.`,
		Example: `  kite export --data-dir /old -o issues.jsonl && kite import issues.jsonl --data-dir /data
  PGPASSWORD=... kite import --from-postgres 'postgres://kite@kite-db:5432/kite' --data-dir /data --dry-run`,
		Args: func(cmd *cobra.Command, args []string) error {
			if fromPostgres != "" {
				if len(args) > 0 {
					return usageErrorf("give either FILE or --from-postgres, not both")
				}
				return nil
			}
			if len(args) != 1 {
				return usageErrorf("give the FILE to import (- for standard input) or --from-postgres DSN")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromPostgres != "" {
				return migratePostgres(cmd.Context(), fromPostgres, dataDir, dryRun, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			r, closeInput, err := openInput(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			defer closeInput()
			return importIssues(cmd.Context(), r, dataDir, dryRun, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	dataDirFlag(f, env, &dataDir)
	f.BoolVar(&dryRun, "dry-run", false, "check everything and say what would happen; write nothing")
	f.StringVar(&fromPostgres, "from-postgres", "", "migrate the original Kite's PostgreSQL database at this DSN instead of reading a FILE")
	return cmd
}

// importBatch is how many records one import transaction writes: one
// fsync for the lot instead of one each.
const importBatch = 500

// importer writes records into a store (or, dry, says what it would do)
// importBatch at a time, counting outcomes and gathering relations to join
// once every issue is in.
type importer struct {
	s         *store.Store
	dryRun    bool
	note      string
	pending   []pendingRecord
	counts    map[store.ImportOutcome]int
	relations [][2]string
	read      int
	progress  io.Writer // nil off a terminal
}

// pendingRecord is a record waiting for its batch, with the issues it
// relates to.
type pendingRecord struct {
	rec     *kite.ExportRecord
	related []string
}

func openImporter(dataDir string, dryRun bool, note string, progress io.Writer) (*importer, error) {
	s, err := store.Open(store.Options{Dir: dataDir, LockTimeout: time.Second})
	if err != nil {
		return nil, err
	}
	im := &importer{s: s, dryRun: dryRun, note: note, counts: map[store.ImportOutcome]int{}}
	if isTerminal(progress) {
		im.progress = progress
	}
	return im, nil
}

// add queues rec for import (checking it now, so that a bad record is
// named where it is read), writing the queue when it is a batch long.
func (im *importer) add(ctx context.Context, rec *kite.ExportRecord, related []string) error {
	if err := store.CheckImport(rec); err != nil {
		return err
	}
	im.pending = append(im.pending, pendingRecord{rec, related})
	if len(im.pending) >= importBatch {
		return im.flush(ctx)
	}
	return nil
}

// flush imports the queued records (or says what importing them would
// do), keeping the relations of those that are, or already were, in.
func (im *importer) flush(ctx context.Context) error {
	if len(im.pending) == 0 {
		return nil
	}
	outcomes := make([]store.ImportOutcome, len(im.pending))
	if im.dryRun {
		for i, p := range im.pending {
			o, err := im.s.WouldImport(ctx, p.rec)
			if err != nil {
				return err
			}
			outcomes[i] = o
		}
	} else {
		recs := make([]*kite.ExportRecord, len(im.pending))
		for i, p := range im.pending {
			recs[i] = p.rec
		}
		var err error
		if outcomes, err = im.s.ImportBatch(ctx, recs, im.note); err != nil {
			return err
		}
	}
	for i, p := range im.pending {
		im.counts[outcomes[i]]++
		// Relations of issues already present too: an import stopped
		// before it joined them joins them when run again.
		if outcomes[i] == store.Imported || outcomes[i] == store.AlreadyPresent {
			for _, t := range p.related {
				im.relations = append(im.relations, [2]string{p.rec.Issue.ID, t})
			}
		}
	}
	im.read += len(im.pending)
	im.pending = im.pending[:0]
	if im.progress != nil {
		fmt.Fprintf(im.progress, "\r%d issues read", im.read)
	}
	return nil
}

// stop ends an import that met err: what was read before it is still
// written, as if the input had ended there.
func (im *importer) stop(ctx context.Context, err error) error {
	defer func() { _ = im.s.Close() }()
	return errors.Join(err, im.flush(ctx))
}

// finish writes what is queued, joins the relations gathered, prints what
// was done and closes the store.
func (im *importer) finish(ctx context.Context, out io.Writer) error {
	defer func() { _ = im.s.Close() }()
	if err := im.flush(ctx); err != nil {
		return err
	}
	if im.progress != nil {
		fmt.Fprint(im.progress, "\r\033[K")
	}
	related := 0
	for _, pair := range im.relations {
		if im.dryRun {
			break
		}
		err := im.s.RelateIssues(ctx, pair[0], pair[1])
		switch {
		case err == nil:
			related++
		case kite.ErrorCode(err) == kite.ECONFLICT || kite.ErrorCode(err) == kite.ENOTFOUND:
			// already related, or the other issue is not in this store
		default:
			return err
		}
	}
	verb := "imported"
	if im.dryRun {
		verb = "would import"
	}
	fmt.Fprintf(out, "%s %d issue(s); %d already present; %d skipped: their scope is held by another issue; %d relation(s) joined\n",
		verb, im.counts[store.Imported], im.counts[store.AlreadyPresent], im.counts[store.ScopeTaken], related)
	return im.s.Close()
}

func importIssues(ctx context.Context, r io.Reader, dataDir string, dryRun bool, out, progress io.Writer) error {
	im, err := openImporter(dataDir, dryRun, "imported (kite import)", progress)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxImportLine)
	line := 0
	for sc.Scan() {
		line++
		var rec kite.ExportRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return im.stop(ctx, fmt.Errorf("line %d: not an exported issue: %w", line, err))
		}
		var related []string
		for _, rel := range relationsOf(rec.Issue) {
			if rel.Target != nil {
				related = append(related, rel.Target.ID)
			}
		}
		if err := im.add(ctx, &rec, related); err != nil {
			return im.stop(ctx, fmt.Errorf("line %d: %w", line, err))
		}
	}
	if err := sc.Err(); err != nil {
		return im.stop(ctx, fmt.Errorf("after line %d: %w", line, err))
	}
	return im.finish(ctx, out)
}

// relationsOf is the relations an exported issue is the source of; none
// for a line without an issue, which Import refuses by name.
func relationsOf(is *kite.Issue) []kite.Relation {
	if is == nil {
		return nil
	}
	return is.RelatedFrom
}
