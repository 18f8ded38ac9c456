package watch

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
)

// RuleFile is the --watch-rules file: rules that make any kind of object
// a source of issues (docs/watch.md, "Rules").
type RuleFile struct {
	Rules []RuleSpec `json:"rules"`
}

// RuleSpec is one rule as written. Fields marked CEL are expressions over
// object (the watched object), condition (the condition named by
// Condition, or an empty map), variables and, for a failure's fields,
// related.
type RuleSpec struct {
	// Name is unique in the file; metrics and logs call the kind
	// "rule:NAME".
	Name       string `json:"name"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Resource is the kind's plural (for RBAC), when the usual English
	// plural of Kind is not it.
	Resource string `json:"resource,omitempty"`
	// Namespaces limits the watch (default: the watcher's);
	// NamespaceSelector keeps objects of namespaces whose labels match.
	Namespaces        []string `json:"namespaces,omitempty"`
	NamespaceSelector string   `json:"namespaceSelector,omitempty"`
	// Condition names a status condition (such as Ready): it is read into
	// condition, and makes failure (False), recovery (True), completedAt
	// and the failure's reason and message default to it.
	Condition string         `json:"condition,omitempty"`
	Variables []VariableSpec `json:"variables,omitempty"`
	Related   []RelatedSpec  `json:"related,omitempty"`
	// Match (CEL bool): objects for which it is false are not this
	// rule's (default true).
	Match string `json:"match,omitempty"`
	// Failure and Recovery (CEL bool): the object has failed, or has
	// recovered. Neither: it is still going.
	Failure  string `json:"failure,omitempty"`
	Recovery string `json:"recovery,omitempty"`
	// RunID (CEL string) names one completion for exactly-once (default
	// the UID, and with a condition its last transition time);
	// CompletedAt (CEL timestamp or RFC 3339 string) orders them.
	RunID       string `json:"runId,omitempty"`
	CompletedAt string `json:"completedAt,omitempty"`
	// Namespace (CEL string) is the issue's namespace (default the
	// object's).
	Namespace string    `json:"namespace,omitempty"`
	Scope     ScopeSpec `json:"scope"`
	// Title and Description (CEL strings); Description defaults to Title.
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// Severity and Type are a Kite severity or issue type as a word
	// (major, release), or else a CEL string. Severity defaults to major.
	Severity string `json:"severity,omitempty"`
	Type     string `json:"type"`
	// Labels (CEL map of strings) and Links (CEL list of maps with title
	// and url; those with an empty url are left out).
	Labels         string             `json:"labels,omitempty"`
	Links          string             `json:"links,omitempty"`
	FailureContext FailureContextSpec `json:"failureContext,omitempty"`
}

// ScopeSpec is a rule's issue scope: Type is a word (the scope's resource
// type, the same for every object of the rule); Name is a CEL string, the
// same for the failures and the recoveries that resolve them.
type ScopeSpec struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

// VariableSpec is a named CEL expression, read by later ones as
// variables.NAME.
type VariableSpec struct {
	Name       string `json:"name"`
	Expression string `json:"expression"`
}

// RelatedSpec reads other objects for a failure's fields: Names (CEL list
// of "name" in the object's namespace or "namespace/name") of Kind, read
// from the API server into related.NAME (those not found left out).
type RelatedSpec struct {
	Name       string `json:"name"`
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Resource   string `json:"resource,omitempty"`
	Names      string `json:"names"`
}

// FailureContextSpec builds the issue's failure fields (CEL each).
type FailureContextSpec struct {
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
	Task     string `json:"task,omitempty"`
	Step     string `json:"step,omitempty"`
	ExitCode string `json:"exitCode,omitempty"`
	RunID    string `json:"runId,omitempty"`
	LogURL   string `json:"logUrl,omitempty"`
}

// Rules are compiled rules, ready for Options.Rules.
type Rules struct {
	rules []*rule
}

// Len is how many rules there are.
func (r *Rules) Len() int {
	if r == nil {
		return 0
	}
	return len(r.rules)
}

// Replaces says whether a rule watches gvk, which then replaces the
// built-in watcher of that kind.
func (r *Rules) Replaces(gvk schema.GroupVersionKind) bool {
	for _, x := range r.all() {
		if x.gvk() == gvk {
			return true
		}
	}
	return false
}

// ScopeTypes are the rules' scope types by rule name.
func (r *Rules) ScopeTypes() map[string]string {
	out := map[string]string{}
	for _, x := range r.all() {
		out[x.spec.Name] = x.spec.Scope.Type
	}
	return out
}

func (r *Rules) all() []*rule {
	if r == nil {
		return nil
	}
	return r.rules
}

// RuleError names the rule and the field a problem is in.
type RuleError struct {
	Rule  string // the rule's name, or rules[i] when it has none
	Field string
	Err   error
}

func (e *RuleError) Error() string { return fmt.Sprintf("rule %s: %s: %v", e.Rule, e.Field, e.Err) }
func (e *RuleError) Unwrap() error { return e.Err }

// LoadRules reads and compiles a rules file: every expression is parsed
// and type-checked here, so a broken rule stops the start with its name
// and field. logURLTemplate is --watch-log-url, which the logURL function
// of the expressions applies.
func LoadRules(path, logURLTemplate string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("watch rules: %w", err)
	}
	var f RuleFile
	if err := yaml.UnmarshalStrict(b, &f); err != nil {
		return nil, fmt.Errorf("watch rules %s: %w", path, err)
	}
	rs, err := CompileRules(f, logURLTemplate)
	if err != nil {
		return nil, fmt.Errorf("watch rules %s: %w", path, err)
	}
	return rs, nil
}

var (
	ruleName  = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	scopeWord = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	varName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// CompileRules checks and compiles rules.
func CompileRules(f RuleFile, logURLTemplate string) (*Rules, error) {
	if len(f.Rules) == 0 {
		return nil, errors.New("no rules")
	}
	env, err := newRuleEnv(logURLTemplate)
	if err != nil {
		return nil, err
	}
	out := &Rules{}
	seen := map[string]bool{}
	for i, spec := range f.Rules {
		id := fmt.Sprintf("rules[%d]", i)
		if spec.Name != "" {
			id = fmt.Sprintf("%q (rules[%d])", spec.Name, i)
		}
		fail := func(field string, err error) error { return &RuleError{Rule: id, Field: field, Err: err} }
		if !ruleName.MatchString(spec.Name) {
			return nil, fail("name", errors.New("a lower-case name of letters, digits and dashes is required"))
		}
		if seen[spec.Name] {
			return nil, fail("name", errors.New("another rule has this name"))
		}
		seen[spec.Name] = true
		r, err := compileRule(env, spec, fail)
		if err != nil {
			return nil, err
		}
		out.rules = append(out.rules, r)
	}
	return out, nil
}

func parseGVK(apiVersion, kind string) (schema.GroupVersionKind, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || gv.Version == "" {
		return schema.GroupVersionKind{}, fmt.Errorf("%q is not an apiVersion (group/version, or v1)", apiVersion)
	}
	if kind == "" {
		return schema.GroupVersionKind{}, errors.New("a kind is required")
	}
	return gv.WithKind(kind), nil
}

// resourceOf is the resource a rule's kind is served as: the rule's, or
// the usual plural (which is what CRDs generated by kubebuilder use).
func resourceOf(gvk schema.GroupVersionKind, resource string) string {
	if resource != "" {
		return resource
	}
	plural, _ := meta.UnsafeGuessKindToResource(gvk)
	return plural.Resource
}

func compileRule(env *ruleEnv, spec RuleSpec, fail func(string, error) error) (*rule, error) {
	r := &rule{spec: spec}
	var err error
	if r.kind, err = parseGVK(spec.APIVersion, spec.Kind); err != nil {
		return nil, fail("apiVersion/kind", err)
	}
	if spec.NamespaceSelector != "" {
		if r.sel, err = labels.Parse(spec.NamespaceSelector); err != nil {
			return nil, fail("namespaceSelector", err)
		}
	}
	if !scopeWord.MatchString(spec.Scope.Type) {
		return nil, fail("scope.type", fmt.Errorf("%q: a word of lower-case letters, digits and dashes is required (it is not an expression)", spec.Scope.Type))
	}
	c := &compiler{env: env, fail: fail, vars: map[string]bool{}, related: map[string]bool{}}
	hasCondition := spec.Condition != ""
	// Related objects are declared first (variables may read them), and
	// their names compiled after the variables (which they may read, when
	// those do not read related objects themselves).
	for i, rel := range spec.Related {
		field := fmt.Sprintf("related[%d]", i)
		if !varName.MatchString(rel.Name) || c.related[rel.Name] {
			return nil, fail(field+".name", fmt.Errorf("%q: a unique identifier is required", rel.Name))
		}
		gvk, err := parseGVK(rel.APIVersion, rel.Kind)
		if err != nil {
			return nil, fail(field, err)
		}
		c.related[rel.Name] = true
		r.related = append(r.related, relatedRead{name: rel.Name, gvk: gvk})
	}
	for i, v := range spec.Variables {
		field := fmt.Sprintf("variables[%d]", i)
		if !varName.MatchString(v.Name) {
			return nil, fail(field+".name", fmt.Errorf("%q: a unique identifier is required", v.Name))
		}
		if _, dup := c.vars[v.Name]; dup {
			return nil, fail(field+".name", fmt.Errorf("%q: a unique identifier is required", v.Name))
		}
		p, err := c.compile(field+".expression", v.Expression, outAny, true)
		if err != nil {
			return nil, err
		}
		c.vars[v.Name] = p.related
		r.variables = append(r.variables, variable{name: v.Name, prog: p})
	}
	for i, rel := range spec.Related {
		if r.related[i].names, err = c.compile(fmt.Sprintf("related[%d].names", i), rel.Names, outList, false); err != nil {
			return nil, err
		}
	}
	defaults := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	condOr := func(s, withCondition, field string) (string, error) {
		if s != "" {
			return s, nil
		}
		if hasCondition {
			return withCondition, nil
		}
		return "", fail(field, errors.New("required without condition"))
	}
	failure, err := condOr(spec.Failure, "condition.status == 'False'", "failure")
	if err != nil {
		return nil, err
	}
	recovery, err := condOr(spec.Recovery, "condition.status == 'True'", "recovery")
	if err != nil {
		return nil, err
	}
	completedAt, err := condOr(spec.CompletedAt, "condition.lastTransitionTime", "completedAt")
	if err != nil {
		return nil, err
	}
	runID := "object.metadata.uid"
	if hasCondition {
		runID = "object.metadata.uid + '@' + condition.lastTransitionTime"
	}
	// What the watch filter evaluates for every event may not read
	// related objects: they are read for failures only.
	for _, x := range []struct {
		into  **program
		field string
		src   string
		out   outKind
	}{
		{&r.match, "match", defaults(spec.Match, "true"), outBool},
		{&r.failure, "failure", failure, outBool},
		{&r.recovery, "recovery", recovery, outBool},
	} {
		if *x.into, err = c.compile(x.field, x.src, x.out, false); err != nil {
			return nil, err
		}
	}
	if spec.Title == "" {
		return nil, fail("title", errors.New("required"))
	}
	if spec.Scope.Name == "" {
		return nil, fail("scope.name", errors.New("required"))
	}
	if spec.Type == "" {
		return nil, fail("type", fmt.Errorf("required: one of %v, or an expression", kite.IssueTypes))
	}
	fc := spec.FailureContext
	if hasCondition {
		fc.Reason = defaults(fc.Reason, "condition.reason")
		fc.Message = defaults(fc.Message, "condition.message")
	}
	for _, x := range []struct {
		into  **program
		field string
		src   string
		out   outKind
	}{
		{&r.runID, "runId", defaults(spec.RunID, runID), outString},
		{&r.completedAt, "completedAt", completedAt, outTime},
		{&r.namespace, "namespace", defaults(spec.Namespace, "object.metadata.namespace"), outString},
		{&r.scopeName, "scope.name", spec.Scope.Name, outString},
		{&r.title, "title", spec.Title, outString},
		{&r.description, "description", defaults(spec.Description, spec.Title), outString},
		{&r.labels, "labels", spec.Labels, outMap},
		{&r.links, "links", spec.Links, outList},
		{&r.fc.reason, "failureContext.reason", fc.Reason, outString},
		{&r.fc.message, "failureContext.message", fc.Message, outString},
		{&r.fc.task, "failureContext.task", fc.Task, outString},
		{&r.fc.step, "failureContext.step", fc.Step, outString},
		{&r.fc.exitCode, "failureContext.exitCode", fc.ExitCode, outInt},
		{&r.fc.runID, "failureContext.runId", fc.RunID, outString},
		{&r.fc.logURL, "failureContext.logUrl", fc.LogURL, outString},
	} {
		if x.src == "" {
			continue
		}
		// The exactly-once fields are read for recoveries too.
		withRelated := x.field != "runId" && x.field != "completedAt" && x.field != "namespace" && x.field != "scope.name"
		if *x.into, err = c.compile(x.field, x.src, x.out, withRelated); err != nil {
			return nil, err
		}
	}
	if r.severity, r.severityConst, err = c.enum("severity", defaults(spec.Severity, string(kite.SeverityMajor)), func(s string) error {
		_, err := kite.ParseSeverity("severity", s)
		return err
	}); err != nil {
		return nil, err
	}
	if r.issueType, r.issueTypeConst, err = c.enum("type", spec.Type, func(s string) error {
		_, err := kite.ParseIssueType("type", s)
		return err
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// enum compiles a field that is a word of an enum, or else an expression.
func (c *compiler) enum(field, src string, valid func(string) error) (*program, string, error) {
	if valid(strings.TrimSpace(src)) == nil {
		return nil, strings.TrimSpace(src), nil
	}
	p, err := c.compile(field, src, outString, true)
	if err != nil {
		return nil, "", err
	}
	return p, "", nil
}
