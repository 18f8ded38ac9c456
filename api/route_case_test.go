package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// routeCase is one row of a per-route table: a request and what must come
// back. Rows run in order against one server, so later rows may rely on
// what earlier ones wrote.
type routeCase struct {
	name    string
	method  string
	path    string
	body    any
	headers []string
	status  int
	// errMsg and details describe an expected JSON error body.
	errMsg  string
	details []string
	check   func(t *testing.T, res *response)
}

func runCases(t *testing.T, ts *testServer, cases []routeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := ts.do(t, c.method, c.path, c.body, c.headers...)
			if c.errMsg != "" || c.status >= 400 {
				requireError(t, res, c.status, c.errMsg, c.details...)
			} else {
				require.Equal(t, c.status, res.Code, "body: %s", res.Raw)
			}
			if c.check != nil {
				c.check(t, res)
			}
		})
	}
}
