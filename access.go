package kite

import (
	"context"
	"slices"
)

// Kite's issues are authorized as a resource of their own API group, so
// that a cluster's RBAC decides who may do what in which namespace
// (deploy/base/rbac-access.yaml aggregates them into view, edit and admin).
const (
	APIGroup       = "kite.konflux-ci.dev"
	ResourceIssues = "issues"
)

// Verbs on issues: what each kind of request asks of the Authorizer.
const (
	VerbGet    = "get"    // read one issue, its timeline
	VerbList   = "list"   // list and search a namespace
	VerbWatch  = "watch"  // follow the event stream
	VerbCreate = "create" // report: webhooks, POST /api/v1/issues
	VerbUpdate = "update" // edit, resolve, reopen, relate
	VerbDelete = "delete"
)

// The identity of a caller without credentials, as kube-apiserver names
// it: authorized like anyone else, so denied unless an admin grants it.
const (
	AnonymousUser        = "system:anonymous"
	UnauthenticatedGroup = "system:unauthenticated"
)

// Principal is who makes a request, as the cluster authenticated it (or,
// behind an allowed impersonating proxy, whom it acts for).
type Principal struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Anonymous is the principal of a request without credentials.
func Anonymous() *Principal {
	return &Principal{Name: AnonymousUser, Groups: []string{UnauthenticatedGroup}}
}

// IsAnonymous reports whether p is the unauthenticated caller.
func (p *Principal) IsAnonymous() bool {
	return p == nil || p.Name == AnonymousUser || slices.Contains(p.Groups, UnauthenticatedGroup)
}

// Access is one question for an Authorizer: may the principal do Verb to
// Resource (issues of APIGroup when empty) in Namespace (every namespace
// when empty)? Subresource and Name narrow it (a user to impersonate; the
// key and value of an extra to impersonate); Path, when set, asks about a
// non-resource URL such as /metrics instead.
type Access struct {
	Verb        string
	Namespace   string
	Group       string
	Resource    string
	Subresource string
	Name        string
	Path        string
}

// Authorizer answers Access questions. An error means no answer could be
// had (the cluster is unreachable): callers fail closed.
type Authorizer interface {
	Authorize(ctx context.Context, p *Principal, a Access) (bool, error)
}

// AccessUnchecked is the error of a question an Authorizer could not
// answer (the cluster unreachable): access fails closed, as a 503 the
// caller may retry, never as allowed.
func AccessUnchecked(err error) *Error {
	return &Error{Code: EUNAVAILABLE, Message: "Access could not be checked; try again shortly", Err: err}
}

type principalKey struct{}

// WithPrincipal returns ctx carrying the request's principal. The HTTP
// layer sets it once the caller is authenticated; the authorizing service
// reads it on every call.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, nil when none.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
