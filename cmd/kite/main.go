// Command kite is Kite's one binary: the server (kite serve), its load
// generator (kite bench) and, invoked as kubectl-kite, a kubectl plugin.
package main

import (
	"os"
	"path/filepath"
)

// pluginName is the file name under which kubectl finds Kite as a plugin
// (a copy of or link to this binary): kubectl kite issues list.
const pluginName = "kubectl-kite"

// invokedAs is the name this binary was started under.
var invokedAs = "kite"

func main() {
	invokedAs = filepath.Base(os.Args[0])
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}
