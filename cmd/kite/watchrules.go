package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite/watch"
)

// newWatchRulesCmd is kite watch rules: what a --watch-rules file needs,
// worked out offline.
func newWatchRulesCmd(env lookupEnv) *cobra.Command {
	var file, logURL string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Check a --watch-rules file, or print the RBAC its kinds need",
		Args:  cobra.NoArgs,
	}
	cmd.PersistentFlags().StringVar(&file, "watch-rules", envOr(env, "KITE_WATCH_RULES", ""), "the rules file (env KITE_WATCH_RULES)")
	cmd.PersistentFlags().StringVar(&logURL, "watch-log-url", envOr(env, "KITE_WATCH_LOG_URL", ""), "the log link template the rules' logURL() applies (env KITE_WATCH_LOG_URL)")
	load := func() (*watch.Rules, error) {
		if file == "" {
			return nil, usageErrorf("--watch-rules FILE is required")
		}
		rules, err := watch.LoadRules(file, logURL)
		if err != nil {
			return nil, usageErrorf("--watch-rules: %w", err)
		}
		return rules, nil
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Compile and type-check every rule, as kite serve and kite watch do at start",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules, err := load()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%d rule(s) ok\n", rules.Len())
			return err
		},
	}
	var roleName, serviceAccount string
	rbac := &cobra.Command{
		Use:   "rbac",
		Short: "Print the ClusterRole (and its binding) the rules' kinds need beyond deploy/base",
		Long: `Print a ClusterRole with get, list and watch on each kind the rules watch
(get on the kinds they read as related), and a ClusterRoleBinding of it to
Kite's service account, for kubectl apply -f -. A kind is named by the rule's
resource, else by the usual plural of its kind.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules, err := load()
			if err != nil {
				return err
			}
			ns, sa, ok := strings.Cut(serviceAccount, ":")
			if !ok || ns == "" || sa == "" {
				return usageErrorf("--service-account must be NAMESPACE:NAME, not %q", serviceAccount)
			}
			meta := metav1.ObjectMeta{Name: roleName, Labels: map[string]string{"app.kubernetes.io/name": "kite"}}
			role := rbacv1.ClusterRole{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}, ObjectMeta: meta, Rules: rules.PolicyRules()}
			binding := rbacv1.ClusterRoleBinding{
				TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}, ObjectMeta: meta,
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: roleName},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: ns}},
			}
			for i, obj := range []any{role, binding} {
				b, err := yaml.Marshal(obj)
				if err != nil {
					return err
				}
				if i > 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "---")
				}
				if _, err := cmd.OutOrStdout().Write(b); err != nil {
					return err
				}
			}
			return nil
		},
	}
	rbac.Flags().StringVar(&roleName, "name", "kite-watcher-rules", "name of the ClusterRole and its binding")
	rbac.Flags().StringVar(&serviceAccount, "service-account", "kite:kite", "NAMESPACE:NAME of the service account the watcher runs as")
	cmd.AddCommand(check, rbac)
	return cmd
}
