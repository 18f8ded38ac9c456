package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks a mistake in how a command was called (exit code 2):
// an unknown command or flag, a wrong number of arguments, an invalid flag
// value. The exit code is chosen by this type, never by an error's text,
// so that an error from elsewhere that happens to read like cobra's (an OS
// error's "invalid argument") is not taken for one.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// suggestionDistance is how many edits a mistyped subcommand may be from
// the one suggested for it: cobra's default, which only its root applies.
const suggestionDistance = 2

// strictUsage makes every command of the tree under cmd report its
// argument mistakes as usage errors: cobra returns its own (wrong argument
// counts, unknown commands) as plain errors. (Flag errors become usage
// errors through the root's flag error func.) Run it once the tree is
// complete.
func strictUsage(cmd *cobra.Command) {
	switch {
	case cmd.HasSubCommands() && !cmd.Runnable():
		// Cobra prints a group command's help and succeeds whatever
		// arguments follow it, so a mistyped subcommand would pass
		// unnoticed: a group with a Run gets its arguments checked.
		cmd.Args = unknownSubcommand
		cmd.SuggestionsMinimumDistance = suggestionDistance
		cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	case cmd.Args != nil:
		check := cmd.Args
		cmd.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		strictUsage(sub)
	}
}

// unknownSubcommand is the argument check of a group command: any
// argument is a subcommand it does not have, answered with cobra's
// suggestions of the ones it does.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	return usageErrorf("%s", msg)
}
