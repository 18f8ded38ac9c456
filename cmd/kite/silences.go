package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// silenceCmds are kite silences, shaped like amtool's silence commands.
type silenceCmds struct{ issueCmds }

func newSilencesCmd(env lookupEnv) *cobra.Command {
	c := &silenceCmds{issueCmds{env: env, clientOptions: clientOptions{env: env}}}
	cmd := &cobra.Command{
		Use:     "silences",
		Aliases: []string{"silence"},
		Short:   "Mute the issues that match a query, for a while",
		Long: `A silence mutes the issues of its namespaces that match a query in Kite's
language, from its start to its end: they are still recorded (occurrences,
last seen, failure) but leave the default triage views. Silences start and
end by themselves; expire one to end it now.`,
	}
	c.register(cmd)
	cmd.AddCommand(c.listCmd(), c.createCmd(), c.updateCmd(), c.expireCmd(), c.previewCmd())
	return cmd
}

// spec is what create, update and preview read from their flags.
type silenceSpec struct {
	namespaces      []string
	forSpan, until  string
	starts, comment string
	as              string
	set             func(name string) bool
}

func (c *silenceCmds) specFlags(cmd *cobra.Command, sp *silenceSpec, times bool) {
	f := cmd.Flags()
	f.StringSliceVar(&sp.namespaces, "namespaces", nil, "the namespaces it applies to, comma-separated (default: -n)")
	if times {
		f.StringVar(&sp.forSpan, "for", "", "how long it lasts from its start: 30m, 2h, 7d")
		f.StringVar(&sp.until, "until", "", "when it ends (RFC 3339)")
		f.StringVar(&sp.starts, "starts", "", "when it starts (RFC 3339; default now)")
		f.StringVarP(&sp.comment, "comment", "c", "", "why (required)")
		c.actorFlag(cmd, &sp.as, "who creates it")
	}
	sp.set = f.Changed
}

// request builds a silence request from the flags over base (an existing
// silence's, for update).
func (c *silenceCmds) request(sp *silenceSpec, query []string, base kite.SilenceRequest) (kite.SilenceRequest, error) {
	r := base
	if len(query) > 0 {
		r.Query = strings.Join(query, " ")
	}
	switch {
	case len(sp.namespaces) > 0:
		r.Namespaces = sp.namespaces
	case len(r.Namespaces) == 0:
		ns, err := c.resolveNamespace()
		if err != nil {
			return r, err
		}
		r.Namespaces = []string{ns}
	}
	if sp.set("comment") {
		r.Comment = sp.comment
	}
	now := time.Now().UTC()
	if sp.starts != "" {
		t, err := kite.ParseTime("starts", sp.starts)
		if err != nil {
			return r, usageErrorf("--starts: %s", kite.ErrorDetails(err))
		}
		r.StartsAt = &t
	}
	switch {
	case sp.forSpan != "" && sp.until != "":
		return r, usageErrorf("give --for or --until, not both")
	case sp.forSpan != "":
		from := now
		if r.StartsAt != nil {
			from = *r.StartsAt
		}
		t, err := kite.ParseUntil("for", sp.forSpan, from)
		if err != nil {
			return r, usageErrorf("--for: %s", kite.ErrorDetails(err))
		}
		r.EndsAt = t
	case sp.until != "":
		t, err := kite.ParseTime("until", sp.until)
		if err != nil {
			return r, usageErrorf("--until: %s", kite.ErrorDetails(err))
		}
		r.EndsAt = t
	}
	return r, nil
}

func (c *silenceCmds) listCmd() *cobra.Command {
	var states []string
	var namespaces []string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the silences of namespaces, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			f := kite.SilenceFilter{Namespaces: namespaces}
			if len(f.Namespaces) == 0 {
				f.Namespaces = []string{s.ns}
			}
			for _, st := range states {
				f.States = append(f.States, kite.SilenceState(st))
			}
			list, err := s.client.Silences(cmd.Context(), f)
			if err != nil {
				return err
			}
			return s.print.silences(list)
		},
	}
	cmd.Flags().StringSliceVar(&states, "state", nil, "only these states: pending, active, expired")
	cmd.Flags().StringSliceVar(&namespaces, "namespaces", nil, "namespaces, comma-separated (default: -n)")
	return cmd
}

