package auth_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/rest"

	"github.com/konflux-ci/kite"
	"github.com/konflux-ci/kite/auth"
)

// TestFirstDecisionsAreNotThrottled: a configuration that sets no request
// rate (a kubeconfig's, a pod's) still lets Kite ask many first-time
// questions at once. Under client-go's default (five a second after a
// burst of ten) the twentieth of twenty simultaneous decisions would have
// to wait two seconds, which the one second the callers allow refuses at
// once; Kite asks all twenty.
func TestFirstDecisionsAreNotThrottled(t *testing.T) {
	apiserver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","status":{"allowed":true}}`))
	}))
	t.Cleanup(apiserver.Close)
	k, err := auth.New(auth.Options{Config: &rest.Config{Host: apiserver.URL}, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p := &kite.Principal{Name: "alice", Groups: []string{"system:authenticated"}}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() {
			ok, err := k.Authorize(ctx, p, kite.Access{Verb: kite.VerbList, Namespace: "team-" + strconv.Itoa(i)})
			if err == nil && !ok {
				err = assert.AnError
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "decision %d", i)
	}
}
