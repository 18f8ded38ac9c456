package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/konflux-ci/kite"
)

// Authenticator says who makes a request. auth.Kubernetes is the one Kite
// serves with; a request without credentials is kite.Anonymous().
type Authenticator interface {
	Authenticate(r *http.Request) (*kite.Principal, error)
}

// Headers of a proxy acting for its users (the console's), as
// kube-apiserver takes them; X-Kite-User, the name Kite's own clients once
// sent, is read as Impersonate-User.
const (
	impersonateUser        = "Impersonate-User"
	impersonateGroup       = "Impersonate-Group"
	impersonateUID         = "Impersonate-Uid"
	impersonateExtraPrefix = "Impersonate-Extra-"
)

// authenticate identifies the caller and puts the principal in the
// request's context, for kite.AuthorizedService and for the actor of
// writes. A proxy may act for another user only if the cluster lets it
// impersonate them, the rule kube-apiserver applies.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		caller, err := s.authn.Authenticate(r)
		p := caller
		if err == nil {
			noteCaller(r, caller, nil)
			p, err = s.impersonate(r, caller)
		}
		if err == nil {
			noteCaller(r, p, caller)
		}
		if err != nil {
			if kite.ErrorCode(err) == kite.EUNAUTHENTICATED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="kite"`)
			}
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(kite.WithPrincipal(r.Context(), p)))
	})
}

// impersonation is what a request's Impersonate-* headers ask to act as.
type impersonation struct {
	user   string
	groups []string
	uid    string
	extra  map[string][]string
}

// impersonationOf reads the Impersonate-* headers as kube-apiserver does:
// an extra's key is the header's rest, lower-cased and %-decoded.
func impersonationOf(h http.Header) impersonation {
	im := impersonation{
		user:   strings.TrimSpace(h.Get(impersonateUser)),
		groups: h.Values(impersonateGroup),
		uid:    h.Get(impersonateUID),
	}
	for name, values := range h {
		rest, ok := strings.CutPrefix(name, impersonateExtraPrefix)
		if !ok {
			continue
		}
		key := strings.ToLower(rest)
		if k, err := url.PathUnescape(key); err == nil {
			key = k
		}
		if im.extra == nil {
			im.extra = map[string][]string{}
		}
		im.extra[key] = append(im.extra[key], values...)
	}
	return im
}

// checks are the impersonate questions the request asks of the cluster:
// the user (a service account as itself, in its namespace), each group,
// each extra value (by key) and the uid.
func (im impersonation) checks() []kite.Access {
	checks := []kite.Access{userAccess(im.user)}
	for _, g := range im.groups {
		checks = append(checks, kite.Access{Verb: "impersonate", Resource: "groups", Name: g})
	}
	keys := slices.Sorted(maps.Keys(im.extra))
	for _, k := range keys {
		for _, v := range im.extra[k] {
			checks = append(checks, kite.Access{Verb: "impersonate", Group: authenticationGroup, Resource: "userextras", Subresource: k, Name: v})
		}
	}
	if im.uid != "" {
		checks = append(checks, kite.Access{Verb: "impersonate", Group: authenticationGroup, Resource: "uids", Name: im.uid})
	}
	return checks
}

// authenticationGroup is the API group of the extras and uids one
// impersonates.
const authenticationGroup = "authentication.k8s.io"

// principal is whom the impersonating request acts for, with the groups
// kube-apiserver gives it: a service account's own groups when the
// request names none; system:authenticated for anyone but the anonymous
// user (unless a group names either), who gets system:unauthenticated.
func (im impersonation) principal() *kite.Principal {
	groups := slices.Clone(im.groups)
	if len(groups) == 0 {
		if rest, ok := strings.CutPrefix(im.user, serviceAccountPrefix); ok {
			if ns, _, ok := strings.Cut(rest, ":"); ok {
				groups = []string{serviceAccountsGroup, serviceAccountsGroup + ":" + ns}
			}
		}
	}
	switch {
	case im.user == kite.AnonymousUser:
		if !slices.Contains(groups, kite.UnauthenticatedGroup) {
			groups = append(groups, kite.UnauthenticatedGroup)
		}
	case !slices.Contains(groups, authenticatedGroup) && !slices.Contains(groups, kite.UnauthenticatedGroup):
		groups = append(groups, authenticatedGroup)
	}
	return &kite.Principal{Name: im.user, UID: im.uid, Groups: groups, Extra: im.extra}
}

// The names kube-apiserver gives service accounts and their groups.
const (
	serviceAccountPrefix = "system:serviceaccount:"
	serviceAccountsGroup = "system:serviceaccounts"
	authenticatedGroup   = "system:authenticated"
)

// impersonate returns whom p acts for: p itself unless the request names
// another user in Impersonate-User (with groups, extras and a uid), each
// of which p must be allowed to impersonate (403 otherwise), as
// kube-apiserver decides it. X-Kite-User, which Kite's own clients send
// with the name of the person at the keyboard, is honoured the same way
// but ignored, not refused, when p may not impersonate: the actor is then
// p, whom the cluster vouches for.
func (s *server) impersonate(r *http.Request, p *kite.Principal) (*kite.Principal, error) {
	im := impersonationOf(r.Header)
	if im.user == "" {
		if len(im.groups) > 0 || im.uid != "" || len(im.extra) > 0 {
			return nil, kite.Invalid(impersonateUser, "Invalid impersonation", "Impersonate-Group, Impersonate-Uid and Impersonate-Extra-* need Impersonate-User")
		}
		soft := strings.TrimSpace(r.Header.Get(userHeader))
		if soft == "" || soft == p.Name || kite.CheckName(userHeader, soft) != nil {
			return p, nil
		}
		if ok, err := s.authz.Authorize(r.Context(), p, userAccess(soft)); err != nil || !ok {
			return p, nil
		}
		return impersonation{user: soft}.principal(), nil
	}
	if err := kite.CheckName(impersonateUser, im.user); err != nil {
		return nil, err
	}
	for _, a := range im.checks() {
		ok, err := s.authz.Authorize(r.Context(), p, a)
		if err != nil {
			return nil, kite.AccessUnchecked(err)
		}
		if !ok {
			what := a.Resource + " " + a.Name
			if a.Subresource != "" {
				what = a.Resource + "/" + a.Subresource + " " + a.Name
			}
			return nil, &kite.Error{Code: kite.EFORBIDDEN, Field: impersonateUser, Message: "Impersonation not allowed",
				Details: p.Name + " may not impersonate " + what}
		}
	}
	return im.principal(), nil
}

// userAccess is the impersonation check for a user name: service accounts
// are impersonated as themselves, in their namespace, as kube-apiserver
// checks them.
func userAccess(name string) kite.Access {
	if rest, ok := strings.CutPrefix(name, serviceAccountPrefix); ok {
		if ns, sa, ok := strings.Cut(rest, ":"); ok {
			return kite.Access{Verb: "impersonate", Resource: "serviceaccounts", Namespace: ns, Name: sa}
		}
	}
	return kite.Access{Verb: "impersonate", Resource: "users", Name: name}
}

// requirePath lets through only callers allowed to get the non-resource
// URL path (as Prometheus scrapes /metrics with its service account).
func (s *server) requirePath(path string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := kite.PrincipalFrom(r.Context())
		ok, err := s.authz.Authorize(r.Context(), p, kite.Access{Verb: "get", Path: path})
		switch {
		case err != nil:
			s.writeError(w, r, kite.AccessUnchecked(err))
		case !ok:
			s.writeError(w, r, &kite.Error{Code: kite.EFORBIDDEN, Message: "Access denied", Details: p.Name + " may not get " + path})
		default:
			next.ServeHTTP(w, r)
		}
	})
}
