package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route New serves. openapi_test.go compares it
// with the router, so a route added without documentation fails the tests.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
