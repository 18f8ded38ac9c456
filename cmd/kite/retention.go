package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

// retentionFlags are --retain-resolved and --retain-resolved-in, shared
// by kite serve and kite retention.
type retentionFlags struct {
	resolved string
	in       []string
}

func (r *retentionFlags) register(f *pflag.FlagSet, env lookupEnv) {
	f.StringVar(&r.resolved, "retain-resolved", envOr(env, "KITE_RETAIN_RESOLVED", ""), "delete resolved issues this long after they were resolved, with their timelines (90d, 2w, 720h); empty keeps them for ever (env KITE_RETAIN_RESOLVED)")
	f.StringSliceVar(&r.in, "retain-resolved-in", nil, "a namespace's own retention, NAMESPACE=SPAN (0 keeps its issues for ever); repeatable")
}

func (r *retentionFlags) parse() (kite.Retention, error) {
	return kite.ParseRetention(r.resolved, r.in)
}

func newRetentionCmd(env lookupEnv) *cobra.Command {
	var dataDir string
	var dryRun bool
	var flags retentionFlags
	cmd := &cobra.Command{
		Use:   "retention --retain-resolved SPAN",
		Short: "Delete resolved issues past their retention, or say which would go (offline)",
		Long: `Apply a retention to a data directory as kite serve --retain-resolved does
every hour: resolved issues resolved longer ago than their namespace's
retention are deleted with their timelines, comments and relations, a
hundred per transaction; the search index follows when the server next
starts. With --dry-run nothing is deleted and the counts say what would
go. Run it while no kite serve uses the directory.`,
		Example: "  kite retention --data-dir /data --retain-resolved 90d --retain-resolved-in audit=0 --dry-run",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := flags.parse()
			if err != nil {
				return usageError{err}
			}
			if r.Off() {
				return usageErrorf("--retain-resolved (or a --retain-resolved-in) is needed: nothing would ever go")
			}
			return retention(cmd.Context(), dataDir, r, dryRun, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	dataDirFlag(f, env, &dataDir)
	flags.register(f, env)
	f.BoolVar(&dryRun, "dry-run", false, "say what would be deleted, delete nothing")
	return cmd
}

func retention(ctx context.Context, dataDir string, r kite.Retention, dryRun bool, out io.Writer) error {
	s, err := store.Open(store.Options{Dir: dataDir, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }()
	now := time.Now().UTC()
	counts := map[string]int{}
	verb := "removed"
	if dryRun {
		verb = "would remove"
		expired, err := s.ExpiredResolved(ctx, r, now)
		if err != nil {
			return err
		}
		for ns, ids := range expired {
			counts[ns] = len(ids)
		}
	} else if counts, err = s.PruneResolved(ctx, r, now); err != nil {
		return err
	}
	total := 0
	for _, ns := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(out, "%s\t%s %d resolved issue(s), kept %s\n", ns, verb, counts[ns], r.For(ns))
		total += counts[ns]
	}
	fmt.Fprintf(out, "%s %d resolved issue(s) in all\n", verb, total)
	return s.Close()
}
