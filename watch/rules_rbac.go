package watch

import (
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
)

// PolicyRules are what the rules' kinds need beyond the built-in role
// (deploy/base/rbac.yaml): get, list and watch on each watched kind, get
// on each kind read as related. A rule's kind is named by its resource
// (the rule's resource, else the usual plural of its kind).
func (r *Rules) PolicyRules() []rbacv1.PolicyRule {
	type key struct{ group, resource string }
	verbs := map[key][]string{}
	var order []key
	add := func(k key, vs ...string) {
		if _, ok := verbs[k]; !ok {
			order = append(order, k)
		}
		for _, v := range vs {
			if !slices.Contains(verbs[k], v) {
				verbs[k] = append(verbs[k], v)
			}
		}
	}
	for _, x := range r.all() {
		add(key{x.kind.Group, resourceOf(x.kind, x.spec.Resource)}, "get", "list", "watch")
		for i, rel := range x.related {
			add(key{rel.gvk.Group, resourceOf(rel.gvk, x.spec.Related[i].Resource)}, "get")
		}
	}
	out := make([]rbacv1.PolicyRule, 0, len(order))
	for _, k := range order {
		out = append(out, rbacv1.PolicyRule{APIGroups: []string{k.group}, Resources: []string{k.resource}, Verbs: verbs[k]})
	}
	return out
}
