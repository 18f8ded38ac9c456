package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite/service"
)

func newReindexCmd(env lookupEnv) *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index of a data directory from its records (offline)",
		Long: `Rebuild the search index from the store's records. Run it while no
kite serve uses the data directory (the store's lock refuses otherwise).
kite serve rebuilds a missing or outdated index by itself; this command
does it ahead of time and shows its progress.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return reindex(cmd.Context(), dataDir, cmd.ErrOrStderr())
		},
	}
	dataDirFlag(cmd.Flags(), env, &dataDir)
	return cmd
}

func reindex(ctx context.Context, dataDir string, out io.Writer) error {
	if _, err := os.Stat(dataDir); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	start := time.Now()
	// The service discards the index only once it holds the store's lock,
	// so a running server is never left without its index.
	svc, err := service.Open(service.Options{
		Dir: dataDir, Logger: slog.New(slog.DiscardHandler), LockTimeout: time.Second, RebuildIndex: true,
	})
	if err != nil {
		return err
	}
	defer func() { _ = svc.Close() }() // on early return; closing twice is harmless
	// On a terminal the bar redraws in place; in a log, a line every few
	// seconds. Either way the command ends as soon as the index is ready.
	every, lineEnd := 5*time.Second, "\n"
	if isTerminal(out) {
		every, lineEnd = 250*time.Millisecond, "\r"
	}
	draw := time.NewTicker(every)
	defer draw.Stop()
	err = awaitReady(ctx, svc, draw.C, func(p service.Progress) {
		fmt.Fprint(out, progressLine(p, time.Now())+lineEnd)
	})
	if err != nil {
		return err
	}
	n, err := svc.Count()
	if err != nil {
		return err
	}
	took := time.Since(start)
	if lineEnd == "\r" {
		fmt.Fprintf(out, "%s\r", strings.Repeat(" ", 78))
	}
	fmt.Fprintf(out, "indexed %d issues in %s (%.0f/s), peak memory %s\n",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), peakRSS())
	return svc.Close()
}

// rebuildState is what reindex watches of the service: its readiness and
// the progress of its rebuild.
type rebuildState interface {
	ReadyC() <-chan struct{}
	RebuildProgress() *service.Progress
}

// awaitReady returns once svc's index is ready, or with ctx's error,
// passing the rebuild's progress to show at every tick of draw. It ends as
// soon as the index is ready, whatever the pace of the display.
func awaitReady(ctx context.Context, svc rebuildState, draw <-chan time.Time, show func(service.Progress)) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-svc.ReadyC():
			return nil
		case <-draw:
			if p := svc.RebuildProgress(); p != nil {
				show(*p)
			}
		}
	}
}

// progressLine renders one line of rebuild progress: a bar, items, rate
// and the time left at that rate.
func progressLine(p service.Progress, now time.Time) string {
	const width = 30
	frac := 0.0
	if p.Total > 0 {
		frac = min(float64(p.Done)/float64(p.Total), 1)
	}
	filled := int(frac * width)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	elapsed := now.Sub(p.Started).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.Done) / elapsed
	}
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(p.Total-p.Done)/rate) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s] %3.0f%% %d/%d issues  %.0f/s  ETA %s ", bar, frac*100, p.Done, p.Total, rate, eta)
}

// peakRSS reads the process's peak resident memory from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
