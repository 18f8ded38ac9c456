package main

import (
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnLimit(t *testing.T) {
	assert.Equal(t, 10, connLimit(10, 1024), "the flag wins")
	assert.Equal(t, 1024-fdReserve, connLimit(0, 1024))
	assert.Equal(t, 64, connLimit(0, 200), "a tiny file limit still serves some")
	assert.Equal(t, 1<<20, connLimit(0, 1<<40), "an unlimited one is bounded")
}

// TestConnectionsBeyondTheLimitWait: with every slot held by idle
// connections, a new request waits in the backlog and is served as soon
// as one of them closes.
func TestConnectionsBeyondTheLimitWait(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--max-connections", "1")
	hold, err := net.Dial("tcp", srv.addr)
	require.NoError(t, err)
	_, err = hold.Write([]byte("GET /healthz HTTP/1.1\r\nHost: kite\r\n\r\n")) // accepted: the one slot
	require.NoError(t, err)
	buf := make([]byte, 512)
	_, err = hold.Read(buf)
	require.NoError(t, err)

	done := make(chan int, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(srv.url("/healthz"))
		if err != nil {
			done <- 0
			return
		}
		_ = resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case code := <-done:
		t.Fatalf("served (%d) while the only slot was held", code)
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, hold.Close())
	assert.Equal(t, http.StatusOK, <-done, "served once the slot was free")
	assert.Contains(t, srv.logs.String(), `"max_connections":1`)
}
