package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

func newBackupCmd(env lookupEnv) *cobra.Command {
	var dataDir, file string
	c := &clientOptions{env: env, output: "table", timeout: 24 * time.Hour}
	cmd := &cobra.Command{
		Use:   "backup -o FILE",
		Short: "Take a consistent backup of the store, from a running server or a data directory",
		Long: `Write a backup of the store: one consistent copy of it, with the schema,
revision and store identity in a header and a checksum at the end, which
kite restore verifies.

With --server (or KITE_SERVER, or kite config), the running server streams
it while it goes on serving and ingesting: the backup holds every write
acknowledged before it began. That needs get on backups.kite.konflux-ci.dev
cluster-wide (the kite-backup ClusterRole in deploy/). With --data-dir the
store is read offline (no kite serve may be using it).

The file is written beside FILE and renamed to it once complete, so FILE is
never a partial backup. -o - writes to standard output.`,
		Example: "  kite backup --server https://kite.example -o kite-$(date +%F).backup\n  kite backup --data-dir /data -o /backups/kite.backup",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if file == "" {
				return usageErrorf("name the backup file with -o FILE (- for standard output)")
			}
			take := func(ctx context.Context, w io.Writer) (int64, error) {
				if dataDir != "" {
					h, err := store.BackupDir(ctx, dataDir, time.Second, w)
					if err != nil {
						return 0, err
					}
					return h.Size, nil
				}
				cl, err := c.client()
				if err != nil {
					return 0, err
				}
				return cl.Backup(ctx, w)
			}
			return writeBackupFile(cmd.Context(), file, cmd.OutOrStdout(), cmd.ErrOrStderr(), take)
		},
	}
	f := cmd.Flags()
	c.registerConnection(f)
	f.StringVarP(&file, "output", "o", "", "file to write the backup to (- for standard output)")
	f.StringVar(&dataDir, "data-dir", "", "back up this data directory offline instead of asking a server")
	return cmd
}

// writeBackupFile runs take into FILE, whole or not at all.
func writeBackupFile(ctx context.Context, file string, stdout, stderr io.Writer, take func(context.Context, io.Writer) (int64, error)) error {
	start := time.Now()
	if file == "-" {
		_, err := take(ctx, stdout)
		return err
	}
	var n int64
	err := store.WriteFileAtomic(file, func(w io.Writer) (err error) {
		n, err = take(ctx, w)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "backup written to %s: %.1f MB in %s\n", file, float64(n)/(1<<20), time.Since(start).Round(time.Millisecond))
	return nil
}

func newRestoreCmd(env lookupEnv) *cobra.Command {
	var dataDir string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE --data-dir DIR",
		Short: "Restore a backup into a data directory and rebuild its search index (offline)",
		Long: `Restore a backup taken by kite backup into a data directory: its checksum,
header and schema are verified and its pages checked before anything is
replaced; then the search index is rebuilt from the restored store. A
directory that already holds a store or an index is refused unless
--force. Run it while no kite serve uses the directory. FILE - reads
standard input.`,
		Example: "  kite restore /backups/kite.backup --data-dir /data",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dataDir == "" {
				return usageErrorf("name the directory to restore into with --data-dir")
			}
			return restore(cmd.Context(), args[0], dataDir, force, cmd.InOrStdin(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", envValue(env, "KITE_DATA_DIR"), "data directory to restore into (env KITE_DATA_DIR)")
	f.BoolVar(&force, "force", false, "replace the store and index the directory holds")
	return cmd
}

func restore(ctx context.Context, file, dataDir string, force bool, stdin io.Reader, out io.Writer) error {
	r, closeInput, err := openInput(file, stdin)
	if err != nil {
		return err
	}
	defer closeInput()
	if force {
		// A running server would go on writing the file being replaced.
		if err := ensureUnused(dataDir); err != nil {
			return err
		}
	}
	info, err := store.Restore(r, dataDir, force)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s: revision %d of store %s, taken %s\n", filepath.Join(dataDir, store.FileName), info.Rev, info.StoreID, info.TakenAt.Format(time.RFC3339))
	return reindex(ctx, dataDir, out)
}

// ensureUnused fails when a Kite holds the data directory's store.
func ensureUnused(dataDir string) error {
	busy, err := store.InUse(dataDir)
	if err != nil {
		return err
	}
	if busy {
		return kite.Errorf(kite.EUNAVAILABLE, "data directory %s is in use by another Kite process: stop it before restoring into it", dataDir)
	}
	return nil
}

// openInput opens the file a command reads, or stdin for "-".
func openInput(name string, stdin io.Reader) (io.Reader, func(), error) {
	if name == "-" {
		return stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { _ = f.Close() }, nil
}
