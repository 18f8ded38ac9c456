// Package kite holds Kite's domain: the Issue and everything attached to it
// (scope, links, relations, failure context, timeline events), the enums and
// their validation, the fingerprint that identifies "the same problem", the
// error codes every layer speaks, and the service interfaces that the store
// implements on the server side and the HTTP client implements remotely.
//
// It imports only the standard library so that every other package may
// depend on it and it depends on none of them.
package kite
