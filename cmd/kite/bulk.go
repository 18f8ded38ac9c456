package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// eachID makes a command that applies fn to every id argument (resolve,
// reopen, delete). One bad id does not stop the others: every id is tried,
// what was done goes to stdout (the changed issues, or for an issue fn
// removed, its id), each failure to stderr with its id, and the command
// fails at the end if any id did.
func (c *issueCmds) eachID(use, short string, fn func(ctx context.Context, s *session, id string) (*kite.Issue, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use + " ID...",
		Short: short,
		Long: short + `.

Every ID is tried, even after one fails: the results go to stdout, each
failure to stderr with its ID. Exit codes: 0 when every ID succeeded, 3 when
every failure was an issue not found, 4 when the others were not allowed
(you may read the issue but not change it), 1 when anything else failed, 2
for usage.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			var done []*kite.Issue
			var failed []error
			for _, id := range args {
				is, err := fn(cmd.Context(), s, id)
				switch {
				case err != nil:
					failed = append(failed, err)
					fmt.Fprintf(cmd.ErrOrStderr(), "kite: %s %s: %v\n", use, id, err)
				case is != nil:
					done = append(done, is)
				default:
					if err := s.print.removed(id, use+"d"); err != nil {
						return err
					}
				}
			}
			if len(done) > 0 {
				if err := s.print.issues(done); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return &bulkError{op: use, total: len(args), failed: failed}
			}
			return nil
		},
	}
}

// bulkError is the outcome of a command on several ids some of which
// failed; each failure was already reported with its id.
type bulkError struct {
	op     string
	total  int
	failed []error
}

func (e *bulkError) Error() string {
	return fmt.Sprintf("%s: %d of %d failed", e.op, len(e.failed), e.total)
}

// exitCode is "not found" when every failure was an issue not found (the
// ids were wrong, or the issues already gone), which a script may accept;
// "not allowed" when the others were refusals (the caller reads the issue
// but may not change it, or its credentials were rejected), which the
// caller fixes by asking for a role; and "error" when anything else
// failed.
func (e *bulkError) exitCode() int {
	code := exitNotFound
	for _, err := range e.failed {
		switch kite.ErrorCode(err) {
		case kite.ENOTFOUND:
		case kite.EFORBIDDEN, kite.EUNAUTHENTICATED:
			code = exitDenied
		default:
			return exitError
		}
	}
	return code
}
