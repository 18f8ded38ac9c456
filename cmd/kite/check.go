package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite/index"
	"github.com/konflux-ci/kite/store"
)

func newCheckCmd(env lookupEnv) *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check a data directory's store file and search index (offline)",
		Long: `Check the store file page by page (what every start checks before it
opens the file), then every record against the indexes, counters and
change log derived from it, then that the search index belongs to this
store and is not ahead of it. Run it while no kite serve uses the data
directory (the store's lock refuses otherwise), or on a copy.

Exit code 0: clean. 1: a problem, listed with what to do.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return check(dataDir, cmd.OutOrStdout())
		},
	}
	dataDirFlag(cmd.Flags(), env, &dataDir)
	return cmd
}

func check(dataDir string, out io.Writer) error {
	path := filepath.Join(dataDir, store.FileName)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no store to check: %w", err)
	}
	start := time.Now()
	st, err := store.Open(store.Options{Dir: dataDir, Logger: slog.New(slog.DiscardHandler), LockTimeout: time.Second, Verify: true})
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	n, err := st.Count()
	if err != nil {
		return err
	}
	rev, err := st.Rev()
	if err != nil {
		return err
	}
	id, err := st.ID()
	if err != nil {
		return err
	}
	if err := st.Check(); err != nil {
		return fmt.Errorf("%s: %w (restore it from a backup; kite serve refuses nothing here, but the records and what is derived from them disagree)", path, err)
	}
	fmt.Fprintf(out, "store  %s: ok, %d issues at revision %d (%s)\n", path, n, rev, time.Since(start).Round(time.Millisecond))

	ix, err := index.Inspect(dataDir)
	ipath := filepath.Join(dataDir, index.DirName)
	switch {
	case err != nil:
		return fmt.Errorf("%w (kite serve rebuilds an index it cannot open; kite reindex --data-dir %s does it now)", err, dataDir)
	case !ix.Present:
		fmt.Fprintf(out, "index  %s: absent; kite serve builds it from the store\n", ipath)
	case ix.Mapping != index.MappingVersion:
		fmt.Fprintf(out, "index  %s: of mapping %q, not %q; kite serve rebuilds it\n", ipath, ix.Mapping, index.MappingVersion)
	case ix.StoreID != "" && ix.StoreID != id:
		return errors.New(ipath + " was built from another store file than " + path + ": if the store is the one to keep, run kite reindex --data-dir " + dataDir)
	case ix.Rev > rev:
		return fmt.Errorf("%s has seen revision %d, the store only %d: the store file is older than the index (writes may be lost); restore the newer store, or run kite reindex --data-dir %s to keep this one", ipath, ix.Rev, rev, dataDir)
	case ix.Rev == rev && ix.Docs != uint64(n):
		return fmt.Errorf("%s holds %d issues at the store's revision, the store %d: run kite reindex --data-dir %s", ipath, ix.Docs, n, dataDir)
	case ix.Rev < rev:
		fmt.Fprintf(out, "index  %s: ok, %d revisions behind the store; kite serve catches up at start\n", ipath, rev-ix.Rev)
	default:
		fmt.Fprintf(out, "index  %s: ok, %d issues at revision %d\n", ipath, ix.Docs, ix.Rev)
	}
	return st.Close()
}
