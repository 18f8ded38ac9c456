package watch

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
)

// SeverityRule gives the issues of runs that carry a label (with a value,
// when Value is set) a severity. Rules are tried in order; the first that
// matches wins.
type SeverityRule struct {
	Label    string        `json:"label"`
	Value    string        `json:"value,omitempty"`
	Severity kite.Severity `json:"severity"`
}

// SeverityRules is the documented rule set (docs/watch.md): ordered rules
// and the severity of runs no rule matches.
type SeverityRules struct {
	Rules   []SeverityRule `json:"rules"`
	Default kite.Severity  `json:"default"`
}

// DefaultSeverityRules are the built-in rules: release pipelines are
// critical (a release is blocked), push builds major (the main branch is
// broken), pull-request builds minor (one change is), anything else major.
func DefaultSeverityRules() SeverityRules {
	return SeverityRules{
		Rules: []SeverityRule{
			{Label: labelRelease, Severity: kite.SeverityCritical},
			{Label: labelPipelineType, Value: "release", Severity: kite.SeverityCritical},
			{Label: labelEventType, Value: "push", Severity: kite.SeverityMajor},
			{Label: labelEventType, Value: "pull_request", Severity: kite.SeverityMinor},
		},
		Default: kite.SeverityMajor,
	}
}

// LoadSeverityRules reads rules from a YAML or JSON file; every severity
// must be one Kite knows (aliases such as "medium" are normalised).
func LoadSeverityRules(path string) (SeverityRules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return SeverityRules{}, fmt.Errorf("severity rules: %w", err)
	}
	var r SeverityRules
	if err := yaml.UnmarshalStrict(b, &r); err != nil {
		return SeverityRules{}, fmt.Errorf("severity rules %s: %w", path, err)
	}
	if err := r.normalize(); err != nil {
		return SeverityRules{}, fmt.Errorf("severity rules %s: %w", path, err)
	}
	return r, nil
}

func (r *SeverityRules) normalize() error {
	var err error
	if r.Default == "" {
		r.Default = kite.SeverityMajor
	}
	if r.Default, err = kite.ParseSeverity("default", string(r.Default)); err != nil {
		return err
	}
	for i := range r.Rules {
		field := fmt.Sprintf("rules[%d]", i)
		if r.Rules[i].Label == "" {
			return kite.Invalid(field+".label", "Validation failed", field+" needs a label")
		}
		if r.Rules[i].Severity, err = kite.ParseSeverity(field+".severity", string(r.Rules[i].Severity)); err != nil {
			return err
		}
	}
	return nil
}

// severityOf is the severity of a run with these labels.
func (r SeverityRules) severityOf(labels map[string]string) kite.Severity {
	for _, rule := range r.Rules {
		v, ok := labels[rule.Label]
		if ok && (rule.Value == "" || v == rule.Value) {
			return rule.Severity
		}
	}
	return r.Default
}