func (c *silenceCmds) createCmd() *cobra.Command {
	sp := &silenceSpec{}
	cmd := &cobra.Command{
		Use:     "create QUERY...",
		Aliases: []string{"add"},
		Short:   "Create a silence",
		Example: "  kite silences create -n team-a 'reason:timeout scope:e2e-nightly' --for 2h -c 'the e2e cluster is being upgraded'",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			r, err := c.request(sp, args, kite.SilenceRequest{})
			if err != nil {
				return err
			}
			if r.EndsAt.IsZero() {
				return usageErrorf("give --for or --until")
			}
			return s.printSilence(s.client.CreateSilence(cmd.Context(), r, c.actor(sp.as)))
		},
	}
	c.specFlags(cmd, sp, true)
	return cmd
}

func (c *silenceCmds) updateCmd() *cobra.Command {
	sp := &silenceSpec{}
	cmd := &cobra.Command{
		Use:   "update ID [QUERY...]",
		Short: "Change a silence: its query, namespaces, times or comment",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			old, err := s.client.GetSilence(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			start := old.StartsAt
			base := kite.SilenceRequest{Namespaces: old.Namespaces, Query: old.Query, StartsAt: &start, EndsAt: old.EndsAt, Comment: old.Comment}
			if start.Before(time.Now()) {
				base.StartsAt = nil // started: it goes on from now
			}
			r, err := c.request(sp, args[1:], base)
			if err != nil {
				return err
			}
			return s.printSilence(s.client.UpdateSilence(cmd.Context(), args[0], r, c.actor(sp.as)))
		},
	}
	c.specFlags(cmd, sp, true)
	return cmd
}

func (c *silenceCmds) expireCmd() *cobra.Command {
	var as string
	cmd := &cobra.Command{
		Use:   "expire ID...",
		Short: "End silences now",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			var done []kite.Silence
			var failed []error
			for _, id := range args {
				sl, err := s.client.ExpireSilence(cmd.Context(), id, c.actor(as))
				if err != nil {
					failed = append(failed, err)
					fmt.Fprintf(cmd.ErrOrStderr(), "kite: expire %s: %v\n", id, err)
					continue
				}
				done = append(done, *sl)
			}
			if len(done) > 0 {
				if err := s.print.silences(done); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return &bulkError{op: "expire", total: len(args), failed: failed}
			}
			return nil
		},
	}
	c.actorFlag(cmd, &as, "who expires them")
	return cmd
}

func (c *silenceCmds) previewCmd() *cobra.Command {
	sp := &silenceSpec{}
	var limit int
	cmd := &cobra.Command{
		Use:   "preview QUERY...",
		Short: "Show the issues a silence would mute now",
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			r, err := c.request(sp, args, kite.SilenceRequest{})
			if err != nil {
				return err
			}
			issues, total, err := s.client.PreviewSilence(cmd.Context(), r, limit)
			if err != nil {
				return err
			}
			if err := s.print.issues(issues); err != nil {
				return err
			}
			if s.print.format != "json" && s.print.format != "yaml" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d issue(s) would be muted\n", total)
			}
			return nil
		},
	}
	c.specFlags(cmd, sp, false)
	cmd.Flags().IntVar(&limit, "limit", 50, "issues to show")
	return cmd
}

// printSilence prints the silence a write answered, or its error.
func (s *session) printSilence(sl *kite.Silence, err error) error {
	if err != nil {
		return err
	}
	return s.print.silences([]kite.Silence{*sl})
}

// silences prints silences.
func (p *printer) silences(list []kite.Silence) error {
	if done, err := dataOrNames(p, list, func(s kite.Silence) string { return s.ID }); done {
		return err
	}
	var t table
	t.row("ID", "STATE", "NAMESPACES", "ENDS", "BY", "QUERY", "COMMENT")
	for _, s := range list {
		ends := s.EndsAt.Format(time.RFC3339)
		if s.State == kite.SilencePending {
			ends = "starts " + s.StartsAt.Format(time.RFC3339)
		}
		t.row(s.ID, string(s.State), strings.Join(s.Namespaces, ","), ends, s.CreatedBy, s.Query, kite.CommentSummary(s.Comment))
	}
	return t.write(p.out)
}
