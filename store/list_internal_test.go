package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		s, w string
		want bool
	}{
		{"OOMKilled (exit code 137)", "code 1", true},
		{"OOMKilled (exit code 137)", "oomk", true},
		{"OOMKilled (exit code 137)", "137)", true},
		{"OOMKilled (exit code 137)", "138", false},
		{"short", "shorter", false},
		{"Fehler bei Åsa", "åsa", true}, // not ASCII: lower-cased copy
		{"voilà", "là", true},
		{"voilà", "la", false},
		{"", "a", false},
	} {
		assert.Equal(t, c.want, containsFold([]byte(c.s), c.w), "%q in %q", c.w, c.s)
	}
}
