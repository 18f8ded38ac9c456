package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// newAuthCmd is kite auth: what a Kite server makes of the caller.
func newAuthCmd(env lookupEnv) *cobra.Command {
	o := &clientOptions{env: env}
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Who a Kite server takes you for, and what you may do there",
		Long: `Kite authenticates callers through the cluster (your kubeconfig's
credentials, or --token) and authorizes them with its RBAC on the resource
issues.kite.konflux-ci.dev (docs/security.md).`,
	}
	o.register(cmd)
	whoami := &cobra.Command{
		Use:   "whoami",
		Short: "Print the user and groups the server authenticated you as",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			id, err := c.WhoAmI(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "user:   %s\n", id.User)
			fmt.Fprintf(out, "groups: %s\n", strings.Join(id.Groups, ", "))
			if id.Authentication == "none" {
				fmt.Fprintln(cmd.ErrOrStderr(), "kite: the server does not authenticate callers (--auth=none): anyone may do anything")
			}
			return nil
		},
	}
	var all bool
	canI := &cobra.Command{
		Use:   "can-i VERB",
		Short: "Say whether you may get, list, watch, create, update or delete issues in a namespace",
		Example: "  kite auth can-i update -n team-a\n" +
			"  kite auth can-i list -A",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			verbs := []string{"get", "list", "watch", "create", "update", "delete"}
			if !slices.Contains(verbs, args[0]) {
				return usageErrorf("VERB must be one of %s, not %q", strings.Join(verbs, ", "), args[0])
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			ns := ""
			if !all {
				if ns, err = o.resolveNamespace(); err != nil {
					return err
				}
			}
			ok, err := c.CanI(cmd.Context(), args[0], ns)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintln(cmd.OutOrStdout(), "no")
				return errNotAllowed
			}
			fmt.Fprintln(cmd.OutOrStdout(), "yes")
			return nil
		},
	}
	canI.Flags().BoolVarP(&all, "all-namespaces", "A", false, "in every namespace")
	cmd.AddCommand(whoami, canI)
	return cmd
}
