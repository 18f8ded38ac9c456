package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite/api"
)

// cliConfig is $XDG_CONFIG_HOME/kite/config.yaml: what the client commands
// use when no flag or environment variable says otherwise.
type cliConfig struct {
	Server    string `json:"server,omitempty"`
	Token     string `json:"token,omitempty"`
	Namespace string `json:"namespace,omitempty"`
}

var configKeys = []string{"server", "token", "namespace"}

func configPath(env lookupEnv) (string, error) {
	if dir, ok := env("XDG_CONFIG_HOME"); ok && dir != "" {
		return filepath.Join(dir, "kite", "config.yaml"), nil
	}
	home, ok := env("HOME")
	if !ok || home == "" {
		return "", errors.New("neither XDG_CONFIG_HOME nor HOME is set: cannot find kite's config file")
	}
	return filepath.Join(home, ".config", "kite", "config.yaml"), nil
}

func loadConfig(env lookupEnv) (cliConfig, string, error) {
	path, err := configPath(env)
	if err != nil {
		return cliConfig{}, "", err
	}
	var c cliConfig
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, path, nil
	case err != nil:
		return c, path, fmt.Errorf("read %s: %w", path, err)
	}
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return c, path, fmt.Errorf("%s: %w", path, err)
	}
	return c, path, nil
}

func saveConfig(path string, c cliConfig) error {
	b, err := yaml.Marshal(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// The token is a secret: the file is the user's alone.
	return os.WriteFile(path, b, 0o600)
}

// clientOptions are the flags every client command shares.
type clientOptions struct {
	env        lookupEnv
	server     string
	token      string
	namespace  string
	kubeconfig string
	caFile     string
	output     string
	// timeout overrides the client's per-request timeout (backups).
	timeout time.Duration
}

func (o *clientOptions) register(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	o.registerConnection(f)
	f.StringVarP(&o.namespace, "namespace", "n", "", "namespace; default: the current kubeconfig context's, then kite config's, then \"default\"")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, wide, json, yaml or name")
}

// registerConnection registers the flags that reach a server as whom.
func (o *clientOptions) registerConnection(f *pflag.FlagSet) {
	f.StringVar(&o.server, "server", "", "Kite server URL (env KITE_SERVER, or kite config set server)")
	o.registerCredentials(f)
}

// registerCredentials registers the flags that say as whom (credentials).
func (o *clientOptions) registerCredentials(f *pflag.FlagSet) {
	f.StringVar(&o.token, "token", "", "bearer token (env KITE_TOKEN, or kite config set token)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig whose namespace and, without a token, credentials are used (env KUBECONFIG)")
	f.StringVar(&o.caFile, "certificate-authority", "", "CA bundle that signed the Kite server's certificate (env KITE_CA_FILE); default: the system's roots")
}

// client builds the API client from flags, environment and config, in
// that order.
func (o *clientOptions) client() (*api.Client, error) {
	if !slices.Contains([]string{"table", "wide", "json", "yaml", "name"}, o.output) {
		return nil, usageErrorf("--output must be table, wide, json, yaml or name, not %q", o.output)
	}
	cfg, _, err := loadConfig(o.env)
	if err != nil {
		return nil, err
	}
	server := firstOf(o.server, envValue(o.env, "KITE_SERVER"), cfg.Server)
	if server == "" {
		return nil, usageErrorf("no Kite server: use --server, KITE_SERVER or kite config set server URL")
	}
	opts := api.ClientOptions{Server: server, Timeout: o.timeout}
	if opts.Token, opts.Transport, err = o.credentials(cfg, nil); err != nil {
		return nil, err
	}
	c, err := api.NewClient(opts)
	if err != nil {
		return nil, usageError{err}
	}
	return c, nil
}

// kubeconfigRules finds the user's kubeconfig: --kubeconfig, KUBECONFIG,
// else ~/.kube/config, from the command's environment.
func (o *clientOptions) kubeconfigRules() *clientcmd.ClientConfigLoadingRules {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kc := firstOf(o.kubeconfig, envValue(o.env, "KUBECONFIG")); kc != "" {
		rules.Precedence = filepath.SplitList(kc)
	} else if home := envValue(o.env, "HOME"); home != "" {
		rules.Precedence = []string{filepath.Join(home, ".kube", "config")}
	}
	return rules
}

// inCluster reports whether no kubeconfig was named, so that in a pod its
// service account is who calls.
func (o *clientOptions) inCluster() bool {
	return firstOf(o.kubeconfig, envValue(o.env, "KUBECONFIG")) == ""
}

// resolveNamespace: -n, else the current kubeconfig context's namespace,
// else kite config's, else "default".
func (o *clientOptions) resolveNamespace() (string, error) {
	if o.namespace != "" {
		return o.namespace, nil
	}
	if raw, err := o.kubeconfigRules().Load(); err == nil && raw != nil {
		if ctx, ok := raw.Contexts[raw.CurrentContext]; ok && ctx.Namespace != "" {
			return ctx.Namespace, nil
		}
	}
	cfg, _, err := loadConfig(o.env)
	if err != nil {
		return "", err
	}
	return firstOf(cfg.Namespace, "default"), nil
}

func envValue(env lookupEnv, key string) string {
	v, _ := env(key)
	return v
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

func newConfigCmd(env lookupEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show or change the client settings in $XDG_CONFIG_HOME/kite/config.yaml",
		Long: `The client commands (kite issues, kite tui) read the server URL, the token
and a default namespace from $XDG_CONFIG_HOME/kite/config.yaml (or
~/.config/kite/config.yaml). Flags and KITE_SERVER / KITE_TOKEN win over it.`,
	}
	key := func(args []string) (string, error) {
		if !slices.Contains(configKeys, args[0]) {
			return "", usageErrorf("unknown setting %q: use %s", args[0], strings.Join(configKeys, ", "))
		}
		return args[0], nil
	}
	set := func(c *cliConfig, k, v string) {
		switch k {
		case "server":
			c.Server = v
		case "token":
			c.Token = v
		case "namespace":
			c.Namespace = v
		}
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "view",
		Short: "Print the settings (the token masked)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, path, err := loadConfig(env)
			if err != nil {
				return err
			}
			if c.Token != "" {
				c.Token = "********"
			}
			b, err := yaml.Marshal(c)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "# %s\n", path)
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}, &cobra.Command{
		Use:     "set KEY VALUE",
		Short:   "Set server, token or namespace",
		Example: "  kite config set server https://kite.example\n  kite config set namespace team-a",
		Args:    cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			k, err := key(args)
			if err != nil {
				return err
			}
			if k == "server" {
				if _, err := api.NewClient(api.ClientOptions{Server: args[1]}); err != nil {
					return usageError{err}
				}
			}
			c, path, err := loadConfig(env)
			if err != nil {
				return err
			}
			set(&c, k, args[1])
			return saveConfig(path, c)
		},
	}, &cobra.Command{
		Use:   "unset KEY",
		Short: "Remove a setting",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			k, err := key(args)
			if err != nil {
				return err
			}
			c, path, err := loadConfig(env)
			if err != nil {
				return err
			}
			set(&c, k, "")
			return saveConfig(path, c)
		},
	})
	return cmd
}
