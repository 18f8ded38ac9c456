package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// actorFlag is --as: who a change is recorded as. With authentication the
// server records the authenticated user whatever it says; without, it is
// this, by default the local user, so that a change is never by "api".
func (c *issueCmds) actorFlag(cmd *cobra.Command, p *string, what string) {
	cmd.Flags().StringVar(p, "as", "", what+" (default: the authenticated user, or $USER without authentication)")
}

// actor is --as, else $USER.
func (c *issueCmds) actor(as string) string {
	if as != "" {
		return as
	}
	u, _ := c.env("USER")
	return u
}

func (c *issueCmds) ackCmd(on bool) *cobra.Command {
	use, short := "ack", "Acknowledge issues: say you are on them"
	if !on {
		use, short = "unack", "Clear the acknowledgement of issues"
	}
	var as string
	cmd := c.eachID(use, short, func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.Acknowledge(ctx, id, on, c.actor(as))
	})
	c.actorFlag(cmd, &as, "who acknowledges")
	return cmd
}

func (c *issueCmds) assignCmd() *cobra.Command {
	var as, to string
	cmd := c.eachID("assign", "Assign issues to a user or a team", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.Assign(ctx, id, to, c.actor(as))
	})
	cmd.Flags().StringVar(&to, "to", "", "the user or team name to assign them to (required)")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		if to == "" {
			return usageErrorf("--to is required: the user or team to assign to (kite issues unassign removes an assignee)")
		}
		return nil
	}
	c.actorFlag(cmd, &as, "who assigns")
	return cmd
}

func (c *issueCmds) unassignCmd() *cobra.Command {
	var as string
	cmd := c.eachID("unassign", "Unassign issues", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.Assign(ctx, id, "", c.actor(as))
	})
	c.actorFlag(cmd, &as, "who unassigns")
	return cmd
}

func (c *issueCmds) commentCmd() *cobra.Command {
	var as, message, edit, del string
	cmd := &cobra.Command{
		Use:   "comment ID",
		Short: "Comment on an issue (Markdown), or edit or delete one of your comments",
		Long: `Comment on an issue. The text is -m, or standard input with -m - (or when
-m is not given and standard input is not a terminal). --edit COMMENT-ID
replaces the text of one of your comments; --delete COMMENT-ID deletes one.`,
		Example: "  kite issues comment 01a2... -m 'OOMKilled on node 3: raising the limit'\n  git log -1 --format=%B | kite issues comment 01a2... -m -",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if edit != "" && del != "" {
				return usageErrorf("--edit and --delete go alone")
			}
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			ctx, id, who := cmd.Context(), args[0], c.actor(as)
			if del != "" {
				if err := s.client.DeleteComment(ctx, id, del, who); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "comment %s deleted\n", del)
				return nil
			}
			text, err := commentText(cmd, message)
			if err != nil {
				return err
			}
			var cm *kite.Comment
			if edit != "" {
				cm, err = s.client.EditComment(ctx, id, edit, text, who)
			} else {
				cm, err = s.client.AddComment(ctx, id, text, who)
			}
			if err != nil {
				return err
			}
			return s.print.comments([]kite.Comment{*cm})
		},
	}
	cmd.Flags().StringVarP(&message, "message", "m", "", "the comment's text; - reads it from standard input")
	cmd.Flags().StringVar(&edit, "edit", "", "replace the text of this comment of yours")
	cmd.Flags().StringVar(&del, "delete", "", "delete this comment of yours")
	c.actorFlag(cmd, &as, "who writes it")
	return cmd
}

// commentText is -m, or standard input for "-" or when it is piped in.
func commentText(cmd *cobra.Command, message string) (string, error) {
	in := cmd.InOrStdin()
	if message == "" {
		if f, ok := in.(*os.File); ok && isTerminal(f) {
			return "", usageErrorf("give the comment with -m TEXT (or -m - to read it from standard input)")
		}
		message = "-"
	}
	if message != "-" {
		return message, nil
	}
	b, err := io.ReadAll(io.LimitReader(in, kite.MaxCommentLen+1))
	if err != nil {
		return "", fmt.Errorf("read the comment: %w", err)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

func (c *issueCmds) commentsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "comments ID",
		Short: "Show an issue's comments, oldest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			list, err := s.client.Comments(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return s.print.comments(list)
		},
	}
}

// comments prints comments: a table of their first lines, or all of them
// in JSON and YAML.
func (p *printer) comments(list []kite.Comment) error {
	if done, err := dataOrNames(p, list, func(c kite.Comment) string { return c.ID }); done {
		return err
	}
	var t table
	t.row("ID", "AUTHOR", "TIME", "TEXT")
	for _, c := range list {
		when := c.CreatedAt.Format(time.RFC3339)
		if c.EditedAt != nil {
			when += " (edited)"
		}
		t.row(c.ID, c.Author, when, kite.CommentSummary(c.Text))
	}
	return t.write(p.out)
}

func (c *issueCmds) snoozeCmd() *cobra.Command {
	var as, until string
	var occurrences int64
	var escalating bool
	var req kite.SnoozeRequest
	cmd := c.eachID("snooze", "Snooze issues until a time, more occurrences, or a rise in severity", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.Snooze(ctx, id, req, c.actor(as))
	})
	cmd.Example = "  kite issues snooze ID --for 2h\n  kite issues snooze ID --occurrences 10 --escalating"
	cmd.Flags().StringVar(&until, "for", "", "how long: 30m, 2h, 7d, or an RFC 3339 time to wake at")
	cmd.Flags().Int64Var(&occurrences, "occurrences", 0, "wake after this many more occurrences")
	cmd.Flags().BoolVar(&escalating, "escalating", false, "wake when a report raises the severity")
	cmd.PreRunE = func(*cobra.Command, []string) error {
		req = kite.SnoozeRequest{Occurrences: occurrences, Escalating: escalating}
		if until != "" {
			t, err := kite.ParseUntil("for", until, time.Now())
			if err != nil {
				return usageErrorf("--for: %s", kite.ErrorDetails(err))
			}
			req.Until = &t
		}
		if err := req.Check(time.Now()); err != nil {
			return usageErrorf("give --for, --occurrences or --escalating (%s)", kite.ErrorDetails(err))
		}
		return nil
	}
	c.actorFlag(cmd, &as, "who snoozes")
	return cmd
}

func (c *issueCmds) unsnoozeCmd() *cobra.Command {
	var as string
	cmd := c.eachID("unsnooze", "End the snooze of issues", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.Unsnooze(ctx, id, c.actor(as))
	})
	c.actorFlag(cmd, &as, "who ends it")
	return cmd
}
