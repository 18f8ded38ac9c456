package watch

import (
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// condition is one entry of an object's status.conditions, read from
// unstructured content (metav1.Condition and knative's share these fields).
type condition struct {
	Type, Status, Reason, Message string
	LastTransition                time.Time
}

// conditionOf finds the condition of type typ; ok is false without one.
func conditionOf(obj *unstructured.Unstructured, typ string) (c condition, ok bool) {
	list, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, item := range list {
		m, isMap := item.(map[string]any)
		if !isMap || str(m, "type") != typ {
			continue
		}
		c = condition{Type: typ, Status: str(m, "status"), Reason: str(m, "reason"), Message: str(m, "message")}
		c.LastTransition = timeOf(str(m, "lastTransitionTime"))
		return c, true
	}
	return condition{}, false
}

// str reads a string field of a map, "" when absent or not a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// nestedString is unstructured.NestedString without the error: "" when
// absent or not a string.
func nestedString(obj *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedString(obj.Object, fields...)
	return s
}

// timeOf parses a Kubernetes time (RFC 3339), zero when it is not one.
func timeOf(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
