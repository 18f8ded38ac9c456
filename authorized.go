package kite

import (
	"context"
	"fmt"
	"time"
)

// AuthorizedService is a Service whose every call is authorized for the
// principal of its context, so that the API, search and the event stream
// ask one question in one way and no handler can forget to. What a caller
// may not see does not exist for it: an issue in a namespace it may not
// read answers "not found", never "forbidden", so ids do not leak which
// namespaces hold what. A namespace it names but may not use is
// "forbidden", and so is a change to an issue it may read but not change.
type AuthorizedService struct {
	svc   Service
	feed  Streamer // nil when svc has no change feed
	authz Authorizer
}

// Authorized wraps svc. A context without a principal is the anonymous
// caller's.
func Authorized(svc Service, a Authorizer) *AuthorizedService {
	feed, _ := svc.(Streamer)
	return &AuthorizedService{svc: svc, feed: feed, authz: a}
}

var (
	_ Service  = (*AuthorizedService)(nil)
	_ Streamer = (*AuthorizedService)(nil)
)

// allowed asks whether ctx's principal may do verb to issues in ns ("" for
// every namespace). No answer (the cluster is unreachable) is an
// EUNAVAILABLE error: access fails closed.
func (s *AuthorizedService) allowed(ctx context.Context, verb, ns string) (bool, error) {
	p := PrincipalFrom(ctx)
	if p == nil {
		p = Anonymous()
	}
	ok, err := s.authz.Authorize(ctx, p, Access{Verb: verb, Namespace: ns})
	if err != nil {
		return false, AccessUnchecked(err)
	}
	return ok, nil
}

// requireNamespace answers EFORBIDDEN, naming the namespace, when ctx's
// principal may not do verb in ns.
func (s *AuthorizedService) requireNamespace(ctx context.Context, verb, ns string) error {
	ok, err := s.allowed(ctx, verb, ns)
	if err != nil || ok {
		return err
	}
	return &Error{Code: EFORBIDDEN, Field: "namespace", Message: "Access denied to this namespace",
		Details: fmt.Sprintf("%s may not %s issues in namespace %q", principalName(ctx), verb, ns)}
}

// requireNamespaces checks every namespace of a request over several: at
// cluster scope first (one answer for a reader of every namespace), then
// each in turn.
func (s *AuthorizedService) requireNamespaces(ctx context.Context, verb string, namespaces []string) error {
	if len(namespaces) > 1 {
		if ok, err := s.allowed(ctx, verb, ""); err != nil || ok {
			return err
		}
	}
	for _, ns := range namespaces {
		if err := s.requireNamespace(ctx, verb, ns); err != nil {
			return err
		}
	}
	return nil
}

// visible loads issue id when ctx's principal may do verb to it. An issue
// it may not read is not found, with the message notFound, so that ids do
// not tell what other namespaces hold; one it may read but not change
// (a viewer resolving) is forbidden, naming what it may not do, since the
// caller knows the issue exists and "not found" would mislead it.
func (s *AuthorizedService) visible(ctx context.Context, id, verb string, notFound *Error) (*Issue, error) {
	is, err := s.svc.GetIssue(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.allowed(ctx, verb, is.Namespace)
	if err != nil || ok {
		return is, err
	}
	if verb != VerbGet {
		// Asked only after a refusal: an allowed write costs one decision.
		readable, err := s.allowed(ctx, VerbGet, is.Namespace)
		if err != nil {
			return nil, err
		}
		if readable {
			return nil, &Error{Code: EFORBIDDEN, Field: "id", Message: "Access denied to this issue",
				Details: fmt.Sprintf("%s may not %s issues in namespace %q", principalName(ctx), verb, is.Namespace)}
		}
	}
	return nil, notFound
}

func principalName(ctx context.Context) string {
	if p := PrincipalFrom(ctx); p != nil {
		return p.Name
	}
	return AnonymousUser
}

var (
	errIssueNotFound    = &Error{Code: ENOTFOUND, Message: "Issue not found", Field: "id"}
	errIssuesNotFound   = Errorf(ENOTFOUND, "one or both issues not found")
	errRelationNotFound = Errorf(ENOTFOUND, "relationship not found")
)

// GetIssue returns the issue if the caller may get it.
func (s *AuthorizedService) GetIssue(ctx context.Context, id string) (*Issue, error) {
	return s.visible(ctx, id, VerbGet, errIssueNotFound)
}

// ListIssues lists a namespace the caller may list.
func (s *AuthorizedService) ListIssues(ctx context.Context, f IssueFilter) (*IssueList, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := s.requireNamespace(ctx, VerbList, f.Namespace); err != nil {
		return nil, err
	}
	return s.svc.ListIssues(ctx, f)
}

// UpdateIssue edits an issue the caller may update. An issue's namespace
// never changes, so the check before the write cannot be raced.
func (s *AuthorizedService) UpdateIssue(ctx context.Context, id string, u IssueUpdate) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.UpdateIssue(ctx, id, u)
}

