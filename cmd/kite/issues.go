package main

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
)

// issueCmds holds what the kite issues subcommands share.
type issueCmds struct {
	env lookupEnv
	clientOptions
}

func newIssuesCmd(env lookupEnv) *cobra.Command {
	c := &issueCmds{env: env, clientOptions: clientOptions{env: env}}
	cmd := &cobra.Command{
		Use:     "issues",
		Aliases: []string{"issue", "i"},
		Short:   "List, search, read and change issues on a Kite server",
		Long: `The client commands talk to a Kite server (--server, KITE_SERVER or kite
config set server). The namespace is -n, else the current kubeconfig
context's, else kite config's, else "default". -o picks the output: table
(coloured on a terminal unless NO_COLOR is set), wide, json, yaml or name
(ids, one per line). Only data goes to stdout; notices go to stderr.

Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 not allowed (credentials
rejected, or RBAC denies it).`,
	}
	c.register(cmd)
	cmd.AddCommand(c.listCmd(), c.searchCmd(), c.getCmd(), c.createCmd(), c.updateCmd(),
		c.resolveCmd(), c.reopenCmd(), c.deleteCmd(), c.relateCmd(), c.unrelateCmd(), c.timelineCmd(),
		c.ackCmd(true), c.ackCmd(false), c.assignCmd(), c.unassignCmd(), c.commentCmd(), c.commentsCmd(),
		c.snoozeCmd(), c.unsnoozeCmd(), c.logsCmd())
	return cmd
}

// session is one command's client, namespace and printer.
type session struct {
	client *api.Client
	ns     string
	print  *printer
}

func (c *issueCmds) session(cmd *cobra.Command) (*session, error) {
	cl, err := c.client()
	if err != nil {
		return nil, err
	}
	ns, err := c.resolveNamespace()
	if err != nil {
		return nil, err
	}
	return &session{client: cl, ns: ns, print: newPrinter(cmd.OutOrStdout(), c.output, c.env)}, nil
}

func (c *issueCmds) listCmd() *cobra.Command {
	var f kite.IssueFilter
	var all, watch, allNS bool
	var severity, state, issueType string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List a namespace's issues, newest first",
		Example: "  kite issues list -n team-a --state ACTIVE --severity critical\n" +
			"  kite issues list --all -o json | jq '.[].title'",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			f.Namespace, f.Severity, f.State, f.IssueType = s.ns, kite.Severity(severity), kite.State(strings.ToUpper(state)), kite.IssueType(issueType)
			if err := f.Validate(); err != nil {
				return usageErrorf("%s", kite.ErrorDetails(err))
			}
			if allNS {
				// Every namespace at once goes through the search: the
				// same filters, newest detection first.
				namespaces, err := c.allNamespaces(cmd, s)
				if err != nil {
					return err
				}
				query := strings.TrimSpace(filterQuery(f) + " sort:-detected")
				out, err := c.searchPages(cmd, s, kite.SearchRequest{Query: query, Namespaces: namespaces, Limit: f.Limit}, all)
				if err != nil {
					return err
				}
				if err := s.print.issues(out); err != nil {
					return err
				}
				if watch {
					return c.follow(cmd, s, namespaces, filterQuery(f))
				}
				return nil
			}
			var out []*kite.Issue
			for {
				page, err := s.client.ListIssues(cmd.Context(), f)
				if err != nil {
					return err
				}
				out = append(out, page.Issues...)
				end := f.Offset + len(page.Issues)
				if len(page.Issues) == 0 || end >= page.Total {
					break
				}
				if !all {
					notePartial(cmd.ErrOrStderr(), c.output, len(out), strconv.Itoa(page.Total))
					break
				}
				f.Offset = end
			}
			if err := s.print.issues(out); err != nil {
				return err
			}
			if watch {
				return c.follow(cmd, s, []string{s.ns}, filterQuery(f))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&severity, "severity", "", "only this severity (info, minor, major, critical)")
	fl.StringVar(&state, "state", "", "only ACTIVE or RESOLVED issues")
	fl.StringVar(&issueType, "type", "", "only this type (build, test, release, dependency, pipeline)")
	fl.StringVar(&f.ResourceType, "resource-type", "", "only issues of this scope type")
	fl.StringVar(&f.ResourceName, "resource-name", "", "only issues of this scope name")
	fl.StringVar(&f.Search, "search", "", "words the issues must contain")
	fl.IntVar(&f.Limit, "limit", kite.DefaultLimit, "issues per page")
	fl.IntVar(&f.Offset, "offset", 0, "issues to skip")
	fl.BoolVar(&all, "all", false, "fetch every page")
	fl.BoolVarP(&watch, "watch", "w", false, "after the list, print changes as they happen")
	fl.BoolVarP(&allNS, "all-namespaces", "A", false, "every namespace you may read (through the search index)")
	return cmd
}

