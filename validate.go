package kite

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Normalize validates a report, fills defaults and normalises enum aliases.
// Every missing required field is named in one error.
func (r *Report) Normalize() error {
	var missing []string
	req := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, field)
		}
	}
	req("title", r.Title)
	req("description", r.Description)
	req("severity", string(r.Severity))
	req("issueType", string(r.IssueType))
	req("namespace", r.Namespace)
	req("scope.resourceType", r.Scope.ResourceType)
	req("scope.resourceName", r.Scope.ResourceName)
	if len(missing) > 0 {
		return &Error{
			Code:    EINVALID,
			Field:   missing[0],
			Message: "Validation failed",
			Details: "missing required fields: " + strings.Join(missing, ", "),
		}
	}
	var err error
	if r.Severity, err = ParseSeverity("severity", string(r.Severity)); err != nil {
		return err
	}
	if r.IssueType, err = ParseIssueType("issueType", string(r.IssueType)); err != nil {
		return err
	}
	if r.State == "" {
		r.State = StateActive
	} else if r.State, err = ParseState("state", string(r.State)); err != nil {
		return err
	}
	if r.Scope.ResourceNamespace == "" {
		r.Scope.ResourceNamespace = r.Namespace
	}
	checks := []error{
		CheckName("namespace", r.Namespace),
		CheckName("scope.resourceType", r.Scope.ResourceType),
		CheckName("scope.resourceName", r.Scope.ResourceName),
		CheckName("scope.resourceNamespace", r.Scope.ResourceNamespace),
		checkText("title", r.Title, maxTitleLen),
		checkText("description", r.Description, maxDescriptionLen),
		checkText("key", r.Key, maxKeyLen),
		checkLinks(r.Links),
		checkFailure(r.Failure),
		checkLabels(r.Labels),
		checkGivenTime("at", r.At),
		r.Run.normalize(&r.At),
	}
	for _, e := range checks {
		if e != nil {
			return e
		}
	}
	return nil
}

// Normalize validates an update and normalises its enum aliases.
func (u *IssueUpdate) Normalize() error {
	if u.Pinned != nil {
		for _, f := range *u.Pinned {
			if !slices.Contains(PinnableFields, f) {
				return Invalid("pinned", "Validation failed", "pinned may hold "+strings.Join(PinnableFields, " and "))
			}
		}
	}
	if u.Title != nil {
		if strings.TrimSpace(*u.Title) == "" {
			return Invalid("title", "Validation failed", "title must not be empty")
		}
		if err := checkText("title", *u.Title, maxTitleLen); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := checkText("description", *u.Description, maxDescriptionLen); err != nil {
			return err
		}
	}
	if u.Severity != nil {
		v, err := ParseSeverity("severity", string(*u.Severity))
		if err != nil {
			return err
		}
		u.Severity = &v
	}
	if u.IssueType != nil {
		v, err := ParseIssueType("issueType", string(*u.IssueType))
		if err != nil {
			return err
		}
		u.IssueType = &v
	}
	if u.State != nil {
		v, err := ParseState("state", string(*u.State))
		if err != nil {
			return err
		}
		u.State = &v
	}
	if u.Scope != nil {
		for field, v := range map[string]string{
			"scope.resourceType": u.Scope.ResourceType,
			"scope.resourceName": u.Scope.ResourceName,
		} {
			if strings.TrimSpace(v) == "" {
				return Invalid(field, "Validation failed", field+" must not be empty")
			}
			if err := CheckName(field, v); err != nil {
				return err
			}
		}
		if u.Scope.ResourceNamespace != "" {
			if err := CheckName("scope.resourceNamespace", u.Scope.ResourceNamespace); err != nil {
				return err
			}
		}
	}
	if u.ResolvedAt != nil {
		if err := CheckTime("resolvedAt", *u.ResolvedAt); err != nil {
			return err
		}
	}
	if u.Links != nil {
		return checkLinks(*u.Links)
	}
	return nil
}

