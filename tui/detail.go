package tui

import (
	tea "charm.land/bubbletea/v2"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/viewport"
	"charm.land/lipgloss/v2"

	"github.com/konflux-ci/kite"
)

// detailPane shows one issue whole, below the list: description, failure
// context, links, related issues and the timeline, scrolled by a viewport.
type detailPane struct {
	id       string
	issue    *kite.Issue
	timeline []kite.Event
	comments []kite.Comment
	notified []kite.IssueNotification
	err      error
	view     viewport.Model
}

func newDetailPane(id string, width, height int) *detailPane {
	return &detailPane{id: id, view: viewport.New(viewport.WithWidth(width), viewport.WithHeight(height))}
}

func (d *detailPane) setSize(width, height int) {
	d.view.SetWidth(width)
	d.view.SetHeight(height)
}

// fill renders the loaded issue into the viewport.
func (d *detailPane) fill(now time.Time) {
	if d.err != nil {
		d.view.SetContent(styleError.Render(kite.ErrorMessage(d.err)))
		return
	}
	is := d.issue
	if is == nil {
		d.view.SetContent(styleDim.Render("loading " + d.id + "…"))
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", styleHeader.Render(oneLine(is.Title)))
	fmt.Fprintf(&b, "%s · %s · %s · %s/%s · %d occurrence(s) · last seen %s ago\n", styleSeverity(is.Severity), stateOf(is),
		is.IssueType, is.Scope.ResourceType, is.Scope.ResourceName, is.Occurrences, kite.FormatAge(now, is.LastSeen))
	fmt.Fprintf(&b, "%s  %s\n", styleDim.Render("id"), is.ID)
	if f := is.Failure; f != nil {
		for _, kv := range [][2]string{{"reason", f.Reason}, {"task", f.Task}, {"step", f.Step}, {"logs", f.LogURL}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "%s  %s\n", styleDim.Render(kv[0]), kv[1])
			}
		}
		if f.ExitCode != nil {
			fmt.Fprintf(&b, "%s  %d\n", styleDim.Render("exit"), *f.ExitCode)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", is.Description)
	for _, l := range is.Links {
		fmt.Fprintf(&b, "\n%s %s", styleDim.Render("link"), l.Title+" "+l.URL)
	}
	for _, r := range is.RelatedFrom {
		if r.Target != nil {
			fmt.Fprintf(&b, "\n%s %s %s", styleDim.Render("related"), r.Target.ID, oneLine(r.Target.Title))
		}
	}
	for _, r := range is.RelatedTo {
		if r.Source != nil {
			fmt.Fprintf(&b, "\n%s %s %s", styleDim.Render("related"), r.Source.ID, oneLine(r.Source.Title))
		}
	}
	if is.AckedBy != "" || is.Assignee != "" || is.Snooze != nil || len(is.Muted) > 0 {
		b.WriteString("\n")
		for _, kv := range [][2]string{{"acked", is.AckedBy}, {"assignee", is.Assignee}, {"snoozed", snoozeLine(is.Snooze)}, {"muted", strings.Join(is.Muted, ", ")}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "\n%s  %s", styleDim.Render(kv[0]), kv[1])
			}
		}
	}
	if len(d.comments) > 0 {
		b.WriteString("\n\n" + styleHeader.Render("Comments"))
		for _, c := range d.comments {
			fmt.Fprintf(&b, "\n%s  %s", styleDim.Render(c.CreatedAt.Format("2006-01-02 15:04")+" "+c.Author), c.Text)
		}
	}
	if len(d.notified) > 0 {
		b.WriteString("\n\n" + styleHeader.Render("Notified"))
		for _, n := range d.notified {
			fmt.Fprintf(&b, "\n%s  %s (%s) %s %s", n.Time.Format("2006-01-02 15:04"), n.SubscriptionName, n.Kind, n.Event, n.Status)
		}
	}
	if len(d.timeline) > 0 {
		b.WriteString("\n\n" + styleHeader.Render("Timeline"))
		for _, e := range d.timeline {
			fmt.Fprintf(&b, "\n%s  %-9s %-8s %s", e.Time.Format("2006-01-02 15:04"), e.Kind, e.Actor, oneLine(e.Message))
		}
	}
	// Wrapped to the pane: the viewport cuts what is wider.
	d.view.SetContent(lipgloss.NewStyle().Width(max(d.view.Width(), 20)).Render(b.String()))
}

// Update scrolls the pane with the keys the viewport knows.
func (d *detailPane) Update(msg tea.KeyPressMsg) tea.Cmd {
	var cmd tea.Cmd
	d.view, cmd = d.view.Update(msg)
	return cmd
}

func snoozeLine(z *kite.Snooze) string {
	if z == nil {
		return ""
	}
	return z.String()
}
