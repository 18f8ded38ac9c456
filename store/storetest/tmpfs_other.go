//go:build !linux

package storetest

import "testing"

// Tmpfs skips the test: a volume that fills up for real is a Linux tmpfs.
func Tmpfs(tb testing.TB, _ int64) string {
	tb.Helper()
	tb.Skip("a full volume is simulated with a Linux tmpfs")
	return ""
}

// ResizeTmpfs is never reached off Linux (Tmpfs skips).
func ResizeTmpfs(tb testing.TB, _ string, _ int64) { tb.Helper() }
