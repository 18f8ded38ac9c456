package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// Exit codes, stable for scripts.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotFound = 3
)

// lookupEnv reads one environment variable; tests pass their own.
type lookupEnv func(string) (string, bool)

// usageError marks a mistake in how a command was called (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// run executes the command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env lookupEnv) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "kite: %v\n", err)
	var ue usageError
	switch {
	case errors.As(err, &ue) || isCobraUsageError(err):
		return exitUsage
	case kite.ErrorCode(err) == kite.ENOTFOUND:
		return exitNotFound
	}
	return exitError
}

// isCobraUsageError recognises cobra's own argument and flag errors, which
// it returns as plain errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "accepts ", "requires ", "flag needs an argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

func newRootCmd(env lookupEnv) *cobra.Command {
	root := &cobra.Command{
		Use:   "kite",
		Short: "Kite tracks the issues that disrupt applications on a Konflux cluster",
		Long: `Kite detects, creates and tracks issues from failed Tekton PipelineRuns,
release pipelines, dependency updates and cluster incidents. One binary:
"kite serve" runs the server, the other commands talk to one.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	if invokedAs == pluginName {
		// Help and completion then speak of "kubectl kite ...".
		root.Use = pluginName
		root.Annotations = map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl kite"}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(newServeCmd(env), newWatchCmd(env), newIssuesCmd(env), newTUICmd(env), newConfigCmd(env), newReindexCmd(env), newBenchCmd(), newVersionCmd())
	return root
}
