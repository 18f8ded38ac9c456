// Package legacytest runs a throwaway PostgreSQL server holding the original
// Kite's schema, so that the migration is tested against the real database
// it reads, not a stand-in.
package legacytest

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Schema creates the original Kite's tables (see the file's header for
// where they come from).
//
//go:embed schema.sql
var Schema string

// binDir finds PostgreSQL's server programs: $KITE_POSTGRES_BIN, else the
// newest of Debian's /usr/lib/postgresql/*/bin.
func binDir() string {
	if d := os.Getenv("KITE_POSTGRES_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// Start runs a PostgreSQL server for the test, listening only on a Unix
// socket in a directory of its own, and returns the DSN of a database
// holding the original's schema, empty. Without PostgreSQL the test is
// skipped, or fails when $CI is set (CI installs it). The server stops
// when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	bin := binDir()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("PostgreSQL is not installed; .ci/run installs Debian's postgresql")
		}
		t.Skip("PostgreSQL is not installed (apt-get install postgresql)")
	}
	// Not t.TempDir: PostgreSQL refuses to run as root, and the server's
	// user must reach its directory, which a 0700 test directory forbids.
	dir, err := os.MkdirTemp("", "kite-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cred := serverUser(t, dir)
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "kite", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	srv := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "fsync=off")
	srv.Stdout, srv.Stderr = logf, logf
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = srv.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = srv.Process.Kill()
			<-done
		}
		_ = logf.Close()
	})
	admin := fmt.Sprintf("host=%s user=kite dbname=postgres sslmode=disable", dir)
	waitReady(t, admin, done, filepath.Join(dir, "server.log"))
	exec1(t, admin, "CREATE DATABASE kite_original")
	dsn := fmt.Sprintf("host=%s user=kite dbname=kite_original sslmode=disable", dir)
	exec1(t, dsn, Schema)
	return dsn
}

// serverUser is who the server runs as: the caller, or, for root, the
// postgres account Debian's package makes (else nobody), given dir.
func serverUser(t testing.TB, dir string) *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if u, err = user.Lookup("nobody"); err != nil {
			t.Fatal("running as root with neither a postgres nor a nobody account")
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

func waitReady(t testing.TB, dsn string, exited <-chan struct{}, logPath string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			_ = conn.Close(context.Background())
			return
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("PostgreSQL exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("PostgreSQL not ready after 60 s: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Exec runs SQL (several statements may be given) on the database dsn.
func Exec(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	exec1(t, dsn, sql, args...)
}

func exec1(t testing.TB, dsn, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}