// DeleteIssue deletes an issue the caller may delete.
func (s *AuthorizedService) DeleteIssue(ctx context.Context, id string) error {
	if _, err := s.visible(ctx, id, VerbDelete, errIssueNotFound); err != nil {
		return err
	}
	return s.svc.DeleteIssue(ctx, id)
}

// ResolveIssue resolves an issue the caller may update.
func (s *AuthorizedService) ResolveIssue(ctx context.Context, id, actor string) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.ResolveIssue(ctx, id, actor)
}

// RelateIssues relates two issues the caller may update.
func (s *AuthorizedService) RelateIssues(ctx context.Context, sourceID, targetID string) error {
	for _, id := range []string{sourceID, targetID} {
		if _, err := s.visible(ctx, id, VerbUpdate, errIssuesNotFound); err != nil {
			return err
		}
	}
	return s.svc.RelateIssues(ctx, sourceID, targetID)
}

// UnrelateIssues removes the relation of two issues the caller may update.
func (s *AuthorizedService) UnrelateIssues(ctx context.Context, a, b string) error {
	for _, id := range []string{a, b} {
		if _, err := s.visible(ctx, id, VerbUpdate, errRelationNotFound); err != nil {
			return err
		}
	}
	return s.svc.UnrelateIssues(ctx, a, b)
}

// Timeline returns the history of an issue the caller may get.
func (s *AuthorizedService) Timeline(ctx context.Context, id string) ([]Event, error) {
	if _, err := s.visible(ctx, id, VerbGet, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Timeline(ctx, id)
}

// Report files a report in a namespace the caller may create issues in.
func (s *AuthorizedService) Report(ctx context.Context, r Report) (*ReportResult, error) {
	if err := s.requireNamespace(ctx, VerbCreate, r.Namespace); err != nil {
		return nil, err
	}
	return s.svc.Report(ctx, r)
}

// ResolveScope is a success report: it needs create, as failure reports
// do, so that one reporter role covers a sender's both hooks.
func (s *AuthorizedService) ResolveScope(ctx context.Context, r Resolution) (int, error) {
	if err := s.requireNamespace(ctx, VerbCreate, r.Namespace); err != nil {
		return 0, err
	}
	return s.svc.ResolveScope(ctx, r)
}

// Search searches namespaces the caller may list: those of the request or,
// without any, those its query names. Facets and totals are computed over
// those namespaces alone.
func (s *AuthorizedService) Search(ctx context.Context, r SearchRequest) (*SearchResult, error) {
	if len(r.Namespaces) == 0 {
		q, err := ParseQuery(r.Query, time.Now())
		if err != nil {
			return nil, err
		}
		r.Namespaces = q.Namespaces()
	}
	if err := s.requireNamespaces(ctx, VerbList, r.Namespaces); err != nil {
		return nil, err
	}
	return s.svc.Search(ctx, r)
}

// Namespaces lists the namespaces with issues the caller may list: all of
// them for a reader at cluster scope, else each one it may list.
func (s *AuthorizedService) Namespaces(ctx context.Context) ([]NamespaceCount, error) {
	all, err := s.svc.Namespaces(ctx)
	if err != nil {
		return nil, err
	}
	if ok, err := s.allowed(ctx, VerbList, ""); err != nil || ok {
		return all, err
	}
	out := all[:0]
	for _, n := range all {
		ok, err := s.allowed(ctx, VerbList, n.Namespace)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, n)
		}
	}
	return out, nil
}
