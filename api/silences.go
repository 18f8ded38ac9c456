package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/konflux-ci/kite"
)

// silenceBody is a silence as clients send it: times as RFC 3339 text,
// or "for" (30m, 2h, 7d) instead of endsAt.
type silenceBody struct {
	Namespaces []string `json:"namespaces"`
	Query      string   `json:"query"`
	StartsAt   string   `json:"startsAt"`
	EndsAt     string   `json:"endsAt"`
	For        string   `json:"for"`
	Comment    string   `json:"comment"`
}

func (b silenceBody) request(now time.Time) (kite.SilenceRequest, error) {
	r := kite.SilenceRequest{Namespaces: b.Namespaces, Query: b.Query, Comment: b.Comment}
	if b.StartsAt != "" {
		t, err := kite.ParseTime("startsAt", b.StartsAt)
		if err != nil {
			return r, err
		}
		r.StartsAt = &t
	}
	switch {
	case b.EndsAt != "" && b.For != "":
		return r, kite.Invalid("for", "Validation failed", "give endsAt or for, not both")
	case b.EndsAt != "":
		t, err := kite.ParseTime("endsAt", b.EndsAt)
		if err != nil {
			return r, err
		}
		r.EndsAt = t
	case b.For != "":
		from := now
		if r.StartsAt != nil {
			from = *r.StartsAt
		}
		t, err := kite.ParseUntil("for", b.For, from)
		if err != nil {
			return r, err
		}
		r.EndsAt = t
	default:
		return r, kite.Invalid("endsAt", "Validation failed", "a silence needs endsAt or for")
	}
	return r, nil
}

func (s *server) listSilences(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := kite.SilenceFilter{Namespaces: splitList(q["namespace"])}
	if len(f.Namespaces) == 0 {
		return kite.Invalid("namespace", "Missing namespace", "name the namespaces whose silences to list with namespace=")
	}
	for _, st := range splitList(q["state"]) {
		switch v := kite.SilenceState(st); v {
		case kite.SilencePending, kite.SilenceActive, kite.SilenceExpired:
			f.States = append(f.States, v)
		default:
			return kite.Invalid("state", "Invalid state", "state must be pending, active or expired")
		}
	}
	list, err := s.svc.Silences(r.Context(), f)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.Silence]{Data: orEmpty(list)})
	return nil
}

func (s *server) getSilence(w http.ResponseWriter, r *http.Request) error {
	sl, err := s.svc.GetSilence(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sl)
	return nil
}

// silenceRequest decodes a silence body and the actor.
func (s *server) silenceRequest(w http.ResponseWriter, r *http.Request) (kite.SilenceRequest, string, error) {
	var body silenceBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return kite.SilenceRequest{}, "", err
	}
	noteNamespace(r, strings.Join(body.Namespaces, ","))
	req, err := body.request(time.Now().UTC())
	if err != nil {
		return req, "", err
	}
	who, err := actor(r)
	return req, who, err
}

func (s *server) createSilence(w http.ResponseWriter, r *http.Request) error {
	req, who, err := s.silenceRequest(w, r)
	if err != nil {
		return err
	}
	sl, err := s.svc.CreateSilence(r.Context(), req, who)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, sl)
	return nil
}

func (s *server) updateSilence(w http.ResponseWriter, r *http.Request) error {
	req, who, err := s.silenceRequest(w, r)
	if err != nil {
		return err
	}
	sl, err := s.svc.UpdateSilence(r.Context(), mux.Vars(r)["id"], req, who)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sl)
	return nil
}

func (s *server) expireSilence(w http.ResponseWriter, r *http.Request) error {
	who, err := actor(r)
	if err != nil {
		return err
	}
	sl, err := s.svc.ExpireSilence(r.Context(), mux.Vars(r)["id"], who)
	if err != nil {
		return err
	}
	noteNamespace(r, strings.Join(sl.Namespaces, ","))
	s.writeJSON(w, r, http.StatusOK, sl)
	return nil
}

// previewBody is what a silence would mute now.
type previewBody struct {
	Data  []*kite.Issue `json:"data"`
	Total int           `json:"total"`
}

// previewSilence answers which issues a silence would mute if it were
// active now: its query searched in its namespaces (a page of them, and
// how many in all). Only the namespaces and the query are needed.
func (s *server) previewSilence(w http.ResponseWriter, r *http.Request) error {
	var body silenceBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	now := time.Now().UTC()
	req := kite.SilenceRequest{Namespaces: body.Namespaces, Query: body.Query, Comment: "preview", EndsAt: now.Add(time.Hour)}
	if _, err := req.Check(now); err != nil {
		return err
	}
	res, err := s.svc.Search(r.Context(), kite.SearchRequest{
		Query: body.Query, Namespaces: body.Namespaces, Limit: atoiOrZero(r.URL.Query().Get("limit")),
	})
	if err != nil {
		return err
	}
	out := previewBody{Data: make([]*kite.Issue, 0, len(res.Hits)), Total: res.Total}
	for _, h := range res.Hits {
		out.Data = append(out.Data, wireIssue(h.Issue))
	}
	s.writeJSON(w, r, http.StatusOK, out)
	return nil
}
