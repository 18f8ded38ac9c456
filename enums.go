package kite

import (
	"fmt"
	"strings"
)

// Severity says how badly an issue hurts. The four values are ordered; Rank
// gives the order so that queries can compare ("severity >= major").
type Severity string

const (
	SeverityInfo     Severity = "info"
	SeverityMinor    Severity = "minor"
	SeverityMajor    Severity = "major"
	SeverityCritical Severity = "critical"
)

// Severities lists every valid severity, lowest first.
var Severities = []Severity{SeverityInfo, SeverityMinor, SeverityMajor, SeverityCritical}

// severityAliases normalises the words other tools send. The original Kite
// operator sends "medium"; alerting tools send "warning" or "error".
var severityAliases = map[string]Severity{
	"low":      SeverityMinor,
	"warning":  SeverityMinor,
	"warn":     SeverityMinor,
	"medium":   SeverityMajor,
	"moderate": SeverityMajor,
	"error":    SeverityMajor,
	"high":     SeverityCritical,
	"fatal":    SeverityCritical,
}

// Rank orders severities from 1 (info) to 4 (critical); 0 for an invalid one.
func (s Severity) Rank() int {
	for i, v := range Severities {
		if v == s {
			return i + 1
		}
	}
	return 0
}

// ParseSeverity accepts a severity or a known alias in any case.
func ParseSeverity(field, s string) (Severity, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if Severity(v).Rank() > 0 {
		return Severity(v), nil
	}
	if a, ok := severityAliases[v]; ok {
		return a, nil
	}
	return "", invalidEnum(field, s, Severities)
}

// IssueType says which kind of work failed.
type IssueType string

const (
	IssueTypeBuild      IssueType = "build"
	IssueTypeTest       IssueType = "test"
	IssueTypeRelease    IssueType = "release"
	IssueTypeDependency IssueType = "dependency"
	IssueTypePipeline   IssueType = "pipeline"
)

// IssueTypes lists every valid issue type.
var IssueTypes = []IssueType{IssueTypeBuild, IssueTypeTest, IssueTypeRelease, IssueTypeDependency, IssueTypePipeline}

// Code is the type's position in IssueTypes, from 1; 0 for an invalid one.
func (t IssueType) Code() int {
	for i, v := range IssueTypes {
		if v == t {
			return i + 1
		}
	}
	return 0
}

// ParseIssueType accepts an issue type in any case.
func ParseIssueType(field, s string) (IssueType, error) {
	v := IssueType(strings.ToLower(strings.TrimSpace(s)))
	if v.Code() > 0 {
		return v, nil
	}
	return "", invalidEnum(field, s, IssueTypes)
}

// State is where an issue stands. The wire format keeps the original's
// upper-case spelling.
type State string

const (
	StateActive   State = "ACTIVE"
	StateResolved State = "RESOLVED"
)

// States lists every valid state.
var States = []State{StateActive, StateResolved}

// Code is the state's position in States, from 1; 0 for an invalid one.
func (s State) Code() int {
	for i, v := range States {
		if v == s {
			return i + 1
		}
	}
	return 0
}

// ParseState accepts a state in any case.
func ParseState(field, s string) (State, error) {
	v := State(strings.ToUpper(strings.TrimSpace(s)))
	if v.Code() > 0 {
		return v, nil
	}
	return "", invalidEnum(field, s, States)
}

func invalidEnum[T ~string](field, got string, allowed []T) error {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return &Error{
		Code:    EINVALID,
		Field:   field,
		Message: fmt.Sprintf("invalid %s %q", field, got),
		Details: fmt.Sprintf("%s must be one of: %s", field, strings.Join(names, ", ")),
	}
}
