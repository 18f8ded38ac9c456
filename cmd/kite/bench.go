package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/transport"
)

// benchOptions configure one load run.
type benchOptions struct {
	url         string
	concurrency int
	requests    int
	workload    string
	namespaces  int
	scopes      int
	timeout     time.Duration
	// streamClients follow the event stream during a new-failure run
	// (bench_stream.go); acked is told when each request is answered.
	streamClients int
	acked         func(i int)
	// query is the search of the query workload.
	query string
	// transport carries every request of the run (the workload's, the
	// stream clients', the metrics scrape) with the caller's credentials.
	transport http.RoundTripper
}

// workloads kite bench knows, with what each request does.
var workloads = map[string]string{
	"new-failure":    "pipeline-failure webhooks, each for a new pipeline (creates an issue)",
	"repeat-failure": "pipeline-failure webhooks for a fixed set of pipelines (updates issues)",
	"success":        "pipeline-success webhooks for that fixed set (resolves issues)",
	"list":           "GET one namespace's issues filtered by severity and state, limit 50",
	"search":         "GET /api/v1/search: a free word plus state and severity filters in one namespace, limit 50",
	"list-search":    "GET one namespace's issues with the v1 search parameter: a word of 3+ letters (the index), limit 50",
	"list-short":     "GET one namespace's issues with the v1 search parameter: words under 3 letters (the store's scan), limit 50",
	"facets":         "GET /api/v1/search: facet counts over a whole namespace",
	"get":            "GET one issue by id",
	"query":          "GET /api/v1/search with --query, limit 50; without ns: in it, one bench namespace per request in turn",
}

func newBenchCmd(env lookupEnv) *cobra.Command {
	o := benchOptions{}
	conn := clientOptions{env: env}
	var names []string
	for n := range workloads {
		names = append(names, n)
	}
	slices.Sort(names)
	var help strings.Builder
	for _, n := range names {
		fmt.Fprintf(&help, "  %-15s %s\n", n, workloads[n])
	}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load a running Kite server and report throughput and latency",
		Long: "Send a fixed number of requests of one workload at a fixed concurrency to a\n" +
			"running Kite and print throughput, latency percentiles and the server's RSS.\n\nWorkloads:\n" + help.String(),
		Example: "  kite bench --workload new-failure -n 100000 -c 32\n  kite bench --workload list -n 20000 -c 1\n" +
			"  kite bench --url https://kite.example --token \"$TOKEN\" --workload get",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, ok := workloads[o.workload]; !ok {
				return usageErrorf("unknown --workload %q: use one of %s", o.workload, strings.Join(names, ", "))
			}
			if o.concurrency < 1 || o.requests < 1 || o.namespaces < 1 || o.scopes < 1 {
				return usageErrorf("--concurrency, --requests, --namespaces and --scopes must be at least 1")
			}
			if (o.query != "") != (o.workload == "query") {
				return usageErrorf("--query goes with --workload query, and that workload needs it")
			}
			if o.streamClients > 0 && o.workload != "new-failure" {
				return usageErrorf("--stream-clients measures new issues: use it with --workload new-failure")
			}
			rt, err := conn.benchTransport(o.concurrency)
			if err != nil {
				return err
			}
			o.transport = rt
			var stream *streamMeter
			if o.streamClients > 0 {
				var err error
				if stream, err = startStreamMeter(cmd.Context(), &o); err != nil {
					return err
				}
			}
			res, err := runBench(cmd.Context(), o)
			if err != nil {
				return err
			}
			res.print(cmd.OutOrStdout())
			if stream != nil {
				stream.finish(res.count).print(cmd.OutOrStdout())
			}
			if n := res.errors.Load(); n > 0 {
				return fmt.Errorf("%d of %d requests failed (first: %s)", n, res.count, res.firstErr)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the Kite server")
	f.IntVarP(&o.concurrency, "concurrency", "c", 32, "requests in flight at once")
	f.IntVarP(&o.requests, "requests", "n", 10000, "requests to send in all")
	f.StringVarP(&o.workload, "workload", "w", "new-failure", "what to send (see above)")
	f.IntVar(&o.namespaces, "namespaces", 10, "namespaces the load is spread over (bench-0, bench-1, ...)")
	f.IntVar(&o.scopes, "scopes", 1000, "pipelines in the fixed set of repeat-failure and success")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "per-request timeout")
	f.StringVar(&o.query, "query", "", "with --workload query: the query language text to search")
	f.IntVar(&o.streamClients, "stream-clients", 0, "with new-failure: this many event stream clients follow the bench namespaces, and the time from each write's answer to its event at every client is reported")
	conn.registerCredentials(f)
	return cmd
}

