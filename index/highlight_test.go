package index

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/konflux-ci/kite"
)

func TestHighlight(t *testing.T) {
	long := strings.Repeat("filler words here ", 10) + "then ImagePullBackOff happened" + strings.Repeat(" and more filler", 10) + " final <pull>"
	is := &kite.Issue{
		Title:       "Pipeline run failed: frontend-ui",
		Description: long,
		Failure:     &kite.FailureContext{Reason: "Dependencies of registry.io/org/img:tag"},
	}
	cases := []struct {
		q    string
		want map[string][]string
	}{
		{"pull", map[string][]string{"description": {
			"…words here filler words here filler words here then Image<mark>Pull</mark>BackOff happened and more filler and more filler and more…",
			"…and more filler and more filler and more filler final &lt;<mark>pull</mark>&gt;",
		}}},
		{"frontend-ui dependencies", map[string][]string{
			"title":  {"Pipeline run failed: <mark>frontend-ui</mark>"},
			"reason": {"<mark>Dependencies</mark> of registry.io/org/img:tag"},
		}},
		{`"img:tag" ns:x`, map[string][]string{"reason": {"Dependencies of registry.io/org/<mark>img:tag</mark>"}}},
		{"reason:dependency", map[string][]string{"reason": {"<mark>Dependencies</mark> of registry.io/org/img:tag"}}},
		{"depend", map[string][]string{"reason": {"<mark>Dependencies</mark> of registry.io/org/img:tag"}}},
		{"run", map[string][]string{"title": {"Pipeline <mark>run</mark> failed: frontend-ui"}}},
		{"-pull ns:x", nil},
		{"ui", map[string][]string{"title": {"Pipeline run failed: frontend-<mark>ui</mark>"}}},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			q, err := kite.ParseQuery(c.q, now)
			require.NoError(t, err)
			assert.Equal(t, c.want, Highlight(q, is))
		})
	}
}
