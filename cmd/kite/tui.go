package main

import (
	"log/slog"
	"os/exec"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/konflux-ci/kite/tui"
)

// defaultTUIQuery leaves out what people set aside: issues a silence
// mutes and issues they snoozed.
const defaultTUIQuery = "-is:muted -is:snoozed"

func newTUICmd(env lookupEnv) *cobra.Command {
	o := &clientOptions{env: env}
	var query, user string
	var allNS bool
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Triage issues in an interactive console",
		Long: `An interactive console over a Kite server, with the client commands'
settings (--server, KITE_SERVER or kite config; the namespace from -n, the
kubeconfig context or kite config). The list stays current through the
server's event stream. Press ? for the keys.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			ns, err := o.resolveNamespace()
			if err != nil {
				return err
			}
			opts := tui.Options{Namespace: ns, Query: query, User: firstOf(user, envValue(env, "USER")), AllNamespaces: allNS,
				Open: desktopOpener(env)}
			// Errors go to the status line; nothing may print over the screen.
			slog.SetDefault(slog.New(slog.DiscardHandler))
			return tui.Run(cmd.Context(), c, opts)
		},
	}
	o.register(cmd)
	cmd.Flags().StringVarP(&query, "query", "q", defaultTUIQuery, "the query to start with (docs/search.md); \"\" for every issue")
	cmd.Flags().StringVar(&user, "as", "", "who the console's writes are recorded as (default $USER)")
	cmd.Flags().BoolVarP(&allNS, "all-namespaces", "A", false, "start on every namespace you may read")
	return cmd
}

// desktopOpener opens URLs in a browser when the console runs in a desktop
// session with the platform's opener; nil otherwise (over ssh: the console
// copies the link instead).
func desktopOpener(env lookupEnv) func(string) error {
	_, x11 := env("DISPLAY")
	_, wayland := env("WAYLAND_DISPLAY")
	opener := platformOpener()
	if opener == "" || (runtime.GOOS != "darwin" && !x11 && !wayland) {
		return nil
	}
	return func(url string) error { return exec.Command(opener, url).Start() }
}
