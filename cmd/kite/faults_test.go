package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/store"
	"github.com/konflux-ci/kite/store/storetest"
)

// get returns a GET's status and body.
func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// total is the "total" of a list or search answer.
func total(t *testing.T, body string) int {
	t.Helper()
	var v struct {
		Total int `json:"total"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &v), body)
	return v.Total
}

// TestFullVolumeEndToEnd fills the real volume (a tmpfs) of a kite serve
// process through its webhooks: writes then answer 507 saying so, /readyz
// stays 200 and says "degraded", the metric says full, reads and searches
// keep answering, nothing panics; once the volume grows, writes resume,
// the index catches up, and every acknowledged write is there.
func TestFullVolumeEndToEnd(t *testing.T) {
	vol := storetest.Tmpfs(t, 12<<20)
	dir := filepath.Join(vol, "data")
	srv := startServer(t, dir)

	reason := strings.Repeat("The build step ran out of memory while linking. ", 100)
	var mu sync.Mutex
	var acked []string
	var full []string
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; i < 20000; i++ {
				body, _ := json.Marshal(map[string]string{
					"pipelineName": fmt.Sprintf("fill-%d-%d", w, i), "namespace": "faults", "failureReason": reason,
				})
				resp, err := http.Post(srv.url("/api/v1/webhooks/pipeline-failure"), "application/json", bytes.NewReader(body))
				if !assert.NoError(t, err) {
					return
				}
				b, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				mu.Lock()
				switch resp.StatusCode {
				case http.StatusCreated:
					var out struct {
						Issue struct {
							ID string `json:"id"`
						} `json:"issue"`
					}
					assert.NoError(t, json.Unmarshal(b, &out))
					acked = append(acked, out.Issue.ID)
				case http.StatusInsufficientStorage:
					full = append(full, string(b))
				default:
					t.Errorf("a write answered %d: %s", resp.StatusCode, b)
				}
				mu.Unlock()
				if resp.StatusCode != http.StatusCreated {
					return
				}
			}
		})
	}
	wg.Wait()
	require.Len(t, full, 8, "every writer ended on a 507")
	for _, b := range full {
		assert.Contains(t, b, `"error":"Storage full"`)
		assert.Contains(t, b, "no space left")
	}
	t.Logf("%d writes acknowledged before the volume filled", len(acked))

	code, body := get(t, srv.url("/readyz"))
	assert.Equal(t, http.StatusOK, code, "one replica stays in its Service: reads go on")
	assert.Contains(t, body, `"status":"degraded"`)
	assert.Contains(t, body, "Storage full")
	_, metrics := get(t, srv.url("/metrics"))
	assert.Contains(t, metrics, "kite_store_volume_full 1")

	// Reads and searches answer while the volume is full (the index
	// may be failing its own writes meanwhile).
	for range 5 {
		code, body = get(t, srv.url("/api/v1/issues?namespace=faults&limit=1"))
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, len(acked), total(t, body))
		code, body = get(t, srv.url("/api/v1/search?namespace=faults&q=memory&limit=1"))
		require.Equal(t, http.StatusOK, code, body)
		time.Sleep(200 * time.Millisecond)
	}

	storetest.ResizeTmpfs(t, vol, 128<<20)
	body2, _ := json.Marshal(map[string]string{"pipelineName": "after-space", "namespace": "faults", "failureReason": "Zebrafish"})
	resp, err := http.Post(srv.url("/api/v1/webhooks/pipeline-failure"), "application/json", bytes.NewReader(body2))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, "writes resume by themselves")
	code, body = get(t, srv.url("/readyz"))
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"status":"ready"`)

	// The index catches up: a search finds the new write and counts what
	// the store holds.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, found := get(t, srv.url("/api/v1/search?namespace=faults&q=zebrafish&limit=1"))
		_, all := get(t, srv.url("/api/v1/search?namespace=faults&limit=1&highlight=false"))
		if strings.Contains(found, `"total":1`) && total(t, all) == len(acked)+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index did not catch up within 60s: %s / total %d of %d", found, total(t, all), len(acked)+1)
		}
		time.Sleep(200 * time.Millisecond)
	}
	_, metrics = get(t, srv.url("/metrics"))
	assert.Contains(t, metrics, "kite_store_volume_full 0")
	assert.Contains(t, metrics, "kite_http_panics_total 0")

	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, srv.wait(t), "graceful shutdown exits 0")
	st, err := store.Open(store.Options{Dir: dir})
	require.NoError(t, err)
	defer func() { require.NoError(t, st.Close()) }()
	require.NoError(t, st.Check())
	got, err := st.GetIssues(context.Background(), acked)
	require.NoError(t, err)
	assert.Len(t, got, len(acked), "every acknowledged write survived")
}

// TestServeRefusesDamagedData: kite serve on a damaged store file, or on a
// store beside an index it does not match, exits 1 with a message that
// names the file and the way out, and never with a fault's trace.
func TestServeRefusesDamagedData(t *testing.T) {
	src := filledDir(t, 40)
	good, err := os.ReadFile(filepath.Join(src, store.FileName))
	require.NoError(t, err)
	page := os.Getpagesize()
	overwritten := append([]byte(nil), good...)
	for pg := 2; (pg+1)*page <= len(overwritten); pg++ {
		for i := pg*page + 16; i < pg*page+80; i++ {
			overwritten[i] ^= 0x5a
		}
	}
	other, err := os.ReadFile(filepath.Join(filledDir(t, 2), store.FileName))
	require.NoError(t, err)
	for name, c := range map[string]struct {
		content   []byte
		withIndex bool
		says      string
	}{
		"empty":           {content: []byte{}, says: "it is empty"},
		"truncated":       {content: good[:len(good)/2], says: "it is truncated"},
		"pages damaged":   {content: overwritten, says: "its pages are damaged"},
		"another's index": {content: other, withIndex: true, says: "built from another store file"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if c.withIndex {
				require.NoError(t, os.CopyFS(filepath.Join(dir, "index.bleve"), os.DirFS(filepath.Join(src, "index.bleve"))))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, store.FileName), c.content, 0o600))
			cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
			cmd.Env = append(os.Environ(), "KITE_TEST_MAIN=1")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, "%s", out)
			assert.Equal(t, exitError, exit.ExitCode(), "%s", out)
			assert.Contains(t, string(out), c.says)
			assert.Contains(t, string(out), dir)
			assert.NotContains(t, string(out), "goroutine ")
			assert.NotContains(t, string(out), "panic")
		})
	}
}