// Validate checks a list filter's enum values, normalising aliases.
func (f *IssueFilter) Validate() error {
	if strings.TrimSpace(f.Namespace) == "" {
		return Invalid("namespace", "Missing namespace", "the namespace query parameter is required")
	}
	if err := CheckName("namespace", f.Namespace); err != nil {
		return err
	}
	if f.Offset > MaxOffset {
		return Invalid("offset", "Invalid offset", fmt.Sprintf("offset must be at most %d", MaxOffset))
	}
	if err := checkSearch(f.Search); err != nil {
		return err
	}
	var err error
	if f.Severity != "" {
		if f.Severity, err = ParseSeverity("severity", string(f.Severity)); err != nil {
			return err
		}
	}
	if f.IssueType != "" {
		if f.IssueType, err = ParseIssueType("issueType", string(f.IssueType)); err != nil {
			return err
		}
	}
	if f.State != "" {
		if f.State, err = ParseState("state", string(f.State)); err != nil {
			return err
		}
	}
	return nil
}

// Normalize validates a resolution: the scope it names must be complete and
// its names must be valid key parts.
func (r *Resolution) Normalize() error {
	var missing []string
	for _, f := range [][2]string{{"namespace", r.Namespace}, {"resourceType", r.ResourceType}, {"resourceName", r.ResourceName}} {
		if strings.TrimSpace(f[1]) == "" {
			missing = append(missing, f[0])
		}
	}
	if len(missing) > 0 {
		return &Error{Code: EINVALID, Field: missing[0], Message: "Missing required fields", Details: "missing: " + strings.Join(missing, ", ")}
	}
	for _, f := range [][2]string{{"namespace", r.Namespace}, {"resourceType", r.ResourceType}, {"resourceName", r.ResourceName}} {
		if err := CheckName(f[0], f[1]); err != nil {
			return err
		}
	}
	if err := checkGivenTime("at", r.At); err != nil {
		return err
	}
	return r.Run.normalize(&r.At)
}

// normalize checks a run (nil is fine) and makes its completion, when
// known, the observation time when there is none. A run without one (the
// original bridge operator sends only its id) is still applied once.
func (r *Run) normalize(at *time.Time) error {
	if r == nil {
		return nil
	}
	if strings.TrimSpace(r.ID) == "" {
		return Invalid("run.id", "Validation failed", "a run needs its unique id")
	}
	if err := CheckName("run.id", r.ID); err != nil {
		return err
	}
	if err := checkGivenTime("run.completedAt", r.CompletedAt); err != nil {
		return err
	}
	r.CompletedAt = r.CompletedAt.UTC()
	if at.IsZero() {
		*at = r.CompletedAt
	}
	return nil
}

// CheckName guards the strings that become parts of store keys (and other
// short identifiers such as actor names): bounded and free of control
// characters (NUL separates key parts).
func CheckName(field, v string) error {
	if len(v) > maxNameLen {
		return Invalid(field, "Validation failed", fmt.Sprintf("%s is longer than %d bytes", field, maxNameLen))
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "Validation failed", field+" is not valid UTF-8")
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return Invalid(field, "Validation failed", field+" must not contain control characters")
	}
	return nil
}

func checkText(field, v string, max int) error {
	if len(v) > max {
		return Invalid(field, "Validation failed", fmt.Sprintf("%s is longer than %d bytes", field, max))
	}
	if !utf8.ValidString(v) {
		return Invalid(field, "Validation failed", field+" is not valid UTF-8")
	}
	if strings.IndexByte(v, 0) >= 0 {
		return Invalid(field, "Validation failed", field+" must not contain NUL bytes")
	}
	return nil
}

func checkLinks(links []Link) error {
	if len(links) > maxLinks {
		return Invalid("links", "Validation failed", fmt.Sprintf("at most %d links", maxLinks))
	}
	for i, l := range links {
		field := fmt.Sprintf("links[%d].url", i)
		if strings.TrimSpace(l.URL) == "" {
			return Invalid(field, "Validation failed", field+" is required")
		}
		if err := CheckURL(field, l.URL); err != nil {
			return err
		}
		if err := checkText(fmt.Sprintf("links[%d].title", i), l.Title, maxTitleLen); err != nil {
			return err
		}
	}
	return nil
}

