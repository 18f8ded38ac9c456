package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/konflux-ci/kite"
)

// field is one named input value, for the checks that name every bad field.
type field struct {
	name  string
	value string
}

// requireFields names every missing field in one error, so a client fixes
// its payload in one round trip.
func requireFields(fields ...field) error {
	var missing []string
	for _, f := range fields {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &kite.Error{
		Code:    kite.EINVALID,
		Field:   missing[0],
		Message: "Missing required fields",
		Details: "missing: " + strings.Join(missing, ", "),
	}
}

// checkNames applies the domain's rules for names that become store keys,
// naming the payload's own fields in the error.
func checkNames(fields ...field) error {
	for _, f := range fields {
		if err := kite.CheckName(f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// hookNamespace reconciles the payload's namespace with ?namespace=. The
// original required the query parameter even when the body had it; Kite
// takes either, and refuses a request whose two namespaces disagree rather
// than guess which one the caller meant.
func hookNamespace(r *http.Request, body string) (string, error) {
	query := r.URL.Query().Get("namespace")
	switch {
	case query == "":
		return body, nil
	case body == "" || body == query:
		return query, nil
	default:
		return "", kite.Invalid("namespace", "Namespace mismatch",
			fmt.Sprintf("namespace %q in the body differs from namespace %q in the query", body, query))
	}
}
