package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/konflux-ci/kite"
)

// Triage routes: acknowledge, assign and comment on an issue. The actor is
// the authenticated caller (or X-Kite-User without authentication).

type assigneeBody struct {
	Assignee string `json:"assignee"`
}

type commentBody struct {
	Text string `json:"text"`
}

// issueAction is the start of every triage handler: the issue id, the
// caller as actor, and the namespace parameter checked against the issue.
func (s *server) issueAction(r *http.Request) (id, who string, err error) {
	id = mux.Vars(r)["id"]
	if who, err = actor(r); err != nil {
		return "", "", err
	}
	return id, who, s.namespaceParam(r, id)
}

// issueChange runs one triage change of the issue in the path, as the
// caller, and answers the issue as it is after it.
func (s *server) issueChange(w http.ResponseWriter, r *http.Request, change func(ctx context.Context, id, who string) (*kite.Issue, error)) error {
	id, who, err := s.issueAction(r)
	if err != nil {
		return err
	}
	is, err := change(r.Context(), id, who)
	if err != nil {
		return err
	}
	noteIssue(r, is)
	s.writeJSON(w, r, http.StatusOK, wireIssue(is))
	return nil
}

func (s *server) acknowledge(on bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		return s.issueChange(w, r, func(ctx context.Context, id, who string) (*kite.Issue, error) {
			return s.svc.Acknowledge(ctx, id, on, who)
		})
	}
}

func (s *server) assign(w http.ResponseWriter, r *http.Request) error {
	var body assigneeBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	if err := requireFields(field{"assignee", body.Assignee}); err != nil {
		return err
	}
	return s.setAssignee(w, r, body.Assignee)
}

func (s *server) unassign(w http.ResponseWriter, r *http.Request) error {
	return s.setAssignee(w, r, "")
}

func (s *server) setAssignee(w http.ResponseWriter, r *http.Request, assignee string) error {
	return s.issueChange(w, r, func(ctx context.Context, id, who string) (*kite.Issue, error) {
		return s.svc.Assign(ctx, id, assignee, who)
	})
}

func (s *server) comments(w http.ResponseWriter, r *http.Request) error {
	id := mux.Vars(r)["id"]
	if err := s.namespaceParam(r, id); err != nil {
		return err
	}
	list, err := s.svc.Comments(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.Comment]{Data: orEmpty(list)})
	return nil
}

func (s *server) addComment(w http.ResponseWriter, r *http.Request) error {
	return s.commentWrite(w, r, http.StatusCreated, func(ctx context.Context, id, text, who string) (*kite.Comment, error) {
		return s.svc.AddComment(ctx, id, text, who)
	})
}

func (s *server) editComment(w http.ResponseWriter, r *http.Request) error {
	return s.commentWrite(w, r, http.StatusOK, func(ctx context.Context, id, text, who string) (*kite.Comment, error) {
		return s.svc.EditComment(ctx, id, mux.Vars(r)["commentId"], text, who)
	})
}

// commentWrite reads a comment's text, writes it as the caller and answers
// the comment with status.
func (s *server) commentWrite(w http.ResponseWriter, r *http.Request, status int, write func(ctx context.Context, id, text, who string) (*kite.Comment, error)) error {
	var body commentBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	id, who, err := s.issueAction(r)
	if err != nil {
		return err
	}
	c, err := write(r.Context(), id, body.Text, who)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, status, c)
	return nil
}

func (s *server) deleteComment(w http.ResponseWriter, r *http.Request) error {
	id, who, err := s.issueAction(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteComment(r.Context(), id, mux.Vars(r)["commentId"], who); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// snoozeBody is a snooze request: until (a time, or a duration from now
// such as 2h), occurrences, escalating.
type snoozeBody struct {
	Until       string `json:"until"`
	Occurrences int64  `json:"occurrences"`
	Escalating  bool   `json:"escalating"`
}

func (s *server) snooze(w http.ResponseWriter, r *http.Request) error {
	var body snoozeBody
	if err := decodeBody(w, r, s.maxBody, &body); err != nil {
		return err
	}
	req := kite.SnoozeRequest{Occurrences: body.Occurrences, Escalating: body.Escalating}
	if body.Until != "" {
		until, err := kite.ParseUntil("until", body.Until, time.Now().UTC())
		if err != nil {
			return err
		}
		req.Until = &until
	}
	return s.issueChange(w, r, func(ctx context.Context, id, who string) (*kite.Issue, error) {
		return s.svc.Snooze(ctx, id, req, who)
	})
}

func (s *server) unsnooze(w http.ResponseWriter, r *http.Request) error {
	return s.issueChange(w, r, s.svc.Unsnooze)
}
