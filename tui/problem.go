package tui

import "github.com/konflux-ci/kite"

// problem is the status line for an error from the server: what went wrong
// in words a person acts on, never an HTTP status. Refusals say what to do.
func problem(err error) string {
	switch kite.ErrorCode(err) {
	case kite.EUNAUTHENTICATED:
		return "not signed in: the server rejected your credentials; log in to the cluster again, or pass --token"
	case kite.EFORBIDDEN:
		if d := kite.ErrorDetails(err); d != "" {
			return "not allowed: " + d
		}
		return "not allowed: " + kite.ErrorMessage(err)
	}
	if d := kite.ErrorDetails(err); d != "" {
		return kite.ErrorMessage(err) + ": " + d
	}
	return kite.ErrorMessage(err)
}
