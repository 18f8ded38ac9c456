package main

import (
	"context"
	"io"
	"log/slog"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// logFlags are the --log-format and --log-level of long-running commands.
type logFlags struct {
	format, level string
}

func (l *logFlags) register(cmd *cobra.Command, env lookupEnv) {
	cmd.Flags().StringVar(&l.format, "log-format", envOr(env, "KITE_LOG_FORMAT", "text"), "log format: text or json")
	cmd.Flags().StringVar(&l.level, "log-level", envOr(env, "KITE_LOG_LEVEL", "info"), "log level: debug, info, warn or error")
}

// runDaemon runs a long-running command: its logger from the flags, and a
// context that SIGTERM or SIGINT ends.
func (l *logFlags) runDaemon(cmd *cobra.Command, fn func(context.Context, *slog.Logger) error) error {
	log, err := newLogger(cmd.ErrOrStderr(), l.format, l.level)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	return fn(ctx, log)
}

// newLogger builds the process logger from --log-format and --log-level.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("invalid --log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, usageErrorf("invalid --log-format %q: use text or json", format)
	}
}
