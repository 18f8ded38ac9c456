package storetest

import (
	"fmt"
	"syscall"
	"testing"
)

// Tmpfs mounts a tmpfs of size bytes on a fresh temporary directory and
// returns it, unmounted on cleanup: a volume that fills up for real. It
// needs the privilege to mount (root, as in CI); without it the test is
// skipped, saying why.
func Tmpfs(tb testing.TB, size int64) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		tb.Skipf("cannot mount a tmpfs for a full volume (%v): run as root, as CI does", err)
	}
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// ResizeTmpfs gives a tmpfs from Tmpfs a new size: space returns (or goes)
// without touching its files.
func ResizeTmpfs(tb testing.TB, dir string, size int64) {
	tb.Helper()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_REMOUNT, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		tb.Fatalf("resize tmpfs %s: %v", dir, err)
	}
}
