package api

import (
	"net/http"
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
	impersonateUser  = "Impersonate-User"
	impersonateGroup = "Impersonate-Group"
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

// impersonate returns whom p acts for: p itself unless the request names
// another user (and groups) in Impersonate-User, which p must be allowed
// to impersonate (403 otherwise). X-Kite-User, which Kite's own clients
// send with the name of the person at the keyboard, is honoured the same
// way but ignored, not refused, when p may not impersonate: the actor is
// then p, whom the cluster vouches for.
func (s *server) impersonate(r *http.Request, p *kite.Principal) (*kite.Principal, error) {
	name := strings.TrimSpace(r.Header.Get(impersonateUser))
	groups := r.Header.Values(impersonateGroup)
	if name == "" {
		if len(groups) > 0 {
			return nil, kite.Invalid(impersonateGroup, "Invalid impersonation", "Impersonate-Group needs Impersonate-User")
		}
		soft := strings.TrimSpace(r.Header.Get(userHeader))
		if soft == "" || soft == p.Name || kite.CheckName(userHeader, soft) != nil {
			return p, nil
		}
		if ok, err := s.authz.Authorize(r.Context(), p, userAccess(soft)); err != nil || !ok {
			return p, nil
		}
		return &kite.Principal{Name: soft, Groups: []string{"system:authenticated"}}, nil
	}
	if err := kite.CheckName(impersonateUser, name); err != nil {
		return nil, err
	}
	checks := []kite.Access{userAccess(name)}
	for _, g := range groups {
		checks = append(checks, kite.Access{Verb: "impersonate", Resource: "groups", Name: g})
	}
	for _, a := range checks {
		ok, err := s.authz.Authorize(r.Context(), p, a)
		if err != nil {
			return nil, kite.AccessUnchecked(err)
		}
		if !ok {
			return nil, &kite.Error{Code: kite.EFORBIDDEN, Field: impersonateUser, Message: "Impersonation not allowed",
				Details: p.Name + " may not impersonate " + a.Resource + " " + a.Name}
		}
	}
	return &kite.Principal{Name: name, Groups: append(groups, "system:authenticated")}, nil
}

// userAccess is the impersonation check for a user name: service accounts
// are impersonated as themselves, in their namespace, as kube-apiserver
// checks them.
func userAccess(name string) kite.Access {
	if rest, ok := strings.CutPrefix(name, "system:serviceaccount:"); ok {
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
