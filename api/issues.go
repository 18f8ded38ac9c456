package api

import (
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/konflux-ci/kite"
)

func (s *server) listIssues(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := kite.IssueFilter{
		Namespace:    q.Get("namespace"),
		Severity:     kite.Severity(q.Get("severity")),
		IssueType:    kite.IssueType(q.Get("issueType")),
		State:        kite.State(q.Get("state")),
		ResourceType: q.Get("resourceType"),
		ResourceName: q.Get("resourceName"),
		Search:       q.Get("search"),
		// Invalid numbers fall back to the defaults, as in the original.
		Limit:  atoiOrZero(q.Get("limit")),
		Offset: atoiOrZero(q.Get("offset")),
	}
	// The service validates the filter; normalising here too lets the reply
	// echo the limit and offset actually applied.
	f = f.Normalize()
	list, err := s.svc.ListIssues(r.Context(), f)
	if err != nil {
		return err
	}
	data := make([]*kite.Issue, len(list.Issues))
	for i, iss := range list.Issues {
		data[i] = wireIssue(iss)
	}
	s.writeJSON(w, r, http.StatusOK, listBody{Data: data, Total: list.Total, Limit: f.Limit, Offset: f.Offset})
	return nil
}

func atoiOrZero(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}

func (s *server) createIssue(w http.ResponseWriter, r *http.Request) error {
	who, err := actor(r)
	if err != nil {
		return err
	}
	var body createIssueBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	noteNamespace(r, body.Namespace)
	rep, err := body.report(who)
	if err != nil {
		return err
	}
	res, err := s.svc.Report(r.Context(), rep)
	if err != nil {
		return err
	}
	noteIssue(r, res.Issue)
	s.writeJSON(w, r, http.StatusCreated, wireIssue(res.Issue))
	return nil
}

func (s *server) getIssue(w http.ResponseWriter, r *http.Request) error {
	iss, err := s.svc.GetIssue(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	noteIssue(r, iss)
	if err := checkNamespace(r, iss); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, wireIssue(iss))
	return nil
}

func (s *server) updateIssue(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	who, err := actor(r)
	if err != nil {
		return err
	}
	var body updateIssueBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	u, err := body.update(who)
	if err != nil {
		return err
	}
	if err := s.namespaceParam(r, id); err != nil {
		return err
	}
	iss, err := s.svc.UpdateIssue(r.Context(), id, u)
	if err != nil {
		return err
	}
	noteIssue(r, iss)
	s.writeJSON(w, r, http.StatusOK, wireIssue(iss))
	return nil
}

func (s *server) deleteIssue(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	if err := s.namespaceParam(r, id); err != nil {
		return err
	}
	if err := s.svc.DeleteIssue(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) resolveIssue(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	who, err := actor(r)
	if err != nil {
		return err
	}
	if err := s.namespaceParam(r, id); err != nil {
		return err
	}
	iss, err := s.svc.ResolveIssue(r.Context(), id, who)
	if err != nil {
		return err
	}
	noteIssue(r, iss)
	s.writeJSON(w, r, http.StatusOK, wireIssue(iss))
	return nil
}

func (s *server) timeline(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	if err := s.namespaceParam(r, id); err != nil {
		return err
	}
	events, err := s.svc.Timeline(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.Event]{Data: orEmpty(events)})
	return nil
}

func (s *server) relateIssues(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	var body relatedBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	if err := requireFields(field{"relatedId", body.RelatedID}); err != nil {
		return err
	}
	if err := s.namespaceParamRelation(r, id); err != nil {
		return err
	}
	if err := s.svc.RelateIssues(r.Context(), id, body.RelatedID); err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, messageBody{Message: "Relationship created"})
	return nil
}

func (s *server) unrelateIssues(w http.ResponseWriter, r *http.Request) error {
	vars := mux.Vars(r)
	if err := s.namespaceParamRelation(r, vars["id"]); err != nil {
		return err
	}
	if err := s.svc.UnrelateIssues(r.Context(), vars["id"], vars["relatedId"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
