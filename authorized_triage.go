package kite

import "context"

// Triage changes need update on the issue's namespace, reading comments
// get, as the other edits and reads of an issue do (authorized.go).

// Acknowledge acknowledges an issue the caller may update.
func (s *AuthorizedService) Acknowledge(ctx context.Context, id string, on bool, actor string) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Acknowledge(ctx, id, on, actor)
}

// Assign assigns an issue the caller may update.
func (s *AuthorizedService) Assign(ctx context.Context, id, assignee, actor string) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Assign(ctx, id, assignee, actor)
}

// Comments lists the comments of an issue the caller may get.
func (s *AuthorizedService) Comments(ctx context.Context, id string) ([]Comment, error) {
	if _, err := s.visible(ctx, id, VerbGet, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Comments(ctx, id)
}

// AddComment comments on an issue the caller may update.
func (s *AuthorizedService) AddComment(ctx context.Context, id, text, author string) (*Comment, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.AddComment(ctx, id, text, author)
}

// EditComment edits a comment of an issue the caller may update (and the
// store checks that the caller wrote it).
func (s *AuthorizedService) EditComment(ctx context.Context, id, commentID, text, actor string) (*Comment, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.EditComment(ctx, id, commentID, text, actor)
}

// DeleteComment deletes a comment of an issue the caller may update.
func (s *AuthorizedService) DeleteComment(ctx context.Context, id, commentID, actor string) error {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return err
	}
	return s.svc.DeleteComment(ctx, id, commentID, actor)
}

// Snooze snoozes an issue the caller may update.
func (s *AuthorizedService) Snooze(ctx context.Context, id string, r SnoozeRequest, actor string) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Snooze(ctx, id, r, actor)
}

// Unsnooze wakes an issue the caller may update.
func (s *AuthorizedService) Unsnooze(ctx context.Context, id, actor string) (*Issue, error) {
	if _, err := s.visible(ctx, id, VerbUpdate, errIssueNotFound); err != nil {
		return nil, err
	}
	return s.svc.Unsnooze(ctx, id, actor)
}
