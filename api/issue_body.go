package api

import (
	"encoding/json"
	"time"

	"github.com/konflux-ci/kite"
)

// The request bodies of the issue routes. They mirror the v1 wire format
// with plain strings for enums, so that an unknown value reaches the domain
// validation (400 naming the field and the allowed values) instead of
// failing inside the JSON decoder.

type scopeBody struct {
	ResourceType      string `json:"resourceType"`
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
}

func (b scopeBody) scope() kite.Scope {
	return kite.Scope{
		ResourceType:      b.ResourceType,
		ResourceName:      b.ResourceName,
		ResourceNamespace: b.ResourceNamespace,
	}
}

type linkBody struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

func links(bs []linkBody) []kite.Link {
	if bs == nil {
		return nil
	}
	ls := make([]kite.Link, len(bs))
	for i, b := range bs {
		ls[i] = kite.Link{Title: b.Title, URL: b.URL}
	}
	return ls
}

// createIssueBody is POST /api/v1/issues. Key, Labels, Failure and the
// run fields are Kite's additions: a caller's own dedupe key, free-form
// labels, the failure's context, and the object whose failure it reports
// (runUid, completedAt), which makes the report apply once and in
// completion order as the pipeline hooks' runs do. A watcher of any kind
// (kite watch --server) reports through it.
type createIssueBody struct {
	Title       string               `json:"title"`
	Description string               `json:"description"`
	Severity    string               `json:"severity"`
	IssueType   string               `json:"issueType"`
	State       string               `json:"state"`
	Namespace   string               `json:"namespace"`
	Scope       scopeBody            `json:"scope"`
	Links       []linkBody           `json:"links"`
	Key         string               `json:"key"`
	Labels      map[string]string    `json:"labels"`
	Failure     *kite.FailureContext `json:"failure,omitempty"`
	runFields
}

func (b createIssueBody) report(actor string) (kite.Report, error) {
	// The object is named by runUid here: failure.runId is only what the
	// log link shows.
	run, err := b.run("")
	if err != nil {
		return kite.Report{}, err
	}
	return kite.Report{
		Namespace:   b.Namespace,
		Title:       b.Title,
		Description: b.Description,
		Severity:    kite.Severity(b.Severity),
		IssueType:   kite.IssueType(b.IssueType),
		State:       kite.State(b.State),
		Scope:       b.Scope.scope(),
		Links:       links(b.Links),
		Key:         b.Key,
		Labels:      b.Labels,
		Failure:     b.Failure,
		Run:         run,
		Actor:       actor,
	}, nil
}

// updateIssueBody is PUT /api/v1/issues/{id}. Pointers tell absent fields
// from present ones; resolvedAt stays raw because null ("clear it") and
// absent ("leave it") mean different things.
type updateIssueBody struct {
	Title       *string         `json:"title"`
	Description *string         `json:"description"`
	Severity    *string         `json:"severity"`
	IssueType   *string         `json:"issueType"`
	State       *string         `json:"state"`
	ResolvedAt  json.RawMessage `json:"resolvedAt"`
	Links       *[]linkBody     `json:"links"`
	Scope       *scopeBody      `json:"scope"`
	Pinned      *[]string       `json:"pinned"`
}

func (b updateIssueBody) update(actor string) (kite.IssueUpdate, error) {
	u := kite.IssueUpdate{
		Title:       b.Title,
		Description: b.Description,
		Pinned:      b.Pinned,
		Actor:       actor,
	}
	if b.Severity != nil {
		v := kite.Severity(*b.Severity)
		u.Severity = &v
	}
	if b.IssueType != nil {
		v := kite.IssueType(*b.IssueType)
		u.IssueType = &v
	}
	if b.State != nil {
		v := kite.State(*b.State)
		u.State = &v
	}
	if b.Links != nil {
		ls := links(*b.Links)
		u.Links = &ls
	}
	if b.Scope != nil {
		sc := b.Scope.scope()
		u.Scope = &sc
	}
	if b.ResolvedAt != nil {
		u.ResolvedAtSet = true
		var t *time.Time
		if err := json.Unmarshal(b.ResolvedAt, &t); err != nil {
			return u, kite.Invalid("resolvedAt", "Invalid request body",
				"resolvedAt must be an RFC 3339 time or null")
		}
		u.ResolvedAt = t
	}
	return u, nil
}

// relatedBody is POST /api/v1/issues/{id}/related.
type relatedBody struct {
	RelatedID string `json:"relatedId"`
}
