package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary act as the kite binary: tests that need a
// real process (crash safety, signals, file locks) re-execute it with
// KITE_TEST_MAIN=1 instead of building kite separately.
func TestMain(m *testing.M) {
	if os.Getenv("KITE_TEST_MAIN") == "1" {
		invokedAs = filepath.Base(os.Args[0])
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.LookupEnv))
	}
	os.Exit(m.Run())
}

// server is a kite serve child process.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs *logBuffer
	done chan error
}

// logBuffer collects a child's log lines; tests read it while the child
// still writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) add(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(line + "\n")
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer runs "kite serve" on a random port over dataDir and waits for
// it to listen.
func startServer(t *testing.T, dataDir string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-format", "json"}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &logBuffer{}, done: make(chan error, 1)}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.logs.add(line)
			var rec struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "kite serving" {
				addrc <- rec.Addr
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		s.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kite serve logs:\n%s", s.logs)
		}
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done //nolint:errcheck // the exit status of a killed child is expected to be an error
		}
	})
	select {
	case s.addr = <-addrc:
		return s
	case err := <-s.done:
		t.Fatalf("kite serve exited before listening: %v\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("kite serve did not start listening\n%s", s.logs)
	}
	return nil
}

func (s *server) url(path string) string { return fmt.Sprintf("http://%s%s", s.addr, path) }

// wait returns the process's exit error once it ends.
func (s *server) wait(t *testing.T) error {
	t.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("kite serve did not exit\n%s", s.logs)
		return nil
	}
}
