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
	var dataDir string
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "import FILE --data-dir DIR",
		Short: "Import issues written by kite export (offline, idempotent by id)",
		Long: `Read kite export's JSON Lines (FILE, or - for standard input) into a data
directory: each issue keeps its id, namespace, state, times and counts, its
timeline and its comments; its relations are joined once both issues are
in. An issue whose id is already in the store is left alone, so importing
the same file twice changes nothing; one whose scope another issue already
holds is skipped and counted. --dry-run reads and checks every line and
says what would happen, writing nothing. The search index catches up when
kite serve next starts. Run it while no kite serve uses the directory.`,
		Example: "  kite export --data-dir /old -o issues.jsonl && kite import issues.jsonl --data-dir /data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f.BoolVar(&dryRun, "dry-run", false, "check every line and say what would happen; write nothing")
	return cmd
}

func importIssues(ctx context.Context, r io.Reader, dataDir string, dryRun bool, out, progress io.Writer) error {
	s, err := store.Open(store.Options{Dir: dataDir, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	counts := map[store.ImportOutcome]int{}
	var relations [][2]string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxImportLine)
	terminal := isTerminal(progress)
	line := 0
	for sc.Scan() {
		line++
		var rec kite.ExportRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return fmt.Errorf("line %d: not an exported issue: %w", line, err)
		}
		outcome, err := importOne(ctx, s, &rec, dryRun)
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		counts[outcome]++
		// Relations of issues already present too: an import stopped
		// before it joined them joins them when run again.
		if outcome == store.Imported || outcome == store.AlreadyPresent {
			for _, rel := range rec.Issue.RelatedFrom {
				if rel.Target != nil {
					relations = append(relations, [2]string{rec.Issue.ID, rel.Target.ID})
				}
			}
		}
		if terminal && line%1000 == 0 {
			fmt.Fprintf(progress, "\r%d issues read", line)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("after line %d: %w", line, err)
	}
	if terminal && line >= 1000 {
		fmt.Fprint(progress, "\r")
	}
	related := 0
	for _, pair := range relations {
		if dryRun {
			break
		}
		err := s.RelateIssues(ctx, pair[0], pair[1])
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
	if dryRun {
		verb = "would import"
	}
	fmt.Fprintf(out, "%s %d issue(s); %d already present; %d skipped: their scope is held by another issue; %d relation(s) joined\n",
		verb, counts[store.Imported], counts[store.AlreadyPresent], counts[store.ScopeTaken], related)
	return s.Close()
}

// importOne imports a record, or with dryRun says what importing it would
// do.
func importOne(ctx context.Context, s *store.Store, rec *kite.ExportRecord, dryRun bool) (store.ImportOutcome, error) {
	if dryRun {
		return s.WouldImport(ctx, rec)
	}
	return s.Import(ctx, rec)
}
