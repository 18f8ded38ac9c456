// Package notifytest runs a real Alertmanager for tests of Kite's
// notifications and reads back what it holds.
package notifytest

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Alert is an alert as Alertmanager's v2 API returns it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// Alertmanager is a running Alertmanager.
type Alertmanager struct {
	URL string
}

// binary finds Alertmanager: $KITE_ALERTMANAGER, else Debian's
// prometheus-alertmanager, else alertmanager on the PATH.
func binary() string {
	if b := os.Getenv("KITE_ALERTMANAGER"); b != "" {
		return b
	}
	for _, name := range []string{"prometheus-alertmanager", "alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// config routes every alert to a receiver that sends nothing: the tests
// read what Alertmanager holds, not what it would page.
const config = `route:
  receiver: hold
  group_wait: 1s
receivers:
  - name: hold
`

// Start runs an Alertmanager on a loopback port for the test; it is
// skipped without one, or fails when $CI is set (CI installs Debian's
// prometheus-alertmanager).
func Start(t testing.TB) *Alertmanager {
	t.Helper()
	bin := binary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Alertmanager is not installed; .ci/run installs Debian's prometheus-alertmanager")
		}
		t.Skip("Alertmanager is not installed (apt-get install prometheus-alertmanager)")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	log, err := os.Create(filepath.Join(dir, "alertmanager.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config.file="+cfg, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = log.Close()
	})
	am := &Alertmanager{URL: "http://" + addr}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(am.URL + "/-/ready")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return am
			}
		}
		select {
		case <-done:
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("Alertmanager exited at start:\n%s", out)
		default:
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("Alertmanager not ready after 30 s:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Alerts returns the alerts Alertmanager holds that have not ended.
func (am *Alertmanager) Alerts(t testing.TB) []Alert {
	t.Helper()
	resp, err := http.Get(am.URL + "/api/v2/alerts")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v2/alerts: %s", resp.Status)
	}
	var all []Alert
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	var out []Alert
	now := time.Now()
	for _, a := range all {
		if a.EndsAt.After(now) {
			out = append(out, a)
		}
	}
	return out
}

// Firing returns the issue ids of the alerts Alertmanager holds firing,
// with each one's labels, for the alert name Kite posts.
func (am *Alertmanager) Firing(t testing.TB) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, a := range am.Alerts(t) {
		if a.Labels["alertname"] != "KiteIssue" {
			continue
		}
		if _, dup := out[a.Labels["issue_id"]]; dup {
			t.Fatalf("two alerts firing for issue %s", a.Labels["issue_id"])
		}
		out[a.Labels["issue_id"]] = a.Labels
	}
	return out
}
