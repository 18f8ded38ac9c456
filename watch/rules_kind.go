package watch

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/konflux-ci/kite"
)

// rule is one compiled rule.
type rule struct {
	spec      RuleSpec
	kind      schema.GroupVersionKind
	sel       labels.Selector
	related   []relatedRead
	variables []variable

	match, failure, recovery                 *program
	runID, completedAt, namespace, scopeName *program
	title, description, labels, links        *program
	severity, issueType                      *program
	severityConst, issueTypeConst            string
	fc                                       struct{ reason, message, task, step, exitCode, runID, logURL *program }
}

type variable struct {
	name string
	prog *program
}

type relatedRead struct {
	name  string
	gvk   schema.GroupVersionKind
	names *program
}

func (r *rule) gvk() schema.GroupVersionKind { return r.kind }

// ruleKind is a rule as an objectKind.
type ruleKind struct {
	*rule
	log *slog.Logger
}

func (k ruleKind) label() string             { return "rule:" + k.spec.Name }
func (k ruleKind) namespaces() []string      { return k.spec.Namespaces }
func (k ruleKind) selector() labels.Selector { return k.sel }

// state is what a rule makes of an object.
type state int

const (
	stateOther state = iota // not the rule's, or still going
	stateFailed
	stateRecovered
)

func (k ruleKind) completion(obj *unstructured.Unstructured) string {
	s, err := k.state(obj)
	if err != nil {
		k.log.Debug("a rule's expression failed on an object; not acted on", "kind", k.label(), "namespace", obj.GetNamespace(), "name", obj.GetName(), "err", err)
	}
	return [...]string{stateOther: "", stateFailed: "failed", stateRecovered: "recovered"}[s]
}

// activation binds object, condition and the variables; related objects
// only when given (for a failure), and then the variables that read them.
func (k ruleKind) activation(obj *unstructured.Unstructured, related map[string][]any) (act map[string]any, ok bool, err error) {
	cond := map[string]any{}
	if k.spec.Condition != "" {
		list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
		for _, item := range list {
			if m, isMap := item.(map[string]any); isMap && str(m, "type") == k.spec.Condition {
				cond = m
			}
		}
		if len(cond) == 0 {
			return nil, false, nil
		}
	}
	vars := map[string]any{}
	act = map[string]any{"object": obj.Object, "condition": cond, "variables": vars, "related": map[string][]any{}}
	if related != nil {
		act["related"] = related
	}
	for _, v := range k.variables {
		if v.prog.related && related == nil {
			continue
		}
		val, err := v.prog.eval(act)
		if err != nil {
			return nil, false, err
		}
		vars[v.name] = val
	}
	return act, true, nil
}

func (k ruleKind) state(obj *unstructured.Unstructured) (state, error) {
	act, ok, err := k.activation(obj, nil)
	if err != nil || !ok {
		return stateOther, err
	}
	if m, err := k.match.bool(act); err != nil || !m {
		return stateOther, err
	}
	f, err := k.failure.bool(act)
	switch {
	case err != nil:
		return stateOther, err
	case f:
		return stateFailed, nil
	}
	r, err := k.recovery.bool(act)
	if err != nil || !r {
		return stateOther, err
	}
	return stateRecovered, nil
}

// ruleFailed makes an expression's failure on an object permanent: the
// same object would fail the same way again.
func ruleFailed(k ruleKind, err error) error {
	return &kite.Error{Code: kite.EINVALID, Message: "Rule failed", Field: "rule " + k.spec.Name, Details: err.Error(), Err: err}
}

func (k ruleKind) evaluate(ctx context.Context, obj *unstructured.Unstructured, api client.Reader) (verdict, error) {
	s, err := k.state(obj)
	if err != nil {
		return verdict{}, ruleFailed(k, err)
	}
	if s == stateOther {
		return verdict{}, nil
	}
	var related map[string][]any
	if s == stateFailed {
		if related, err = k.readRelated(ctx, obj, api); err != nil {
			return verdict{}, err
		}
	}
	act, _, err := k.activation(obj, related)
	if err != nil {
		return verdict{}, ruleFailed(k, err)
	}
	v, err := k.verdict(s, act)
	if err != nil {
		return verdict{}, ruleFailed(k, err)
	}
	return v, nil
}

