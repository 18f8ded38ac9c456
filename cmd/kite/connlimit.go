package main

import (
	"net"
	"syscall"

	"golang.org/x/net/netutil"
)

// fdReserve is what the connection limit leaves of the open-file limit for
// the store, the index's segment files, the watcher's connections and the
// runtime: exhausting the file limit once made health checks and writes
// time out until idle connections were cut.
const fdReserve = 256

// connLimit is the most connections kite serve accepts at once: the flag
// when set, else the open-file limit less fdReserve (at least 64).
func connLimit(flag int, nofile uint64) int {
	if flag > 0 {
		return flag
	}
	if nofile <= fdReserve+64 {
		return 64
	}
	return int(min(nofile-fdReserve, 1<<20))
}

// limitConnections makes ln accept at most n connections at once; the
// next waits in the kernel's backlog until one closes.
func limitConnections(ln net.Listener, flag int) (net.Listener, int) {
	var rl syscall.Rlimit
	nofile := uint64(1024)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		nofile = rl.Cur
	}
	n := connLimit(flag, nofile)
	return netutil.LimitListener(ln, n), n
}
