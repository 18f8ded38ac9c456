package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/konflux-ci/kite"
)

// Subscriptions are authorized here, as backups are, against the virtual
// resource subscriptions: a verb in each namespace a subscription
// follows, or cluster-wide for one that follows every namespace. They are
// the store's, so the handlers take them from the unwrapped service.

// mayOnSubscription answers whether the caller may do verb to a
// subscription following namespaces, as a 403 naming what it lacks.
func (s *server) mayOnSubscription(ctx context.Context, verb string, namespaces []string) error {
	if s.authn == nil {
		return nil
	}
	p := kite.PrincipalFrom(ctx)
	scopes := namespaces
	if len(scopes) == 0 {
		scopes = []string{""}
	}
	for _, ns := range scopes {
		ok, err := s.authz.Authorize(ctx, p, kite.Access{Verb: verb, Namespace: ns, Group: kite.APIGroup, Resource: kite.ResourceSubscriptions})
		switch {
		case err != nil:
			return kite.AccessUnchecked(err)
		case !ok:
			where := "in " + ns
			if ns == "" {
				where = "cluster-wide (it follows every namespace)"
			}
			return &kite.Error{Code: kite.EFORBIDDEN, Message: "Access denied",
				Details: fmt.Sprintf("%s may not %s subscriptions (%s) %s", p.Name, verb, kite.APIGroup, where)}
		}
	}
	return nil
}

// notifier is the service's subscriptions, or a 503 for a server without.
func (s *server) notifier() (kite.Notifier, error) {
	if s.notify == nil {
		return nil, kite.Errorf(kite.EUNAVAILABLE, "this server keeps no subscriptions")
	}
	return s.notify, nil
}

func (s *server) listSubscriptions(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	all, err := n.Subscriptions(r.Context())
	if err != nil {
		return err
	}
	out := []kite.Subscription{}
	for _, sub := range all {
		if s.mayOnSubscription(r.Context(), kite.VerbList, sub.Namespaces) == nil {
			out = append(out, sub)
		}
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.Subscription]{Data: out})
	return nil
}

// subscription reads the subscription of the request's id, as 404 when
// the caller may not get it (so ids in other namespaces tell nothing).
func (s *server) subscription(r *http.Request) (kite.Notifier, *kite.Subscription, error) {
	n, err := s.notifier()
	if err != nil {
		return nil, nil, err
	}
	id := mux.Vars(r)["id"]
	sub, err := n.GetSubscription(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.mayOnSubscription(r.Context(), kite.VerbGet, sub.Namespaces); err != nil {
		if kite.ErrorCode(err) == kite.EFORBIDDEN {
			return nil, nil, kite.Errorf(kite.ENOTFOUND, "subscription %s not found", id)
		}
		return nil, nil, err
	}
	noteNamespace(r, strings.Join(sub.Namespaces, ","))
	return n, sub, nil
}

func (s *server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	_, sub, err := s.subscription(r)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, sub)
	return nil
}

func (s *server) createSubscription(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	var req kite.SubscriptionRequest
	if err := decodeBody(w, r, s.maxBody, &req); err != nil {
		return err
	}
	noteNamespace(r, strings.Join(req.Namespaces, ","))
	if err := s.mayOnSubscription(r.Context(), kite.VerbCreate, req.Namespaces); err != nil {
		return err
	}
	who, err := actor(r)
	if err != nil {
		return err
	}
	sub, err := n.CreateSubscription(r.Context(), req, who)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusCreated, sub)
	return nil
}

func (s *server) deleteSubscription(w http.ResponseWriter, r *http.Request) error {
	n, sub, err := s.subscription(r)
	if err != nil {
		return err
	}
	if err := s.mayOnSubscription(r.Context(), kite.VerbDelete, sub.Namespaces); err != nil {
		return err
	}
	if err := n.DeleteSubscription(r.Context(), sub.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testSubscription sends a test notification; it needs update, as it
// makes the subscription send.
func (s *server) testSubscription(w http.ResponseWriter, r *http.Request) error {
	n, sub, err := s.subscription(r)
	if err != nil {
		return err
	}
	if err := s.mayOnSubscription(r.Context(), kite.VerbUpdate, sub.Namespaces); err != nil {
		return err
	}
	d, err := n.TestSubscription(r.Context(), sub.ID)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, d)
	return nil
}

func (s *server) deliveries(w http.ResponseWriter, r *http.Request) error {
	n, sub, err := s.subscription(r)
	if err != nil {
		return err
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return kite.Invalid("limit", "Invalid limit", "limit must be a positive number")
		}
	}
	list, err := n.Deliveries(r.Context(), sub.ID, limit)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.Delivery]{Data: orEmpty(list)})
	return nil
}

// issueNotifications says where an issue was notified, to callers who may
// read the issue.
func (s *server) issueNotifications(w http.ResponseWriter, r *http.Request) error {
	n, err := s.notifier()
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	is, err := s.svc.GetIssue(r.Context(), id) // the authorized read: 404 when unseen
	if err != nil {
		return err
	}
	noteNamespace(r, is.Namespace)
	list, err := n.IssueNotifications(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeJSON(w, r, http.StatusOK, dataBody[kite.IssueNotification]{Data: orEmpty(list)})
	return nil
}
