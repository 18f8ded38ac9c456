package api

import (
	"net/http"
	"slices"

	"github.com/konflux-ci/kite"
)

// Identity is GET /api/v1/auth/whoami: who Kite takes the caller for.
type Identity struct {
	User   string              `json:"user"`
	UID    string              `json:"uid,omitempty"`
	Groups []string            `json:"groups"`
	Extra  map[string][]string `json:"extra,omitempty"`
	// Authentication is "kubernetes" when the cluster vouches for the
	// user, "none" when Kite trusts every caller.
	Authentication string `json:"authentication"`
}

func (s *server) whoami(w http.ResponseWriter, r *http.Request) error {
	if s.authn == nil {
		who, err := actor(r)
		if err != nil {
			return err
		}
		s.writeJSON(w, r, http.StatusOK, Identity{User: who, Groups: []string{}, Authentication: "none"})
		return nil
	}
	p := kite.PrincipalFrom(r.Context())
	s.writeJSON(w, r, http.StatusOK, Identity{User: p.Name, UID: p.UID, Groups: slices.Concat([]string{}, p.Groups), Extra: p.Extra, Authentication: "kubernetes"})
	return nil
}

// canIBody is GET /api/v1/auth/can-i?verb=&namespace=.
type canIBody struct {
	Allowed   bool   `json:"allowed"`
	Verb      string `json:"verb"`
	Namespace string `json:"namespace"`
}

var issueVerbs = []string{kite.VerbGet, kite.VerbList, kite.VerbWatch, kite.VerbCreate, kite.VerbUpdate, kite.VerbDelete}

// canI answers whether the caller may do verb to issues in namespace
// (every namespace when it is empty), as the cluster would decide it.
func (s *server) canI(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	a := kite.Access{Verb: q.Get("verb"), Namespace: q.Get("namespace")}
	if !slices.Contains(issueVerbs, a.Verb) {
		return kite.Invalid("verb", "Invalid verb", "verb must be one of get, list, watch, create, update, delete")
	}
	if a.Namespace != "" {
		if err := kite.CheckName("namespace", a.Namespace); err != nil {
			return err
		}
	}
	allowed := true
	if s.authn != nil {
		var err error
		if allowed, err = s.authz.Authorize(r.Context(), kite.PrincipalFrom(r.Context()), a); err != nil {
			return kite.AccessUnchecked(err)
		}
	}
	s.writeJSON(w, r, http.StatusOK, canIBody{Allowed: allowed, Verb: a.Verb, Namespace: a.Namespace})
	return nil
}
