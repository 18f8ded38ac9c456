package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
	"github.com/konflux-ci/kite/service"
	"github.com/konflux-ci/kite/service/servicetest"
)

// TestNotifyCommands: kite notify creates, lists, tests, shows the
// deliveries of and deletes subscriptions; mistakes are usage errors.
func TestNotifyCommands(t *testing.T) {
	st := servicetest.OpenWith(t, service.Options{Dir: t.TempDir(), Notify: service.NotifyOptions{AllowLoopback: true}})
	h, err := api.New(api.Options{Service: st, Ping: st.Ping})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var received atomic.Int32
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		assert.NotEmpty(t, r.Header.Get("X-Kite-Signature"))
	}))
	t.Cleanup(rcv.Close)
	home := t.TempDir()
	c := &cli{t: t, env: map[string]string{"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "KITE_SERVER": srv.URL, "NO_COLOR": "1", "USER": "carol"}}
	key := filepath.Join(t.TempDir(), "hmac.key")
	require.NoError(t, os.WriteFile(key, []byte("0123456789abcdef\n"), 0o600))

	var created []kite.Subscription
	require.NoError(t, json.Unmarshal([]byte(c.ok("notify", "create", "chat", "-n", "team-a", "--webhook", rcv.URL, "--secret-file", key,
		"--events", "opened,resolved", "severity:>=major", "-o", "json")), &created))
	require.Len(t, created, 1)
	sub := created[0]
	assert.Equal(t, []string{"team-a"}, sub.Namespaces)
	assert.Equal(t, "severity:>=major", sub.Query)
	assert.Equal(t, "carol", sub.CreatedBy)
	assert.True(t, sub.HasSecret)
	c.ok("notify", "create", "oncall", "-A", "--alertmanager", "http://127.0.0.1:1")

	table := c.ok("notify", "list")
	assert.Contains(t, table, sub.ID)
	assert.Contains(t, table, "chat")
	assert.Contains(t, table, "oncall")

	out := c.ok("notify", "test", sub.ID)
	assert.Contains(t, out, "delivered")
	assert.Equal(t, int32(1), received.Load())
	assert.Contains(t, c.ok("notify", "deliveries", sub.ID), "delivered")

	oncall := strings.Fields(strings.Split(c.ok("notify", "list", "-o", "name"), "\n")[1])[0]
	code, _, errs := c.run("notify", "test", oncall)
	assert.Equal(t, exitError, code, "nothing listens at the Alertmanager's address")
	assert.Contains(t, errs, "not delivered")

	for _, args := range [][]string{
		{"notify", "create", "x"},
		{"notify", "create", "x", "--webhook", "https://a.example", "--alertmanager", "https://b.example"},
		{"notify", "create", "x", "-A", "--namespaces", "team-a", "--webhook", "https://a.example"},
	} {
		code, _, errs := c.run(args...)
		assert.Equal(t, exitUsage, code, "%v: %s", args, errs)
	}
	code, _, errs = c.run("notify", "create", "x", "-n", "team-a", "--webhook", "https://a.example", "--events", "exploded")
	assert.Equal(t, exitError, code)
	assert.Contains(t, errs, "events must be one of")

	assert.Contains(t, c.ok("notify", "delete", sub.ID, oncall), "deleted")
	assert.Empty(t, strings.TrimSpace(c.ok("notify", "list", "-o", "name")))
	code, _, _ = c.run("notify", "delete", sub.ID)
	assert.Equal(t, exitNotFound, code)
}