// filterQuery says a list filter in the query language, for the event
// stream: the same issues as the list, every filter included. Search words
// are quoted, so that identifiers with colons stay words.
func filterQuery(f kite.IssueFilter) string {
	var q []string
	add := func(field, v string) {
		if v != "" {
			q = append(q, field+":"+strconv.Quote(v))
		}
	}
	add("state", string(f.State))
	add("severity", string(f.Severity))
	add("type", string(f.IssueType))
	add("scopeType", f.ResourceType)
	add("scope", f.ResourceName)
	for _, w := range strings.Fields(f.Search) {
		q = append(q, strconv.Quote(w))
	}
	return strings.Join(q, " ")
}

func (c *issueCmds) searchCmd() *cobra.Command {
	var limit int
	var all, watch, allNS bool
	cmd := &cobra.Command{
		Use:   "search QUERY...",
		Short: "Search issues with the query language (docs/search.md)",
		Long: `Search issues with the query language (docs/search.md): words and
phrases, field terms such as severity:>=major, is:active, reason:timeout,
lastSeen:>24h, and sort:. Terms combine with AND, but several ns: terms
mean any of those namespaces (ns:team-a ns:team-b searches both). The
query's ns: terms choose the namespaces unless -n is given (then only -n's
is searched); with neither, the current namespace; -A searches every
namespace you may read.`,
		Example: "  kite issues search -n team-a is:active severity:'>=major' image pull\n" +
			"  kite issues search 'ns:team-a ns:team-b lastSeen:>24h sort:-lastSeen' -o name",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			query := strings.Join(args, " ")
			parsed, err := kite.ParseQuery(query, time.Now())
			if err != nil {
				return usageErrorf("%s", kite.ErrorDetails(err))
			}
			// -n, or the session's namespace when the query names none;
			// the --watch that follows sees the same namespaces.
			req := kite.SearchRequest{Query: query, Limit: limit, Namespaces: parsed.Namespaces()}
			switch {
			case allNS:
				if req.Namespaces, err = c.allNamespaces(cmd, s); err != nil {
					return err
				}
			case len(req.Namespaces) == 0 || c.namespace != "":
				req.Namespaces = []string{s.ns}
			}
			out, err := c.searchPages(cmd, s, req, all)
			if err != nil {
				return err
			}
			if err := s.print.issues(out); err != nil {
				return err
			}
			if watch {
				return c.follow(cmd, s, req.Namespaces, query)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", kite.DefaultLimit, "hits per page")
	cmd.Flags().BoolVar(&all, "all", false, "fetch every page")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "after the results, print changes that match as they happen")
	cmd.Flags().BoolVarP(&allNS, "all-namespaces", "A", false, "every namespace you may read")
	return cmd
}

// searchPages runs a search, following its cursor to the end with all,
// else noting that more pages exist.
func (c *issueCmds) searchPages(cmd *cobra.Command, s *session, req kite.SearchRequest, all bool) ([]*kite.Issue, error) {
	var out []*kite.Issue
	for {
		res, err := s.client.Search(cmd.Context(), req)
		if err != nil {
			return nil, err
		}
		for _, h := range res.Hits {
			out = append(out, h.Issue)
		}
		if res.NextCursor == "" {
			return out, nil
		}
		if !all {
			notePartial(cmd.ErrOrStderr(), c.output, len(out), kite.FormatTotal(res.Total, res.TotalIsLowerBound))
			return out, nil
		}
		req.Cursor = res.NextCursor
	}
}

// allNamespaces are the namespaces with issues the caller may read (-A).
func (c *issueCmds) allNamespaces(cmd *cobra.Command, s *session) ([]string, error) {
	if c.namespace != "" {
		return nil, usageErrorf("-A and -n go alone")
	}
	list, err := s.client.Namespaces(cmd.Context())
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, kite.Errorf(kite.ENOTFOUND, "no namespace you may read holds issues")
	}
	names := make([]string, len(list))
	for i, n := range list {
		names[i] = n.Namespace
	}
	return names, nil
}

// follow prints the changes in namespaces matching query until interrupted, resuming
// after broken connections with growing pauses and starting over (with a
// notice) when the server says changes were missed.
func (c *issueCmds) follow(cmd *cobra.Command, s *session, namespaces []string, query string) error {
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	var after uint64
	backoff := time.Second
	for {
		feed, err := s.client.Subscribe(ctx, kite.ChangeRequest{Namespaces: namespaces, Query: query, After: after})
		if err == nil {
			backoff = time.Second
			for ch := range feed.C {
				after = ch.Rev
				if err := s.print.change(ch); err != nil {
					return err
				}
			}
			err = feed.Err()
		}
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, kite.ErrResync):
			fmt.Fprintln(cmd.ErrOrStderr(), "kite: changes were missed; following from now")
			after = 0
			continue
		case kite.ErrorCode(err) != kite.EUNAVAILABLE:
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "kite: %v; reconnecting in %s\n", err, backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (c *issueCmds) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show one issue",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			is, err := s.client.GetIssue(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return s.print.issue(is)
		},
	}
}

