package main

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

func (c *issueCmds) logsCmd() *cobra.Command {
	var tkn, print bool
	cmd := &cobra.Command{
		Use:   "logs ID",
		Short: "Open an issue's log link, print it, or show the run's logs with tkn",
		Long: `Open the issue's log link (its failure's log URL, else its "Pipeline Run
Logs" link, else its first link) with the platform's opener when standard
output is a terminal, else print it. --tkn runs "tkn pipelinerun logs" for
the failed run instead (a run the watcher reported: the original operator
names runs by UID, which tkn cannot look up).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			is, err := s.client.GetIssue(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if tkn {
				return tknLogs(cmd, is)
			}
			link := is.LogLink()
			if link == "" {
				return kite.Errorf(kite.ENOTFOUND, "issue %s has no log link", is.ID)
			}
			if !print && isTerminal(cmd.OutOrStdout()) {
				if opener := platformOpener(); opener != "" {
					if err := exec.CommandContext(cmd.Context(), opener, link).Start(); err == nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "opened %s\n", link)
						return nil
					}
				}
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), link)
			return err
		},
	}
	cmd.Flags().BoolVar(&tkn, "tkn", false, "run tkn pipelinerun logs for the failed run")
	cmd.Flags().BoolVar(&print, "print", false, "print the link, even on a terminal")
	return cmd
}

func tknLogs(cmd *cobra.Command, is *kite.Issue) error {
	if is.Failure == nil || is.Failure.RunID == "" {
		return kite.Errorf(kite.ENOTFOUND, "issue %s names no run", is.ID)
	}
	if _, err := uuid.Parse(is.Failure.RunID); err == nil {
		return kite.Errorf(kite.EINVALID, "issue %s names its run by UID (%s), which tkn cannot look up: use kite issues logs %s", is.ID, is.Failure.RunID, is.ID)
	}
	path, err := exec.LookPath("tkn")
	if err != nil {
		return kite.Errorf(kite.EUNAVAILABLE, "tkn is not installed (it is Tekton's CLI): kite issues logs %s prints the log link", is.ID)
	}
	run := exec.CommandContext(cmd.Context(), path, "pipelinerun", "logs", is.Failure.RunID, "-n", is.Namespace)
	run.Stdout, run.Stderr = cmd.OutOrStdout(), cmd.ErrOrStderr()
	return run.Run()
}

// platformOpener is the command that opens a URL in the user's browser.
func platformOpener() string {
	name := "xdg-open"
	if runtime.GOOS == "darwin" {
		name = "open"
	}
	if _, err := exec.LookPath(name); err != nil {
		return ""
	}
	return name
}
