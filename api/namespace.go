package api

import (
	"net/http"

	"github.com/konflux-ci/kite"
)

// The v1 API scopes single-issue routes by an optional ?namespace=: a
// caller that names a namespace may only touch issues in it. An issue's
// namespace never changes, so checking before the write is race-free.

var errForbiddenNamespace = kite.Errorf(kite.EFORBIDDEN, "Access denied to this namespace")

// checkNamespace rejects iss when ?namespace= names another namespace.
func checkNamespace(r *http.Request, iss *kite.Issue) error {
	if ns := r.URL.Query().Get("namespace"); ns != "" && ns != iss.Namespace {
		return errForbiddenNamespace
	}
	return nil
}

// namespaceParam loads issue id when the request names a namespace and checks
// it; without ?namespace= there is nothing to check and no read is spent.
func (s *server) namespaceParam(r *http.Request, id string) error {
	if r.URL.Query().Get("namespace") == "" {
		return nil
	}
	iss, err := s.svc.GetIssue(r.Context(), id)
	if err != nil {
		return err
	}
	return checkNamespace(r, iss)
}

// namespaceParamRelation is namespaceParam for the relation routes, whose v1 404
// messages ("one or both issues not found", "relationship not found") come
// from the service: an unknown id is left for the service to report.
func (s *server) namespaceParamRelation(r *http.Request, id string) error {
	err := s.namespaceParam(r, id)
	if kite.ErrorCode(err) == kite.ENOTFOUND {
		return nil
	}
	return err
}
