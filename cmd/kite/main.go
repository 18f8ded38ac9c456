// Command kite is Kite's one binary: the server (kite serve), its load
// generator (kite bench) and, invoked as kubectl-kite, a kubectl plugin.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
}