// Bounds of the v1 list's search parameter: what a person types, so that
// one request cannot ask the index for thousands of term expansions.
const (
	MaxSearchLen     = 1024
	MaxSearchWords   = 20
	MaxSearchWordLen = 256
)

// checkSearch bounds the v1 list's search text, naming the limit it passes.
func checkSearch(s string) error {
	if err := checkText("search", s, MaxSearchLen); err != nil {
		return err
	}
	words := strings.Fields(s)
	if len(words) > MaxSearchWords {
		return Invalid("search", "Invalid search", fmt.Sprintf("search has %d words; at most %d are allowed", len(words), MaxSearchWords))
	}
	for _, w := range words {
		if len(w) > MaxSearchWordLen {
			return Invalid("search", "Invalid search", fmt.Sprintf("a search word is %d bytes long; at most %d are allowed", len(w), MaxSearchWordLen))
		}
	}
	return nil
}

// CheckURL accepts an http or https URL of bounded length: a link is shown
// to people in consoles, where javascript: or data: would run or mislead.
func CheckURL(field, v string) error {
	if err := checkText(field, v, maxURLLen); err != nil {
		return err
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
		return Invalid(field, "Validation failed", field+" must be an http or https URL")
	}
	return nil
}

// checkFailure bounds a report's failure context like the other fields:
// names and ids as names, reason and message as text without control
// characters (beyond tab and newlines), the log link as a link.
func checkFailure(f *FailureContext) error {
	if f == nil {
		return nil
	}
	for _, n := range [][2]string{{"failure.task", f.Task}, {"failure.step", f.Step}, {"failure.runId", f.RunID}} {
		if n[1] == "" {
			continue
		}
		if err := CheckName(n[0], n[1]); err != nil {
			return err
		}
	}
	for _, t := range [][2]string{{"failure.reason", f.Reason}, {"failure.message", f.Message}} {
		if err := checkText(t[0], t[1], maxFailureTextLen); err != nil {
			return err
		}
		if strings.ContainsFunc(t[1], func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) {
			return Invalid(t[0], "Validation failed", t[0]+" must not contain control characters")
		}
	}
	if f.LogURL != "" {
		return CheckURL("failure.logUrl", f.LogURL)
	}
	return nil
}

// Sanitize makes a failure context taken from the cluster (not typed by a
// caller, who gets a 400 instead) acceptable: control characters dropped,
// reason and message cut to their limit, a log link that is not http(s)
// left out. A watcher must not lose a failure over a terminal colour code
// in a step's message.
func (f *FailureContext) Sanitize() {
	clean := func(s string) string {
		s = strings.ToValidUTF8(s, "\uFFFD")
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' {
				return -1
			}
			return r
		}, s)
		if len(s) <= maxFailureTextLen {
			return s
		}
		cut := maxFailureTextLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut]
	}
	f.Reason, f.Message = clean(f.Reason), clean(f.Message)
	if f.LogURL != "" && CheckURL("failure.logUrl", f.LogURL) != nil {
		f.LogURL = ""
	}
}

// checkLabels bounds the labels a report may carry: Kubernetes-style keys
// and values, a bounded number of them.
func checkLabels(labels map[string]string) error {
	if len(labels) > maxLabels {
		return Invalid("labels", "Validation failed", fmt.Sprintf("at most %d labels", maxLabels))
	}
	for k, v := range labels {
		field := fmt.Sprintf("labels[%q]", k)
		if strings.TrimSpace(k) == "" {
			return Invalid("labels", "Validation failed", "label keys must not be empty")
		}
		if err := CheckName(field, k); err != nil {
			return err
		}
		if len(v) > maxLabelValueLen {
			return Invalid(field, "Validation failed", fmt.Sprintf("%s is longer than %d bytes", field, maxLabelValueLen))
		}
		if err := CheckName(field, v); err != nil {
			return err
		}
	}
	return nil
}
