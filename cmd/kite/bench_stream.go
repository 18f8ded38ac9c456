package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/api"
)

// streamMeter measures the event stream under load: clients follow the
// bench namespaces while a new-failure run writes, and each client notes
// when the creation of issue i reached it; the run notes when the write
// of issue i was answered.
type streamMeter struct {
	cancel  context.CancelFunc
	acked   []atomic.Int64   // by request: unix nanos of the answer
	arrived [][]atomic.Int64 // by client, then request
	broken  atomic.Int64
	wg      sync.WaitGroup
}

// The clients read the stream's frames without decoding the issues: the
// load generator shares the machine with the server, and decoding 100
// copies of every issue would measure the generator.
func startStreamMeter(ctx context.Context, o *benchOptions) (*streamMeter, error) {
	var namespaces []string
	for n := range o.namespaces {
		namespaces = append(namespaces, "bench-"+strconv.Itoa(n))
	}
	target := strings.TrimRight(o.url, "/") + "/api/v1/events?" + url.Values{"namespace": {strings.Join(namespaces, ",")}}.Encode()
	ctx, cancel := context.WithCancel(ctx)
	m := &streamMeter{cancel: cancel, acked: make([]atomic.Int64, o.requests), arrived: make([][]atomic.Int64, o.streamClients)}
	for k := range m.arrived {
		m.arrived[k] = make([]atomic.Int64, o.requests)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
		if err != nil {
			cancel()
			return nil, err
		}
		resp, err := (&http.Client{Transport: o.transport}).Do(req)
		if err == nil && resp.StatusCode != http.StatusOK {
			_ = resp.Body.Close()
			err = fmt.Errorf("GET %s: %s", target, resp.Status)
		}
		if err != nil {
			cancel()
			return nil, fmt.Errorf("event stream client %d: %w", k, err)
		}
		m.wg.Go(func() {
			defer func() { _ = resp.Body.Close() }()
			_ = api.ReadEvents(resp.Body, func(name string, data []byte) bool {
				if i, ok := requestIndex(name, data); ok && i < len(m.arrived[k]) {
					m.arrived[k][i].CompareAndSwap(0, time.Now().UnixNano())
				}
				return true
			})
			if ctx.Err() == nil {
				m.broken.Add(1)
			}
		})
	}
	o.acked = func(i int) { m.acked[i].Store(time.Now().UnixNano()) }
	return m, nil
}

// requestIndex finds which new-failure request created an issue, from the
// run id the workload gives it ("<pipeline>-run-<i>").
func requestIndex(event string, data []byte) (int, bool) {
	if event != string(kite.ChangeCreated) {
		return 0, false
	}
	const key = `"runId":"`
	at := bytes.Index(data, []byte(key))
	if at < 0 {
		return 0, false
	}
	runID, _, _ := bytes.Cut(data[at+len(key):], []byte(`"`))
	_, tail, ok := bytes.Cut(runID, []byte("-run-"))
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(tail))
	return i, err == nil
}

type streamResult struct {
	clients, expected, delivered int
	broken                       int64
	latencies                    []time.Duration
}

// finish waits (up to 30 s) for every client to receive every answered
// write, then stops the clients.
func (m *streamMeter) finish(requests int) streamResult {
	want := 0
	for i := range requests {
		if m.acked[i].Load() != 0 {
			want++
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	count := func() int {
		n := 0
		for k := range m.arrived {
			for i := range requests {
				if m.arrived[k][i].Load() != 0 {
					n++
				}
			}
		}
		return n
	}
	for count() < want*len(m.arrived) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	m.cancel()
	m.wg.Wait()
	r := streamResult{clients: len(m.arrived), expected: want * len(m.arrived), broken: m.broken.Load()}
	for k := range m.arrived {
		for i := range requests {
			at, acked := m.arrived[k][i].Load(), m.acked[i].Load()
			if at == 0 || acked == 0 {
				continue
			}
			r.delivered++
			// An event may beat the answer to the writer: that is no delay.
			r.latencies = append(r.latencies, time.Duration(max(at-acked, 0)))
		}
	}
	slices.Sort(r.latencies)
	return r
}

func (r streamResult) print(w io.Writer) {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + " ms" }
	fmt.Fprintf(w, "stream       %d clients, %d of %d events delivered, %d streams broke\n", r.clients, r.delivered, r.expected, r.broken)
	fmt.Fprintf(w, "delivery     p50 %s  p90 %s  p99 %s  max %s (from each write's answer)\n",
		ms(percentile(r.latencies, 0.50)), ms(percentile(r.latencies, 0.90)), ms(percentile(r.latencies, 0.99)), ms(percentile(r.latencies, 1)))
}
