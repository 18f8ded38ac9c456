package main

import (
	"bufio"
	"context"
	"encoding/json"
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

// importer writes records into a store (or, dry, says what it would do),
// counting outcomes and gathering relations to join once every issue is
// in.
type importer struct {
	s         *store.Store
	dryRun    bool
	note      string
	counts    map[store.ImportOutcome]int
	relations [][2]string
	read      int
	progress  io.Writer // nil off a terminal
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

// add imports rec (or says what importing it would do), keeping its
// relations to the issues related when it is, or already was, in.
func (im *importer) add(ctx context.Context, rec *kite.ExportRecord, related []string) (store.ImportOutcome, error) {
	var outcome store.ImportOutcome
	var err error
	if im.dryRun {
		outcome, err = im.s.WouldImport(ctx, rec)
	} else {
		outcome, err = im.s.ImportFrom(ctx, rec, im.note)
	}
	if err != nil {
		return "", err
	}
	im.counts[outcome]++
	// Relations of issues already present too: an import stopped before
	// it joined them joins them when run again.
	if outcome == store.Imported || outcome == store.AlreadyPresent {
		for _, t := range related {
			im.relations = append(im.relations, [2]string{rec.Issue.ID, t})
		}
	}
	im.read++
	if im.progress != nil && im.read%1000 == 0 {
		fmt.Fprintf(im.progress, "\r%d issues read", im.read)
	}
	return outcome, nil
}

// finish joins the relations gathered, prints what was done and closes
// the store.
func (im *importer) finish(ctx context.Context, out io.Writer) error {
	defer func() { _ = im.s.Close() }()
	if im.progress != nil && im.read >= 1000 {
		fmt.Fprint(im.progress, "\r")
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
			_ = im.s.Close()
			return fmt.Errorf("line %d: not an exported issue: %w", line, err)
		}
		var related []string
		for _, rel := range relationsOf(rec.Issue) {
			if rel.Target != nil {
				related = append(related, rel.Target.ID)
			}
		}
		if _, err := im.add(ctx, &rec, related); err != nil {
			_ = im.s.Close()
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		_ = im.s.Close()
		return fmt.Errorf("after line %d: %w", line, err)
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