func (c *issueCmds) createCmd() *cobra.Command {
	var r kite.Report
	var severity, issueType, scope string
	var labels map[string]string
	cmd := &cobra.Command{
		Use:     "create",
		Short:   "Report an issue (a report of an open problem updates its issue)",
		Example: "  kite issues create -n team-a --title 'Registry down' --description 'quay.io unreachable' --severity critical --type build --scope component/frontend",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			typ, name, ok := strings.Cut(scope, "/")
			if !ok || typ == "" || name == "" {
				return usageErrorf("--scope must be TYPE/NAME, such as component/frontend")
			}
			r.Namespace, r.Severity, r.IssueType, r.Labels = s.ns, kite.Severity(severity), kite.IssueType(issueType), labels
			r.Scope = kite.Scope{ResourceType: typ, ResourceName: name}
			res, err := s.client.Report(cmd.Context(), r)
			if err != nil {
				return err
			}
			return s.print.issue(res.Issue)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&r.Title, "title", "", "title (required)")
	fl.StringVar(&r.Description, "description", "", "description (required)")
	fl.StringVar(&severity, "severity", "major", "info, minor, major or critical")
	fl.StringVar(&issueType, "type", "", "build, test, release, dependency or pipeline (required)")
	fl.StringVar(&scope, "scope", "", "what failed, as TYPE/NAME (required)")
	fl.StringToStringVar(&labels, "label", nil, "labels, KEY=VALUE (repeatable)")
	fl.StringVar(&r.Key, "key", "", "your own dedupe key, instead of namespace + type + scope")
	fl.StringVar(&r.Actor, "as", "", "who reports it (recorded in the timeline)")
	return cmd
}

func (c *issueCmds) updateCmd() *cobra.Command {
	var title, description, severity, issueType, state, as string
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change an issue's title, description, severity, type or state",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			u := kite.IssueUpdate{Actor: as}
			fl := cmd.Flags()
			if fl.Changed("title") {
				u.Title = &title
			}
			if fl.Changed("description") {
				u.Description = &description
			}
			if fl.Changed("severity") {
				v := kite.Severity(severity)
				u.Severity = &v
			}
			if fl.Changed("type") {
				v := kite.IssueType(issueType)
				u.IssueType = &v
			}
			if fl.Changed("state") {
				v := kite.State(strings.ToUpper(state))
				u.State = &v
			}
			if u == (kite.IssueUpdate{Actor: as}) {
				return usageErrorf("nothing to change: use --title, --description, --severity, --type or --state")
			}
			is, err := s.client.UpdateIssue(cmd.Context(), args[0], u)
			if err != nil {
				return err
			}
			return s.print.issue(is)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "new title")
	fl.StringVar(&description, "description", "", "new description")
	fl.StringVar(&severity, "severity", "", "new severity")
	fl.StringVar(&issueType, "type", "", "new type")
	fl.StringVar(&state, "state", "", "ACTIVE or RESOLVED")
	fl.StringVar(&as, "as", "", "who makes the change (recorded in the timeline)")
	return cmd
}

func (c *issueCmds) resolveCmd() *cobra.Command {
	var as string
	cmd := c.eachID("resolve", "Resolve issues", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return s.client.ResolveIssue(ctx, id, as)
	})
	cmd.Flags().StringVar(&as, "as", "", "who resolves them (recorded as resolvedBy)")
	return cmd
}

func (c *issueCmds) reopenCmd() *cobra.Command {
	var as string
	cmd := c.eachID("reopen", "Reopen resolved issues", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		active := kite.StateActive
		return s.client.UpdateIssue(ctx, id, kite.IssueUpdate{State: &active, Actor: as})
	})
	cmd.Flags().StringVar(&as, "as", "", "who reopens them (recorded in the timeline)")
	return cmd
}

func (c *issueCmds) deleteCmd() *cobra.Command {
	return c.eachID("delete", "Delete issues with their timelines and relations", func(ctx context.Context, s *session, id string) (*kite.Issue, error) {
		return nil, s.client.DeleteIssue(ctx, id)
	})
}

func (c *issueCmds) relateCmd() *cobra.Command {
	return c.pairCmd("relate", "Mark two issues as related", "are related", func(cl *api.Client) func(context.Context, string, string) error {
		return cl.RelateIssues
	})
}

func (c *issueCmds) unrelateCmd() *cobra.Command {
	return c.pairCmd("unrelate", "Remove the relation between two issues", "are no longer related", func(cl *api.Client) func(context.Context, string, string) error {
		return cl.UnrelateIssues
	})
}

// pairCmd is a command on two issues that prints nothing but a notice.
func (c *issueCmds) pairCmd(use, short, done string, op func(*api.Client) func(context.Context, string, string) error) *cobra.Command {
	return &cobra.Command{
		Use:   use + " ID OTHER-ID",
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			if err := op(s.client)(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s and %s %s\n", args[0], args[1], done)
			return nil
		},
	}
}

func (c *issueCmds) timelineCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "timeline ID",
		Short: "Show an issue's history, oldest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			evs, err := s.client.Timeline(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return s.print.events(evs)
		},
	}
}
