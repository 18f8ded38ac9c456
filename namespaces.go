package kite

import "context"

// NamespaceCount is a namespace that holds issues, with how many and how
// many of them are active.
type NamespaceCount struct {
	Namespace string `json:"namespace"`
	Issues    int    `json:"issues"`
	Active    int    `json:"active"`
}

// NamespaceLister lists the namespaces that hold issues: for an
// all-namespaces view, those the caller may list.
type NamespaceLister interface {
	Namespaces(ctx context.Context) ([]NamespaceCount, error)
}
