package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// runNoEnv runs a command line with an empty environment.
func runNoEnv(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, nil, &out, &errb, func(string) (string, bool) { return "", false })
	return code, out.String(), errb.String()
}

func TestUsageMistakesExitTwo(t *testing.T) {
	c := newCLI(t)
	for _, args := range [][]string{
		{"issues", "get"},                     // too few arguments
		{"issues", "get", "a", "b"},           // too many
		{"issues", "relate", "a"},             // exactly two needed
		{"config", "set", "server"},           // exactly two needed
		{"version", "extra"},                  // none taken
		{"issues", "list", "--limit", "many"}, // a flag value of the wrong type
		{"issues", "list", "--bogus"},         // an unknown flag
		{"issues", "list", "-o", "xml"},       // a flag value out of range
		{"issues", "list", "--severity", "dire"},
	} {
		code, _, errs := c.run(args...)
		assert.Equal(t, exitUsage, code, "%q: %s", args, errs)
	}
}

// An error from elsewhere that reads like one of cobra's (the OS's
// "invalid argument") is an error, not a usage mistake.
func TestErrorsThatReadLikeUsageExitOne(t *testing.T) {
	code, _, errs := runNoEnv("reindex", "--data-dir", "kite\x00data")
	assert.Contains(t, errs, "invalid argument")
	assert.Equal(t, exitError, code, errs)
}

func TestMistypedSubcommandsAreSuggested(t *testing.T) {
	for _, tc := range []struct {
		args         []string
		typed, meant string
		group        string
	}{
		{[]string{"issues", "reslove", "0190a1b2"}, "reslove", "resolve", "kite issues"}, //nolint:misspell // the typo is the point
		{[]string{"issue", "-n", "team-a", "lisst"}, "lisst", "list", "kite issues"},
		{[]string{"config", "sett", "server", "https://kite.example"}, "sett", "set", "kite config"},
		{[]string{"isues"}, "isues", "issues", "kite"},
		{[]string{"completion", "bsh"}, "bsh", "bash", "kite completion"},
	} {
		code, out, errs := runNoEnv(tc.args...)
		assert.Equal(t, exitUsage, code, "%q", tc.args)
		assert.Empty(t, out, "%q: no help on stdout", tc.args)
		assert.Contains(t, errs, fmt.Sprintf("unknown command %q for %q", tc.typed, tc.group), "%q", tc.args)
		assert.Contains(t, errs, "Did you mean this?\n\t"+tc.meant+"\n", "%q", tc.args)
	}
}

// A group command alone still shows its help.
func TestGroupCommandAloneShowsHelp(t *testing.T) {
	for _, group := range []string{"issues", "config", "completion"} {
		code, out, errs := runNoEnv(group)
		assert.Equal(t, exitOK, code, errs)
		assert.Contains(t, out, "Available Commands:", group)
	}
}
