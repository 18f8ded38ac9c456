package api

import "github.com/konflux-ci/kite"

// wireIssue returns a copy of iss whose lists are [] rather than null: the
// original sent "links": null on single issues and clients had to guard
// against it. The store's value is not modified.
func wireIssue(iss *kite.Issue) *kite.Issue {
	if iss == nil {
		return nil
	}
	c := *iss
	c.Links = orEmpty(c.Links)
	c.RelatedFrom = wireRelations(c.RelatedFrom)
	c.RelatedTo = wireRelations(c.RelatedTo)
	return &c
}

// wireRelations fixes the links of the issues a relation carries. Their
// own relations stay as the store left them: those issues are embedded
// without relations, and [] there would wrongly claim they have none.
func wireRelations(rels []kite.Relation) []kite.Relation {
	out := make([]kite.Relation, len(rels))
	for i, rel := range rels {
		for _, end := range []**kite.Issue{&rel.Source, &rel.Target} {
			if *end != nil {
				c := **end
				c.Links = orEmpty(c.Links)
				*end = &c
			}
		}
		out[i] = rel
	}
	return out
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// listBody is the v1 list envelope.
type listBody struct {
	Data   []*kite.Issue `json:"data"`
	Total  int           `json:"total"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
}

// dataBody wraps Kite's own list endpoints (the timeline) the same way.
type dataBody[T any] struct {
	Data []T `json:"data"`
}

type messageBody struct {
	Message string `json:"message"`
}
