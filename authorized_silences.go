package kite

import (
	"context"
	"slices"
)

// A silence is of the namespaces it names: reading it needs list in each
// of them, writing it update in each (its old ones too, when it changes),
// as for the issues it mutes. A silence the caller may not read is not
// found.

var errSilenceNotFound = Errorf(ENOTFOUND, "Silence not found")

// readable reports whether the caller may list every namespace of sl.
func (s *AuthorizedService) readable(ctx context.Context, sl *Silence) (bool, error) {
	for _, ns := range sl.Namespaces {
		ok, err := s.allowed(ctx, VerbList, ns)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// Silences lists the silences of namespaces the caller may list.
func (s *AuthorizedService) Silences(ctx context.Context, f SilenceFilter) ([]Silence, error) {
	if len(f.Namespaces) == 0 {
		return nil, Invalid("namespace", "Missing namespace", "name the namespaces whose silences to list")
	}
	if err := s.requireNamespaces(ctx, VerbList, f.Namespaces); err != nil {
		return nil, err
	}
	all, err := s.svc.Silences(ctx, f)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, sl := range all {
		ok, err := s.readable(ctx, &sl)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, sl)
		}
	}
	return out, nil
}

// GetSilence returns a silence the caller may read.
func (s *AuthorizedService) GetSilence(ctx context.Context, id string) (*Silence, error) {
	sl, err := s.svc.GetSilence(ctx, id)
	if err != nil {
		return nil, err
	}
	ok, err := s.readable(ctx, sl)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSilenceNotFound
	}
	return sl, nil
}

// CreateSilence creates a silence in namespaces the caller may update.
func (s *AuthorizedService) CreateSilence(ctx context.Context, r SilenceRequest, actor string) (*Silence, error) {
	if err := s.requireNamespaces(ctx, VerbUpdate, r.Namespaces); err != nil {
		return nil, err
	}
	return s.svc.CreateSilence(ctx, r, actor)
}

// UpdateSilence replaces a silence of namespaces the caller may update,
// with one of such namespaces.
func (s *AuthorizedService) UpdateSilence(ctx context.Context, id string, r SilenceRequest, actor string) (*Silence, error) {
	sl, err := s.GetSilence(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.requireNamespaces(ctx, VerbUpdate, append(slices.Clone(sl.Namespaces), r.Namespaces...)); err != nil {
		return nil, err
	}
	return s.svc.UpdateSilence(ctx, id, r, actor)
}

// ExpireSilence ends a silence of namespaces the caller may update.
func (s *AuthorizedService) ExpireSilence(ctx context.Context, id, actor string) (*Silence, error) {
	sl, err := s.GetSilence(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.requireNamespaces(ctx, VerbUpdate, sl.Namespaces); err != nil {
		return nil, err
	}
	return s.svc.ExpireSilence(ctx, id, actor)
}
