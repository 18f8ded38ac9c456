package kite

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Subscribe follows namespaces the caller may watch. The stream is
// authorized when it opens and then again for every change it delivers,
// with the change's namespace (the Authorizer caches its decisions, so
// this costs a lookup, not a review): a grant revoked while the stream is
// open stops its events within the Authorizer's cache time, as it stops
// every other request. A change the caller may no longer watch is not
// delivered; when the caller may watch none of the namespaces it asked
// for, the stream ends with an EFORBIDDEN error. A decision that cannot be
// had (the cluster unreachable) ends it with EUNAVAILABLE: access fails
// closed, and the client resumes from its last event once it can.
func (s *AuthorizedService) Subscribe(ctx context.Context, r ChangeRequest) (*ChangeFeed, error) {
	if s.feed == nil {
		return nil, Errorf(EUNAVAILABLE, "This server has no event stream")
	}
	if err := s.requireNamespaces(ctx, VerbWatch, r.Namespaces); err != nil {
		return nil, err
	}
	// The inner feed is ended with this context when the stream must stop
	// before the caller ends it.
	ctx, cancel := context.WithCancel(ctx)
	in, err := s.feed.Subscribe(ctx, r)
	if err != nil {
		cancel()
		return nil, err
	}
	out := make(chan IssueChange)
	var (
		mu      sync.Mutex
		feedErr error
	)
	go func() {
		defer close(out)
		defer cancel()
		stop := func(err error) {
			mu.Lock()
			feedErr = err
			mu.Unlock()
		}
		for c := range in.C {
			ok, err := s.allowed(ctx, VerbWatch, c.Namespace)
			if err == nil && !ok {
				err = s.requireAnyNamespace(ctx, VerbWatch, r.Namespaces)
			}
			if err != nil {
				stop(err)
				return
			}
			if !ok {
				continue
			}
			select {
			case out <- c:
			case <-ctx.Done():
			}
		}
		stop(in.Err())
	}()
	return &ChangeFeed{C: out, Err: func() error {
		mu.Lock()
		defer mu.Unlock()
		return feedErr
	}}, nil
}

// requireAnyNamespace answers EFORBIDDEN, naming the namespaces, when ctx's
// principal may do verb in none of them.
func (s *AuthorizedService) requireAnyNamespace(ctx context.Context, verb string, namespaces []string) error {
	for _, ns := range namespaces {
		ok, err := s.allowed(ctx, verb, ns)
		if err != nil || ok {
			return err
		}
	}
	return &Error{Code: EFORBIDDEN, Field: "namespace", Message: "Access to the stream's namespaces was revoked",
		Details: fmt.Sprintf("%s may no longer %s issues in namespace %s", principalName(ctx), verb, strings.Join(namespaces, ", "))}
}
