package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/konflux-ci/kite"
)

// searchBody is the reply of GET /api/v1/search.
type searchBody struct {
	Data  []kite.SearchHit `json:"data"`
	Total int              `json:"total"`
	// TotalIsLowerBound: counting stopped at total; there are more.
	TotalIsLowerBound bool                         `json:"totalIsLowerBound,omitempty"`
	Facets            map[string][]kite.FacetCount `json:"facets,omitempty"`
	NextCursor        string                       `json:"nextCursor,omitempty"`
}

// search answers the query language. Namespaces come from namespace=
// (repeatable or comma-separated) or, failing that, from ns: terms in q.
func (s *server) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	req := kite.SearchRequest{
		Query:      q.Get("q"),
		Namespaces: splitList(q["namespace"]),
		Limit:      atoiOrZero(q.Get("limit")),
		Cursor:     q.Get("cursor"),
		Facets:     splitList(q["facets"]),
		Highlight:  true,
		Caller:     caller(r),
	}
	if v := q.Get("highlight"); v != "" {
		h, err := strconv.ParseBool(v)
		if err != nil {
			return kite.Invalid("highlight", "Invalid highlight", "highlight must be true or false")
		}
		req.Highlight = h
	}
	res, err := s.svc.Search(r.Context(), req)
	if err != nil {
		return err
	}
	body := searchBody{
		Data: make([]kite.SearchHit, len(res.Hits)), Total: res.Total, TotalIsLowerBound: res.TotalIsLowerBound,
		Facets: res.Facets, NextCursor: res.NextCursor,
	}
	for i, h := range res.Hits {
		h.Issue = wireIssue(h.Issue)
		body.Data[i] = h
	}
	s.writeJSON(w, r, http.StatusOK, body)
	return nil
}

// splitList flattens repeated and comma-separated query values.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
