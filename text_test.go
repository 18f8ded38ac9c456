package kite

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCutBytes(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"voilà", 5, "voil"}, // à is two bytes: never half of it
		{"voilà", 6, "voilà"},
		{strings.Repeat("é", 4), 7, "ééé"},
		{"abc", 0, ""},
	} {
		got := CutBytes(c.in, c.max)
		if got != c.want || !utf8.ValidString(got) || len(got) > c.max {
			t.Errorf("CutBytes(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}
