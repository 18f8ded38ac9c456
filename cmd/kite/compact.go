package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite/store"
)

func newCompactCmd(env lookupEnv) *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "compact",
		Short: "Rewrite the store file without its free pages (offline)",
		Long: `Rewrite the data directory's store file packed full and without the pages
that deletions and updates freed. bbolt reuses free pages but never gives
them back to the file system, and packs pages only half full where keys
arrive out of order: after retention deleted many issues, or to take the
file back to its smallest, stop kite serve and run this. It needs free
space for a second copy of the file while it runs; a crash at any point
leaves the old file or the new one. The search index stays valid.

Exit code 0: compacted. 1: the directory is in use, or its file is damaged.`,
		Example: "  kite compact --data-dir /data",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return compact(dataDir, cmd.OutOrStdout())
		},
	}
	dataDirFlag(cmd.Flags(), env, &dataDir)
	return cmd
}

func compact(dataDir string, out io.Writer) error {
	start := time.Now()
	c, err := store.Compact(dataDir, time.Second)
	if err != nil {
		return err
	}
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	fmt.Fprintf(out, "compacted %s: %.1f MB -> %.1f MB (%.0f%% smaller) in %s\n",
		dataDir, mb(c.Before), mb(c.After), 100*(1-float64(c.After)/float64(max(c.Before, 1))), time.Since(start).Round(time.Millisecond))
	return nil
}
