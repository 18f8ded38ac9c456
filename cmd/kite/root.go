package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// Exit codes, stable for scripts.
const (
	exitOK       = 0
	exitError    = 1
	exitUsage    = 2
	exitNotFound = 3
	// exitDenied: the server did not accept the caller's credentials, or
	// the cluster's RBAC does not let them do that.
	exitDenied = 4
)

// lookupEnv reads one environment variable; tests pass their own.
type lookupEnv func(string) (string, bool)

// run executes the command line and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, env lookupEnv) int {
	root := newRootCmd(env)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// Cobra adds its completion command on Execute, writing to the output
	// set by then; added here, after SetOut, it is a group command
	// strictUsage sees like the others.
	root.InitDefaultCompletionCmd()
	strictUsage(root)
	err := root.Execute()
	if err != nil {
		fmt.Fprintf(stderr, "kite: %v\n", err)
		if hint := deniedHint(err); hint != "" {
			fmt.Fprintf(stderr, "kite: %s\n", hint)
		}
	}
	return exitCode(err)
}

// exitCode maps an error to the documented exit codes by its type.
func exitCode(err error) int {
	var ue usageError
	var be *bulkError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.As(err, &be):
		return be.exitCode()
	case kite.ErrorCode(err) == kite.ENOTFOUND:
		return exitNotFound
	case kite.ErrorCode(err) == kite.EUNAUTHENTICATED, kite.ErrorCode(err) == kite.EFORBIDDEN:
		return exitDenied
	}
	return exitError
}

// errNotAllowed is kite auth can-i's "no": exit code 4, as kubectl auth
// can-i exits non-zero, without a hint (the answer is the output).
var errNotAllowed = &kite.Error{Code: kite.EFORBIDDEN, Message: "not allowed"}

// deniedHint says what to do about a refusal, in a line after the error.
func deniedHint(err error) string {
	if errors.Is(err, errNotAllowed) {
		return ""
	}
	var be *bulkError
	if errors.As(err, &be) {
		for _, f := range be.failed {
			if hint := deniedHint(f); hint != "" {
				return hint
			}
		}
		return ""
	}
	switch kite.ErrorCode(err) {
	case kite.EUNAUTHENTICATED:
		return "the server did not accept your credentials: log in to the cluster again (your kubeconfig's), or pass --token / KITE_TOKEN"
	case kite.EFORBIDDEN:
		return "the cluster's RBAC does not allow this: ask for the kite-issues roles (view, edit or admin) in that namespace (docs/security.md)"
	}
	return ""
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
	root.AddCommand(newServeCmd(env), newWatchCmd(env), newIssuesCmd(env), newTUICmd(env), newConfigCmd(env), newAuthCmd(env), newSilencesCmd(env), newReindexCmd(env), newCheckCmd(env), newCompactCmd(env), newBackupCmd(env), newRestoreCmd(env), newRetentionCmd(env), newExportCmd(env), newImportCmd(env), newNotifyCmd(env), newBenchCmd(env), newVersionCmd())
	return root
}
