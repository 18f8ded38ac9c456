// Package auth is Kite's Kubernetes adapter for identity and access: it
// authenticates callers the way the cluster does (bearer tokens through a
// cached TokenReview, optionally client certificates against the cluster's
// client CA) and answers kite.Authorizer questions with cached
// SubjectAccessReviews, using k8s.io/apiserver's delegating parts, the ones
// kube-rbac-proxy and aggregated API servers use. Handlers never call the
// Kubernetes API themselves: the HTTP layer asks this package who calls,
// and kite.AuthorizedService asks it what they may do.
package auth