// benchTransport is the client commands' credentials (credentials) as one
// transport for requests kite bench builds itself, keeping a connection
// per concurrent request.
func (o *clientOptions) benchTransport(concurrency int) (http.RoundTripper, error) {
	cfg, _, err := loadConfig(o.env)
	if err != nil {
		return nil, err
	}
	token, rt, err := o.credentials(cfg, &http.Transport{MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency})
	if err != nil || token == "" {
		return rt, err
	}
	return transport.NewBearerAuthRoundTripper(token, rt), nil
}

// benchResult is what one run measured.
type benchResult struct {
	workload    string
	concurrency int
	count       int
	errors      atomic.Int64
	firstErr    string
	elapsed     time.Duration
	latencies   []time.Duration
	serverRSS   float64
}

func runBench(ctx context.Context, o benchOptions) (*benchResult, error) {
	base := strings.TrimRight(o.url, "/")
	client := &http.Client{Timeout: o.timeout, Transport: o.transport}
	gen, err := newGenerator(ctx, client, base, o)
	if err != nil {
		return nil, err
	}
	res := &benchResult{workload: o.workload, concurrency: o.concurrency, count: o.requests}
	var next atomic.Int64
	var errOnce sync.Once
	lat := make([][]time.Duration, o.concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range o.concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.requests || ctx.Err() != nil {
					return
				}
				req, err := gen(i)
				if err == nil {
					t0 := time.Now()
					err = do(client, req)
					lat[w] = append(lat[w], time.Since(t0))
					if err == nil && o.acked != nil {
						o.acked(i)
					}
				}
				if err != nil {
					res.errors.Add(1)
					errOnce.Do(func() { res.firstErr = err.Error() })
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	for _, l := range lat {
		res.latencies = append(res.latencies, l...)
	}
	slices.Sort(res.latencies)
	res.serverRSS = scrapeRSS(client, base)
	return res, ctx.Err()
}

// do sends a request and fails on any non-2xx answer.
func do(c *http.Client, req *http.Request) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s %s: read response: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// newGenerator returns the function that builds request i of the workload.
// Each run gets its own prefix so new-failure always creates new issues,
// even against a store that earlier runs filled.
func newGenerator(ctx context.Context, c *http.Client, base string, o benchOptions) (func(int) (*http.Request, error), error) {
	run := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	ns := func(i int) string { return "bench-" + strconv.Itoa(i%o.namespaces) }
	severities := []string{"info", "minor", "major", "critical"}
	post := func(path string, body any) (*http.Request, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(b))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}
	get := func(path string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	}
	failure := func(i int, pipeline string) (*http.Request, error) {
		return post("/api/v1/webhooks/pipeline-failure", map[string]string{
			"pipelineName":  pipeline,
			"namespace":     ns(i),
			"failureReason": failureReason(i),
			"severity":      severities[(i/o.namespaces)%4],
			"runId":         pipeline + "-run-" + strconv.Itoa(i),
		})
	}
	switch o.workload {
	case "new-failure":
		return func(i int) (*http.Request, error) {
			return failure(i, fmt.Sprintf("bench-%s-%d", run, i))
		}, nil
	case "repeat-failure":
		return func(i int) (*http.Request, error) {
			return failure(i, "bench-fixed-"+strconv.Itoa(i%o.scopes))
		}, nil
	case "success":
		return func(i int) (*http.Request, error) {
			return post("/api/v1/webhooks/pipeline-success", map[string]string{
				"pipelineName": "bench-fixed-" + strconv.Itoa(i%o.scopes), "namespace": ns(i),
			})
		}, nil
	case "list":
		return func(i int) (*http.Request, error) {
			q := url.Values{"namespace": {ns(i)}, "severity": {severities[i%4]}, "state": {"ACTIVE"}, "limit": {"50"}}
			return get("/api/v1/issues?" + q.Encode())
		}, nil
	case "search":
		return func(i int) (*http.Request, error) {
			word := searchWords[i%len(searchWords)]
			q := url.Values{"namespace": {ns(i)}, "q": {word + " is:active severity:>=" + severities[1+i%3]}, "limit": {"50"}}
			return get("/api/v1/search?" + q.Encode())
		}, nil
	case "list-search", "list-short":
		words := searchWords
		if o.workload == "list-short" {
			words = shortSearches
		}
		return func(i int) (*http.Request, error) {
			q := url.Values{"namespace": {ns(i)}, "search": {words[i%len(words)]}, "limit": {"50"}}
			return get("/api/v1/issues?" + q.Encode())
		}, nil
	case "query":
		return func(i int) (*http.Request, error) {
			q := url.Values{"q": {o.query}, "limit": {"50"}}
			if !strings.Contains(o.query, "ns:") {
				q.Set("namespace", ns(i))
			}
			return get("/api/v1/search?" + q.Encode())
		}, nil
	case "facets":
		return func(i int) (*http.Request, error) {
			q := url.Values{"namespace": {ns(i)}, "facets": {"severity,issueType,namespace,state"}, "limit": {"1"}, "highlight": {"false"}}
			return get("/api/v1/search?" + q.Encode())
		}, nil
	default: // get
		ids, err := sampleIDs(ctx, c, base, o.namespaces)
		if err != nil {
			return nil, err
		}
		rng := rand.New(rand.NewPCG(1, 2))
		picks := make([]string, o.requests)
		for i := range picks {
			picks[i] = ids[rng.IntN(len(ids))]
		}
		return func(i int) (*http.Request, error) { return get("/api/v1/issues/" + picks[i]) }, nil
	}
}

// sampleIDs collects up to 1000 issue ids per bench namespace for "get".
func sampleIDs(ctx context.Context, c *http.Client, base string, namespaces int) ([]string, error) {
	var ids []string
	for n := range namespaces {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/issues?limit=1000&namespace=bench-"+strconv.Itoa(n), nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		var page struct {
			Data []struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("list bench-%d: %w", n, err)
		}
		for _, d := range page.Data {
			ids = append(ids, d.ID)
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no issues in the bench namespaces: run the new-failure workload first")
	}
	return ids, nil
}

// scrapeRSS reads the server's resident memory from its /metrics; 0 when
// unavailable.
func scrapeRSS(c *http.Client, base string) float64 {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return 0
}

func (r *benchResult) percentile(p float64) time.Duration { return percentile(r.latencies, p) }

// percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

func (r *benchResult) print(w io.Writer) {
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + " ms" }
	fmt.Fprintf(w, "workload     %s\n", r.workload)
	fmt.Fprintf(w, "concurrency  %d\n", r.concurrency)
	fmt.Fprintf(w, "requests     %d (%d failed)\n", r.count, r.errors.Load())
	fmt.Fprintf(w, "elapsed      %.3f s\n", r.elapsed.Seconds())
	fmt.Fprintf(w, "throughput   %.0f req/s\n", float64(r.count)/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency      p50 %s  p90 %s  p99 %s  max %s\n",
		ms(r.percentile(0.50)), ms(r.percentile(0.90)), ms(r.percentile(0.99)), ms(r.percentile(1)))
	if r.serverRSS > 0 {
		fmt.Fprintf(w, "server RSS   %.1f MB\n", r.serverRSS/(1<<20))
	}
}

