package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/store"
)

func newExportCmd(env lookupEnv) *cobra.Command {
	var dataDir, file, query string
	var namespaces []string
	cmd := &cobra.Command{
		Use:   "export --data-dir DIR",
		Short: "Write issues with their timelines, comments, links and relations as JSON Lines (offline)",
		Long: `Write every issue of a data directory, or those of --namespace and
matching --query, one JSON object a line: {"issue": ..., "timeline": [...],
"comments": [...]}, the issue with its links and relations. A readable dump
of the store's binary records, and the input of a later import.

--query filters as the event stream does (kite.Query.Matches): fields mean
what they mean in a search; words and phrases are found as case-insensitive
substrings of the issue's text. Run it while no kite serve uses the
directory, or on a copy (kite backup, kite restore).`,
		Example: "  kite export --data-dir /data -o issues.jsonl\n  kite export --data-dir /data --namespace team-a --query 'is:resolved resolved:<2026-01-01'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := kite.ParseQuery(query, time.Now())
			if err != nil {
				return usageError{err}
			}
			w := cmd.OutOrStdout()
			var f *os.File
			if file != "" && file != "-" {
				if f, err = os.Create(file); err != nil {
					return err
				}
				defer func() { _ = f.Close() }()
				w = f
			}
			n, err := export(cmd.Context(), dataDir, namespaces, q, w)
			if err == nil && f != nil {
				err = f.Close()
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "exported %d issue(s)\n", n)
			return nil
		},
	}
	f := cmd.Flags()
	dataDirFlag(f, env, &dataDir)
	f.StringVarP(&file, "output", "o", "", "file to write (default: standard output)")
	f.StringSliceVar(&namespaces, "namespace", nil, "only these namespaces (repeatable or comma-separated); default: all")
	f.StringVarP(&query, "query", "q", "", "only the issues that match this query")
	return cmd
}

// export writes the matching issues of dataDir as JSON Lines and returns
// how many it wrote.
func export(ctx context.Context, dataDir string, namespaces []string, q *kite.Query, w io.Writer) (int, error) {
	s, err := store.Open(store.Options{Dir: dataDir, LockTimeout: time.Second})
	if err != nil {
		return 0, err
	}
	defer func() { _ = s.Close() }()
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	err = s.ScanIssues(ctx, 500, func(page []*kite.Issue) error {
		for _, is := range page {
			if len(namespaces) > 0 && !slices.Contains(namespaces, is.Namespace) || !q.Matches(is) {
				continue
			}
			rec, err := exportRecord(ctx, s, is.ID)
			if err != nil {
				return err
			}
			if err := enc.Encode(rec); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return n, err
	}
	return n, s.Close()
}

func exportRecord(ctx context.Context, s *store.Store, id string) (*kite.ExportRecord, error) {
	is, err := s.GetIssue(ctx, id) // with its relations
	if err != nil {
		return nil, err
	}
	rec := &kite.ExportRecord{Issue: is}
	if rec.Timeline, err = s.Timeline(ctx, id); err != nil {
		return nil, err
	}
	if rec.Comments, err = s.Comments(ctx, id); err != nil {
		return nil, err
	}
	return rec, nil
}
