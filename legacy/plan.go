package legacy

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/konflux-ci/kite"
)

// entry is what planning keeps of one issue: small, so that planning a
// database of a million issues costs tens of megabytes.
type entry struct {
	id, fp            [16]byte
	active            bool
	detected, updated int64
}

// Plan fits the original's issues to Kite's rule of one issue per scope.
// The original made a new issue each time a scope failed again after its
// last issue was resolved, and two reports racing made two active issues of
// one scope. So, per scope:
//   - the oldest active issue holds the scope; the other active ones are
//     duplicates, merged into it (it takes the title, description and
//     severity of the one updated last, the links of all, and a timeline
//     entry per merged issue);
//   - with no active issue, the newest resolved one holds the scope, so
//     that the next failure reopens it;
//   - the other resolved issues keep their ids as history, under a key of
//     their own (HistoryKey).
//
// The plan depends only on the data, so a migration run again makes the
// same choices and finds its issues already in place.
type Plan struct {
	mergedInto map[[16]byte][16]byte
	merges     map[[16]byte][][16]byte
	content    map[[16]byte][16]byte
	history    map[[16]byte]bool
}

// role is what the plan does with one issue.
type role int

const (
	roleSingle  role = iota // holds its scope, alone or with history beside it
	roleHolder              // holds its scope, with duplicates merged into it
	roleMerged              // merged into its holder; not imported on its own
	roleHistory             // kept under its own key
)

func (p *Plan) role(id [16]byte) role {
	switch {
	case p.history[id]:
		return roleHistory
	case len(p.merges[id]) > 0:
		return roleHolder
	}
	if _, ok := p.mergedInto[id]; ok {
		return roleMerged
	}
	return roleSingle
}

// Resolve maps an issue of the original to the issue that stands for it in
// Kite: its holder when it was merged, else itself.
func (p *Plan) Resolve(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return id
	}
	if h, ok := p.mergedInto[u]; ok {
		return uuid.UUID(h).String()
	}
	return id
}

// newEntry keeps what planning needs of a row.
func newEntry(r *row, k key) (entry, error) {
	id, err := uuid.Parse(r.ID)
	if err != nil {
		return entry{}, fmt.Errorf("id %q is not a UUID", r.ID)
	}
	e := entry{id: id, active: k.state == kite.StateActive, detected: r.DetectedAt.UnixNano()}
	if r.UpdatedAt != nil {
		e.updated = r.UpdatedAt.UnixNano()
	}
	fp, err := uuid.Parse(fpUUID(k.fingerprint("")))
	if err != nil {
		return entry{}, err
	}
	e.fp = fp
	return e, nil
}

// fpUUID reads a 32-hex-digit fingerprint as 16 bytes.
func fpUUID(fp string) string {
	return fp[0:8] + "-" + fp[8:12] + "-" + fp[12:16] + "-" + fp[16:20] + "-" + fp[20:32]
}

// newPlan groups the entries by scope and decides each issue's role,
// counting merges and history in rep.
func newPlan(entries []entry, rep *Report) *Plan {
	p := &Plan{
		mergedInto: map[[16]byte][16]byte{},
		merges:     map[[16]byte][][16]byte{},
		content:    map[[16]byte][16]byte{},
		history:    map[[16]byte]bool{},
	}
	// Within a scope: active first, then oldest detected, then by id, so
	// every choice below is a position in the group.
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(string(a.fp[:]), string(b.fp[:])); c != 0 {
			return c
		}
		if a.active != b.active {
			if a.active {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.detected, b.detected); c != 0 {
			return c
		}
		return cmp.Compare(string(a.id[:]), string(b.id[:]))
	})
	for start := 0; start < len(entries); {
		end := start + 1
		for end < len(entries) && entries[end].fp == entries[start].fp {
			end++
		}
		p.group(entries[start:end], rep)
		start = end
	}
	return p
}

// group decides the roles within one scope's issues, sorted as newPlan
// sorts them.
func (p *Plan) group(g []entry, rep *Report) {
	if len(g) == 1 {
		return
	}
	actives := 0
	for actives < len(g) && g[actives].active {
		actives++
	}
	holder := g[0]
	if actives == 0 {
		holder = g[len(g)-1] // the newest resolved issue
	}
	if actives > 1 {
		latest := g[0]
		for _, e := range g[1:actives] {
			p.mergedInto[e.id] = holder.id
			p.merges[holder.id] = append(p.merges[holder.id], e.id)
			if e.updated > latest.updated {
				latest = e
			}
		}
		p.content[holder.id] = latest.id
		rep.Merged += actives - 1
		rep.Holders++
	}
	for _, e := range g[actives:] {
		if e.id != holder.id {
			p.history[e.id] = true
			rep.History++
		}
	}
}

// merge folds an issue's duplicates into it: the earliest times, the
// latest content, every link once, an occurrence and a timeline entry per
// duplicate.
func merge(holder *kite.ExportRecord, dups []*kite.ExportRecord, content *kite.ExportRecord) {
	is := holder.Issue
	if content != nil && content != holder {
		is.Title, is.Description, is.Severity = content.Issue.Title, content.Issue.Description, content.Issue.Severity
	}
	seen := map[string]bool{}
	for _, l := range is.Links {
		seen[l.URL] = true
	}
	for _, d := range dups {
		di := d.Issue
		is.Occurrences += di.Occurrences
		is.DetectedAt = minTime(is.DetectedAt, di.DetectedAt)
		is.FirstSeen = minTime(is.FirstSeen, di.FirstSeen)
		is.CreatedAt = minTime(is.CreatedAt, di.CreatedAt)
		is.LastSeen = maxTime(is.LastSeen, di.LastSeen)
		is.UpdatedAt = maxTime(is.UpdatedAt, di.UpdatedAt)
		for _, l := range di.Links {
			if !seen[l.URL] && len(is.Links) < maxLinks {
				seen[l.URL] = true
				l.IssueID = is.ID
				is.Links = append(is.Links, l)
			}
		}
		holder.Timeline = append(holder.Timeline, kite.Event{
			Time:    di.DetectedAt,
			Kind:    kite.EventSeen,
			Actor:   Actor,
			Message: fmt.Sprintf("merged the original Kite's duplicate active issue %s (opened %s): %s", di.ID, di.DetectedAt.Format(time.RFC3339), di.Title),
		})
	}
	slices.SortStableFunc(holder.Timeline, func(a, b kite.Event) int { return a.Time.Compare(b.Time) })
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
