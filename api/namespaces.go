package api

import (
	"net/http"

	"github.com/konflux-ci/kite"
)

// namespaces lists the namespaces with issues the caller may list, for
// all-namespaces views.
func (s *server) namespaces(w http.ResponseWriter, r *http.Request) error {
	list, err := s.svc.Namespaces(r.Context())
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.NamespaceCount]{Data: orEmpty(list)})
	return nil
}
