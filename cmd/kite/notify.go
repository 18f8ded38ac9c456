package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite"
)

// notifyCmds are kite notify: subscriptions of webhooks and Alertmanagers.
type notifyCmds struct{ issueCmds }

func newNotifyCmd(env lookupEnv) *cobra.Command {
	c := &notifyCmds{issueCmds{env: env, clientOptions: clientOptions{env: env}}}
	cmd := &cobra.Command{
		Use:     "notify",
		Aliases: []string{"subscriptions"},
		Short:   "Tell webhooks and Alertmanagers of the issues that match a query",
		Long: `A subscription sends notifications about the issues of its namespaces that
match a query in Kite's language (docs/notifications.md):

  a webhook is sent a CloudEvent (JSON, signed with its secret in
  X-Kite-Signature) for each change of the kinds it names: opened, reopened
  and resolved unless told others; delivered in order, retried with backoff
  for up to a day, kept across restarts;

  an Alertmanager holds one alert per open issue that matches, labelled
  with its namespace, severity, type, scope, application and component, and
  resolved when the issue resolves, stops matching or is muted.

Muted (silenced) and snoozed issues notify nobody.`,
	}
	c.register(cmd)
	cmd.AddCommand(c.listCmd(), c.createCmd(), c.deleteCmd(), c.testCmd(), c.deliveriesCmd())
	return cmd
}

func (c *notifyCmds) listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the subscriptions you may see",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			list, err := s.client.Subscriptions(cmd.Context())
			if err != nil {
				return err
			}
			return s.print.subscriptions(list)
		},
	}
}

func (c *notifyCmds) createCmd() *cobra.Command {
	var r kite.SubscriptionRequest
	var webhook, alertmanager, secretFile string
	var events []string
	var allNS bool
	var as string
	cmd := &cobra.Command{
		Use:   "create NAME (--webhook URL | --alertmanager URL) [QUERY...]",
		Short: "Subscribe a webhook or an Alertmanager to the issues that match QUERY",
		Example: `  kite notify create oncall -n team-a --alertmanager http://alertmanager.monitoring:9093 'severity:>=major'
  kite notify create chat -n team-a --webhook https://chat.example/hooks/kite --secret-file hmac.key --events opened,resolved
  kite notify create everything -A --webhook https://tickets.example/kite 'type:release'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case (webhook == "") == (alertmanager == ""):
				return usageErrorf("give --webhook URL or --alertmanager URL")
			case webhook != "":
				r.Kind, r.URL = kite.NotifyWebhook, webhook
			default:
				r.Kind, r.URL = kite.NotifyAlertmanager, alertmanager
			}
			r.Name, r.Query = args[0], strings.Join(args[1:], " ")
			for _, e := range events {
				r.Events = append(r.Events, kite.EventKind(e))
			}
			if secretFile != "" {
				b, err := os.ReadFile(secretFile)
				if err != nil {
					return fmt.Errorf("--secret-file: %w", err)
				}
				r.Secret = strings.TrimSpace(string(b))
			}
			switch {
			case allNS && len(r.Namespaces) > 0:
				return usageErrorf("give --namespaces or -A, not both")
			case !allNS && len(r.Namespaces) == 0:
				ns, err := c.resolveNamespace()
				if err != nil {
					return err
				}
				r.Namespaces = []string{ns}
			}
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			sub, err := s.client.CreateSubscription(cmd.Context(), r, c.actor(as))
			if err != nil {
				return err
			}
			return s.print.subscriptions([]kite.Subscription{*sub})
		},
	}
	f := cmd.Flags()
	f.StringVar(&webhook, "webhook", "", "send CloudEvents to this URL")
	f.StringVar(&alertmanager, "alertmanager", "", "hold alerts in the Alertmanager at this URL")
	f.StringSliceVar(&r.Namespaces, "namespaces", nil, "the namespaces it follows, comma-separated (default: -n)")
	f.BoolVarP(&allNS, "all-namespaces", "A", false, "follow every namespace (needs the right cluster-wide)")
	f.StringSliceVar(&events, "events", nil, "webhooks: the changes sent, of "+joinKinds(kite.NotifyEvents)+" (default opened,reopened,resolved)")
	f.StringVar(&secretFile, "secret-file", "", "webhooks: sign bodies with the secret in this file (16 to 256 bytes)")
	c.actorFlag(cmd, &as, "who creates it")
	return cmd
}

func joinKinds(kinds []kite.EventKind) string {
	s := make([]string, len(kinds))
	for i, k := range kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func (c *notifyCmds) deleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete subscriptions, with what they still had to send",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			var failed []error
			for _, id := range args {
				if err := s.client.DeleteSubscription(cmd.Context(), id); err != nil {
					failed = append(failed, err)
					fmt.Fprintf(cmd.ErrOrStderr(), "kite: delete %s: %v\n", id, err)
					continue
				}
				if err := s.print.removed(id, "deleted"); err != nil {
					return err
				}
			}
			if len(failed) > 0 {
				return &bulkError{op: "delete", total: len(args), failed: failed}
			}
			return nil
		},
	}
}

func (c *notifyCmds) testCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "test ID",
		Short: "Send a test notification now and say how it went",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			d, err := s.client.TestSubscription(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if err := s.print.deliveries([]kite.Delivery{*d}); err != nil {
				return err
			}
			if d.Status != kite.DeliveryDelivered {
				return fmt.Errorf("the test notification was not delivered: %s", d.Error)
			}
			return nil
		},
	}
}

func (c *notifyCmds) deliveriesCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:     "deliveries ID",
		Aliases: []string{"log"},
		Short:   "The subscription's latest deliveries, newest first",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.session(cmd)
			if err != nil {
				return err
			}
			list, err := s.client.Deliveries(cmd.Context(), args[0], limit)
			if err != nil {
				return err
			}
			return s.print.deliveries(list)
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 50, "how many (the last 1,000 are kept)")
	return cmd
}

func (p *printer) subscriptions(list []kite.Subscription) error {
	if done, err := dataOrNames(p, list, func(s kite.Subscription) string { return s.ID }); done {
		return err
	}
	var t table
	t.row("ID", "NAME", "KIND", "NAMESPACES", "QUERY", "EVENTS", "URL", "BY")
	for _, s := range list {
		ns := strings.Join(s.Namespaces, ",")
		if ns == "" {
			ns = "*"
		}
		t.row(s.ID, s.Name, string(s.Kind), ns, s.Query, joinKinds(s.Events), s.URL, s.CreatedBy)
	}
	return t.write(p.out)
}

func (p *printer) deliveries(list []kite.Delivery) error {
	if done, err := dataOrNames(p, list, func(d kite.Delivery) string { return d.ID }); done {
		return err
	}
	var t table
	t.row("TIME", "STATUS", "EVENT", "ISSUE", "ATTEMPTS", "CODE", "ERROR")
	for _, d := range list {
		code := ""
		if d.Code != 0 {
			code = strconv.Itoa(d.Code)
		}
		t.row(d.Time.Format(time.RFC3339), string(d.Status), string(d.Event), d.IssueID, strconv.Itoa(d.Attempts), code, d.Error)
	}
	return t.write(p.out)
}
