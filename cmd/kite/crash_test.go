package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/store"
)

// TestAcknowledgedWritesSurviveKill9 sends webhooks to a real kite serve
// process, records every acknowledged issue, kills the process with SIGKILL
// while requests are still in flight, restarts it on the same data directory
// and expects every acknowledged issue back, with a consistent file.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)

	type ack struct{ id, pipeline string }
	var (
		mu    sync.Mutex
		acked []ack
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 8 {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				pipeline := fmt.Sprintf("crash-%d-%d", w, i)
				body, _ := json.Marshal(map[string]string{"pipelineName": pipeline, "namespace": "crash", "failureReason": "OOMKilled"})
				resp, err := client.Post(srv.url("/api/v1/webhooks/pipeline-failure"), "application/json", bytes.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				var out struct {
					Issue struct {
						ID string `json:"id"`
					} `json:"issue"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				_ = resp.Body.Close()
				if err == nil && resp.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, ack{out.Issue.ID, pipeline})
					mu.Unlock()
				}
			}
		})
	}
	// Kill once a good number of writes are acknowledged, mid-stream.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 300 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGKILL))
	_ = srv.wait(t)
	stop.Store(true)
	wg.Wait()
	require.NotEmpty(t, acked)
	t.Logf("%d writes acknowledged before SIGKILL", len(acked))

	again := startServer(t, dir)
	for _, a := range acked {
		resp, err := client.Get(again.url("/api/v1/issues/" + a.id))
		require.NoError(t, err)
		var is struct {
			Title string `json:"title"`
		}
		err = json.NewDecoder(resp.Body).Decode(&is)
		_ = resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "acknowledged issue %s lost", a.id)
		assert.Equal(t, "Pipeline run failed: "+a.pipeline, is.Title)
	}
	require.NoError(t, again.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, again.wait(t), "graceful shutdown exits 0")

	st, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	require.NoError(t, st.Check())
	require.NoError(t, st.Close())
}
