package kite

import "unicode/utf8"

// CutBytes shortens s to at most max bytes without splitting a character:
// the bound of a field Kite stores or sends, kept valid UTF-8.
func CutBytes(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
