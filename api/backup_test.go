package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

// TestBackupIsAuthorized: a backup holds every namespace, so only a caller
// allowed to get backups cluster-wide may take one; a namespace admin is
// refused, and what a permitted caller gets is a whole backup.
func TestBackupIsAuthorized(t *testing.T) {
	ts := newTestServer(t, func(o *Options) {
		o.Authenticator = tokens{
			"admin-token": {Name: "ops"},
			"ns-token":    {Name: "alice"},
			"flaky-token": {Name: "flaky"},
		}
		o.Authorizer = rules{"ops get backups - -", "alice * issues team-a -", "alice get backups team-a -"}
	})
	bearer := func(token string) []string { return []string{"Authorization", "Bearer " + token} }

	res := ts.do(t, http.MethodGet, backupPath, nil, bearer("ns-token")...)
	requireError(t, res, http.StatusForbidden, "Access denied")
	assert.Contains(t, string(res.Raw), "every namespace")
	requireError(t, ts.do(t, http.MethodGet, backupPath, nil), http.StatusForbidden, "Access denied")
	assert.Equal(t, http.StatusServiceUnavailable, ts.do(t, http.MethodGet, backupPath, nil, bearer("flaky-token")...).Code)

	res = ts.do(t, http.MethodGet, backupPath, nil, bearer("admin-token")...)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Raw)
	assert.Equal(t, "application/octet-stream", res.Header.Get("Content-Type"))
	assert.True(t, bytes.HasPrefix(res.Raw, []byte("KITE-BACKUP 1\n")))
	assert.Contains(t, string(res.Raw), "\nSHA256 ", "ends with its checksum")
}

// lockedLog is a log a server writes while the test reads it.
type lockedLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestBackupClientThatStopsReadingIsCut: a backup is one read transaction,
// which a commit that must grow the store's mapping waits for; a client
// that stops reading is cut off after the write timeout instead of
// holding it.
func TestBackupClientThatStopsReadingIsCut(t *testing.T) {
	logs := &lockedLog{}
	ts := newTestServer(t, func(o *Options) {
		o.WriteTimeout = 200 * time.Millisecond
		o.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	// A store larger than what the sockets' buffers hold.
	big := strings.Repeat("x", 256<<10)
	for i := range 64 {
		_, err := ts.store.Report(context.Background(), kite.Report{Namespace: "team-a", Title: fmt.Sprintf("t%d", i), Description: big,
			Severity: "major", IssueType: kite.IssueTypeBuild, Scope: kite.Scope{ResourceType: "component", ResourceName: fmt.Sprintf("c%d", i)}})
		require.NoError(t, err)
	}
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	require.NoError(t, conn.(*net.TCPConn).SetReadBuffer(4096))
	_, err = fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: kite\r\n\r\n", backupPath)
	require.NoError(t, err)
	head := make([]byte, 64)
	_, err = io.ReadFull(conn, head)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(head, []byte("HTTP/1.1 200")), "%q", head)
	// Now the client reads no more.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "backup cut short") {
		require.True(t, time.Now().Before(deadline), "the backup still holds its transaction:\n%s", logs.String())
		time.Sleep(20 * time.Millisecond)
	}
}