func (k ruleKind) verdict(s state, act map[string]any) (verdict, error) {
	var (
		id, ns, scope string
		at            time.Time
		err           error
	)
	for _, x := range []struct {
		p    *program
		into *string
	}{{k.runID, &id}, {k.namespace, &ns}, {k.scopeName, &scope}} {
		if *x.into, err = x.p.string(act); err != nil {
			return verdict{}, err
		}
	}
	if at, err = k.completedAt.time(act); err != nil {
		return verdict{}, err
	}
	if id == "" || ns == "" || scope == "" {
		return verdict{}, fmt.Errorf("runId %q, namespace %q and scope.name %q may not be empty", id, ns, scope)
	}
	run := &kite.Run{ID: id, CompletedAt: at}
	if s == stateRecovered {
		return verdict{completed: at, resolution: &kite.Resolution{
			Namespace: ns, ResourceType: k.spec.Scope.Type, ResourceName: scope, At: at, Actor: kite.ActorWatcher, Run: run,
		}}, nil
	}
	r := kite.Report{
		Namespace: ns, Scope: kite.Scope{ResourceType: k.spec.Scope.Type, ResourceName: scope, ResourceNamespace: ns},
		At: at, Actor: kite.ActorWatcher, Run: run,
		Severity: kite.Severity(k.severityConst), IssueType: kite.IssueType(k.issueTypeConst),
	}
	type field struct {
		p    *program
		into *string
	}
	fc := &kite.FailureContext{}
	strs := []field{
		{k.title, &r.Title}, {k.description, &r.Description},
		{k.fc.reason, &fc.Reason}, {k.fc.message, &fc.Message}, {k.fc.task, &fc.Task},
		{k.fc.step, &fc.Step}, {k.fc.runID, &fc.RunID}, {k.fc.logURL, &fc.LogURL},
	}
	if k.severity != nil {
		strs = append(strs, field{k.severity, (*string)(&r.Severity)})
	}
	if k.issueType != nil {
		strs = append(strs, field{k.issueType, (*string)(&r.IssueType)})
	}
	for _, x := range strs {
		if *x.into, err = x.p.string(act); err != nil {
			return verdict{}, err
		}
	}
	if r.Severity, err = kite.ParseSeverity("severity", string(r.Severity)); err != nil {
		return verdict{}, err
	}
	if r.IssueType, err = kite.ParseIssueType("type", string(r.IssueType)); err != nil {
		return verdict{}, err
	}
	if fc.ExitCode, err = k.fc.exitCode.int(act); err != nil {
		return verdict{}, err
	}
	if *fc != (kite.FailureContext{}) {
		fc.Sanitize()
		r.Failure = fc
	}
	if err := k.labels.native(act, &r.Labels); err != nil {
		return verdict{}, err
	}
	var links []map[string]string
	if err := k.links.native(act, &links); err != nil {
		return verdict{}, err
	}
	for _, l := range links {
		if l["url"] != "" {
			r.Links = append(r.Links, kite.Link{Title: l["title"], URL: l["url"]})
		}
	}
	return verdict{completed: at, report: &r}, nil
}

// readRelated reads the objects a failure's fields may name, straight
// from the API server; those not found are left out.
func (k ruleKind) readRelated(ctx context.Context, obj *unstructured.Unstructured, api client.Reader) (map[string][]any, error) {
	out := map[string][]any{}
	act, _, err := k.activation(obj, nil)
	if err != nil {
		return nil, ruleFailed(k, err)
	}
	for _, rel := range k.related {
		var names []string
		if err := rel.names.native(act, &names); err != nil {
			return nil, ruleFailed(k, err)
		}
		list := []any{}
		for _, n := range names {
			key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: n}
			if ns, name, ok := strings.Cut(n, "/"); ok {
				key = types.NamespacedName{Namespace: ns, Name: name}
			}
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(rel.gvk)
			err := api.Get(ctx, key, u)
			switch {
			case apierrors.IsNotFound(err):
				continue
			case err != nil:
				return nil, fmt.Errorf("rule %s: get %s %s: %w", k.spec.Name, rel.gvk.Kind, key, err)
			}
			list = append(list, u.Object)
		}
		out[rel.name] = list
	}
	return out, nil
}