// failureReasons are the shapes of real PipelineRun failure reasons, so
// that benchmark data exercises the text analysers the way real data does.
var failureReasons = []string{
	"ImagePullBackOff: registry.io/org/img-%d:latest not found",
	"OOMKilled in step build (exit code 137), container memory limit 2Gi",
	"TaskRunTimeout: TaskRun build-%d exceeded its 1h0m0s timeout",
	"%d tests failed in pkg/orders: TestCheckout, TestRefund",
	"Dependency resolution failed for github.com/acme/ledger v1.%d.0",
	"Enterprise Contract violation: tasks.required_untrusted_task_found (%d)",
	"CouldntGetTask: task buildah-%d not found in the catalog",
	"Failed to push image quay.io/acme/app-%d: unauthorized",
	"sast-snyk-check found %d high severity vulnerabilities",
	"PipelineRunTimeout after %d retries of prefetch-dependencies",
}

func failureReason(i int) string {
	return fmt.Sprintf(failureReasons[i%len(failureReasons)], i%97)
}

// shortSearches are v1 searches with words under the index's shortest
// part: substrings the original Kite's LIKE found ("13" in "137").
var shortSearches = []string{"13", "or", "code 1", "in", "Gi"}

// searchWords are words people search failures for.
var searchWords = []string{"timeout", "pull", "oomkilled", "tests", "dependency", "unauthorized", "violation", "vulnerabilities"}
