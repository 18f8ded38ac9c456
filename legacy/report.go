package legacy

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/konflux-ci/kite"
)

// maxExamples bounds the issue ids a report lists for one change, so that a
// change made to a million issues is still one readable line.
const maxExamples = 5

// Report says what a migration read and everything it changed on the way:
// normalised values, merged duplicates, issues kept as history and rows it
// could not take. It is filled by the planning and conversion passes and
// printed by kite import.
type Report struct {
	// Issues, Links and Relations count the rows read.
	Issues, Links, Relations int
	// Merged counts duplicate active issues folded into another issue of
	// their scope; Holders the issues they were folded into.
	Merged, Holders int
	// History counts resolved issues kept under their own id while another
	// issue holds their scope.
	History int

	changes map[string]*Change
	order   []string
	// Refused lists the issues that could not be converted, with why.
	Refused []Refusal
}

// Change is one kind of change and the issues it was made to.
type Change struct {
	What     string
	Count    int
	Examples []string
}

// Refusal is an issue of the original that Kite could not take.
type Refusal struct {
	ID     string
	Reason string
}

// note records that what was done to the issue id.
func (r *Report) note(id, what string) {
	if r.changes == nil {
		r.changes = map[string]*Change{}
	}
	c, ok := r.changes[what]
	if !ok {
		c = &Change{What: what}
		r.changes[what] = c
		r.order = append(r.order, what)
	}
	c.Count++
	if len(c.Examples) < maxExamples {
		c.Examples = append(c.Examples, id)
	}
}

// refuse records why Kite cannot hold the issue id: for a validation
// error, its details, which name the field, after any context wrapped
// around it.
func (r *Report) refuse(id string, err error) {
	reason := err.Error()
	if ke := (*kite.Error)(nil); errors.As(err, &ke) && ke.Details != "" {
		reason = strings.TrimSuffix(reason, ke.Error()) + ke.Details
	}
	r.Refused = append(r.Refused, Refusal{ID: id, Reason: reason})
}

// Changes lists the changes made, most frequent first (ties in the order
// first seen), so the report leads with what touched the most issues.
func (r *Report) Changes() []Change {
	out := make([]Change, 0, len(r.order))
	for _, k := range r.order {
		out = append(out, *r.changes[k])
	}
	slices.SortStableFunc(out, func(a, b Change) int { return b.Count - a.Count })
	return out
}

// Write prints the report as indented lines.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "read %d issue(s), %d link(s), %d relation(s) from the original Kite\n", r.Issues, r.Links, r.Relations)
	if r.Merged > 0 {
		fmt.Fprintf(w, "merged %d duplicate active issue(s) into %d issue(s) of the same scope\n", r.Merged, r.Holders)
	}
	if r.History > 0 {
		fmt.Fprintf(w, "kept %d resolved issue(s) as history: another issue holds their scope\n", r.History)
	}
	changes := r.Changes()
	if len(changes) > 0 {
		fmt.Fprintln(w, "normalised:")
	}
	for _, c := range changes {
		more := ""
		if c.Count > len(c.Examples) {
			more = ", ..."
		}
		fmt.Fprintf(w, "  %s: %d issue(s) (%s%s)\n", c.What, c.Count, strings.Join(c.Examples, ", "), more)
	}
	if len(r.Refused) > 0 {
		fmt.Fprintf(w, "refused %d issue(s):\n", len(r.Refused))
	}
	for _, f := range r.Refused {
		fmt.Fprintf(w, "  %s: %s\n", f.ID, f.Reason)
	}
}
