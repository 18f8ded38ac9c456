package api

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite/service/servicetest"
)

// openAPIDocument is the part of an OpenAPI document the sync test reads.
type openAPIDocument struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Parameters map[string]openAPIParameter `json:"parameters"`
	} `json:"components"`
}

type openAPIParameter struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

type openAPIOperation struct {
	Parameters []openAPIParameter         `json:"parameters"`
	Responses  map[string]json.RawMessage `json:"responses"`
	Request    *struct{ Required bool }   `json:"requestBody"`
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}

// TestOpenAPIMatchesRouter fails when a route is served but not documented
// or documented but not served, so the document cannot drift from the code.
func TestOpenAPIMatchesRouter(t *testing.T) {
	router, err := newRouter(Options{Service: servicetest.Open(t), Registerer: prometheus.NewRegistry()})
	require.NoError(t, err)

	var routed []string
	err = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tmpl, err := route.GetPathTemplate()
		require.NoError(t, err)
		methods, err := route.GetMethods()
		require.NoError(t, err, "route %s has no method", tmpl)
		for _, m := range methods {
			routed = append(routed, strings.ToUpper(m)+" "+tmpl)
		}
		return nil
	})
	require.NoError(t, err)

	var doc openAPIDocument
	require.NoError(t, json.Unmarshal(openAPIDoc, &doc))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	var documented []string
	for path, item := range doc.Paths {
		for key := range item {
			if httpMethods[key] {
				documented = append(documented, strings.ToUpper(key)+" "+path)
			}
		}
	}
	sort.Strings(routed)
	sort.Strings(documented)
	assert.Equal(t, routed, documented, "every route must be documented in openapi.json, and nothing else")
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIOperations checks each documented operation: it declares its
// path parameters, has responses, and every reference resolves.
func TestOpenAPIOperations(t *testing.T) {
	var doc openAPIDocument
	require.NoError(t, json.Unmarshal(openAPIDoc, &doc))
	resolve := func(p openAPIParameter) openAPIParameter {
		if p.Ref == "" {
			return p
		}
		name := strings.TrimPrefix(p.Ref, "#/components/parameters/")
		got, ok := doc.Components.Parameters[name]
		require.True(t, ok, "unresolved parameter %s", p.Ref)
		return got
	}
	for path, item := range doc.Paths {
		var shared []openAPIParameter
		if raw, ok := item["parameters"]; ok {
			require.NoError(t, json.Unmarshal(raw, &shared))
		}
		for method, raw := range item {
			if !httpMethods[method] {
				continue
			}
			var op openAPIOperation
			require.NoError(t, json.Unmarshal(raw, &op), "%s %s", method, path)
			assert.NotEmpty(t, op.Responses, "%s %s has no responses", method, path)
			declared := map[string]bool{}
			for _, p := range append(append([]openAPIParameter{}, shared...), op.Parameters...) {
				p = resolve(p)
				if p.In == "path" {
					declared[p.Name] = true
				}
			}
			for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
				assert.True(t, declared[m[1]], "%s %s does not declare path parameter %s", method, path, m[1])
			}
		}
	}

	// Every $ref in the document points at something that exists.
	var whole map[string]any
	require.NoError(t, json.Unmarshal(openAPIDoc, &whole))
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = whole
				for _, p := range parts {
					m, ok := cur.(map[string]any)
					require.True(t, ok, "unresolved $ref %s", ref)
					cur, ok = m[p]
					require.True(t, ok, "unresolved $ref %s", ref)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(whole)
}
