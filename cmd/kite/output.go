package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/konflux-ci/kite"
)

// printer writes command results in the chosen format. Only the data goes
// to out; notices go to stderr, so pipes get clean JSON, YAML or ids.
type printer struct {
	out    io.Writer
	format string
	color  bool
	now    func() time.Time
}

func newPrinter(out io.Writer, format string, env lookupEnv) *printer {
	p := &printer{out: out, format: format, now: time.Now}
	if isTerminal(out) {
		_, noColor := env("NO_COLOR")
		p.color = !noColor
	}
	return p
}

// data prints a JSON or YAML document.
func (p *printer) data(v any) error {
	switch p.format {
	case "json":
		enc := json.NewEncoder(p.out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case "yaml":
		b, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = p.out.Write(b)
		return err
	}
	return fmt.Errorf("no data format %q", p.format)
}

// dataOrNames prints items in the formats that need no table: json and
// yaml as a list ([] when empty), name as name(item) per line. It reports
// whether the format was one of those.
func dataOrNames[T any](p *printer, items []T, name func(T) string) (bool, error) {
	switch p.format {
	case "json", "yaml":
		if items == nil {
			items = []T{}
		}
		return true, p.data(items)
	case "name":
		for _, it := range items {
			if _, err := fmt.Fprintln(p.out, name(it)); err != nil {
				return true, err
			}
		}
		return true, nil
	}
	return false, nil
}

// notePartial tells stderr that the results stop at a page before the
// total. JSON and YAML are read by programs, which get no prose.
func notePartial(stderr io.Writer, format string, shown int, total string) {
	if format != "json" && format != "yaml" {
		fmt.Fprintf(stderr, "%d of %s shown; --all for every page\n", shown, total)
	}
}

// removed reports an issue a command took away: its id with -o name, a
// line saying what became of it in tables, nothing in JSON or YAML.
func (p *printer) removed(id, what string) error {
	switch p.format {
	case "json", "yaml":
		return nil
	case "name":
		_, err := fmt.Fprintln(p.out, id)
		return err
	}
	_, err := fmt.Fprintf(p.out, "%s %s\n", id, what)
	return err
}

// issues prints a list of issues.
func (p *printer) issues(list []*kite.Issue) error {
	if done, err := dataOrNames(p, list, func(is *kite.Issue) string { return is.ID }); done {
		return err
	}
	var t table
	wide := p.format == "wide"
	if wide {
		t.row("ID", "SEVERITY", "STATE", "NAMESPACE", "TYPE", "SCOPE", "OCCURRENCES", "LAST SEEN", "TITLE")
	} else {
		t.row("ID", "SEVERITY", "STATE", "NAMESPACE", "OCCURRENCES", "LAST SEEN", "TITLE")
	}
	for _, is := range list {
		// Ids are shown whole: a UUIDv7's leading digits are its creation
		// time, so no prefix tells issues of the same minute apart.
		occurrences := strconv.FormatInt(is.Occurrences, 10)
		if wide {
			t.row(is.ID, p.severity(is.Severity), p.state(is), is.Namespace, string(is.IssueType),
				is.Scope.ResourceType+"/"+is.Scope.ResourceName, occurrences, p.age(is.LastSeen), is.Title)
		} else {
			t.row(is.ID, p.severity(is.Severity), p.state(is), is.Namespace, occurrences, p.age(is.LastSeen), truncate(is.Title, 60))
		}
	}
	return t.write(p.out)
}

// issue prints one issue: all of it in table formats.
func (p *printer) issue(is *kite.Issue) error {
	switch p.format {
	case "json", "yaml":
		return p.data(is)
	case "name":
		_, err := fmt.Fprintln(p.out, is.ID)
		return err
	}
	var t table
	row := func(k, v string) {
		if v != "" {
			t.row(k+":", v)
		}
	}
	row("ID", is.ID)
	row("Title", is.Title)
	row("Namespace", is.Namespace)
	row("Severity", p.severity(is.Severity))
	row("State", p.state(is))
	row("Type", string(is.IssueType))
	row("Scope", is.Scope.ResourceType+"/"+is.Scope.ResourceName)
	row("Occurrences", strconv.FormatInt(is.Occurrences, 10))
	row("Detected", is.DetectedAt.Format(time.RFC3339))
	row("Last seen", is.LastSeen.Format(time.RFC3339)+" ("+p.age(is.LastSeen)+" ago)")
	if is.ResolvedAt != nil {
		row("Resolved", is.ResolvedAt.Format(time.RFC3339)+" by "+is.ResolvedBy)
	}
	if is.AckedAt != nil {
		row("Acknowledged", is.AckedAt.Format(time.RFC3339)+" by "+is.AckedBy)
	}
	row("Assignee", is.Assignee)
	if z := is.Snooze; z != nil {
		row("Snoozed", z.String()+" (by "+z.By+")")
	}
	if is.Comments > 0 {
		row("Comments", strconv.Itoa(is.Comments)+" (kite issues comments "+is.ID+")")
	}
	if f := is.Failure; f != nil {
		row("Reason", f.Reason)
		row("Task", f.Task)
		row("Step", f.Step)
		if f.ExitCode != nil {
			row("Exit code", strconv.Itoa(*f.ExitCode))
		}
		row("Logs", f.LogURL)
	}
	for _, l := range is.Links {
		row("Link", l.Title+" "+l.URL)
	}
	for k, v := range is.Labels {
		row("Label", k+"="+v)
	}
	for _, r := range is.RelatedFrom {
		if r.Target != nil {
			row("Related", r.Target.ID+" "+r.Target.Title)
		}
	}
	for _, r := range is.RelatedTo {
		if r.Source != nil {
			row("Related", r.Source.ID+" "+r.Source.Title)
		}
	}
	if err := t.write(p.out); err != nil {
		return err
	}
	_, err := fmt.Fprintf(p.out, "\n%s\n", is.Description)
	return err
}

// events prints a timeline.
func (p *printer) events(evs []kite.Event) error {
	if done, err := dataOrNames(p, evs, func(e kite.Event) string { return strconv.FormatUint(e.Rev, 10) }); done {
		return err
	}
	var t table
	t.row("TIME", "EVENT", "ACTOR", "MESSAGE")
	for _, e := range evs {
		t.row(e.Time.Format(time.RFC3339), string(e.Kind), e.Actor, e.Message)
	}
	return t.write(p.out)
}

// change prints one change of a --watch: a JSON object per line in json,
// a line of text otherwise.
func (p *printer) change(c kite.IssueChange) error {
	switch p.format {
	case "json":
		b, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(p.out, "%s\n", b)
		return err
	case "yaml":
		if _, err := fmt.Fprintln(p.out, "---"); err != nil {
			return err
		}
		return p.data(c)
	case "name":
		_, err := fmt.Fprintln(p.out, c.ID)
		return err
	}
	if c.Issue == nil {
		_, err := fmt.Fprintf(p.out, "%-8s %s %s\n", c.Kind, c.ID, c.Namespace)
		return err
	}
	is := c.Issue
	_, err := fmt.Fprintf(p.out, "%-8s %s %s %s %s %s\n", c.Kind, c.ID, p.severity(is.Severity), p.state(is), is.Namespace, truncate(is.Title, 60))
	return err
}

// ANSI colours for severities and states, only on a terminal.
var severityColor = map[kite.Severity]string{
	kite.SeverityCritical: "\x1b[1;31m", kite.SeverityMajor: "\x1b[31m", kite.SeverityMinor: "\x1b[33m", kite.SeverityInfo: "\x1b[36m",
}

func (p *printer) severity(s kite.Severity) string {
	if !p.color {
		return string(s)
	}
	return severityColor[s] + string(s) + "\x1b[0m"
}

func (p *printer) state(is *kite.Issue) string {
	s := string(is.State)
	if is.State == kite.StateActive && is.ReopenCount > 0 {
		s = "REGRESSED"
	}
	if !p.color {
		return s
	}
	if is.State == kite.StateResolved {
		return "\x1b[32m" + s + "\x1b[0m"
	}
	return "\x1b[1m" + s + "\x1b[0m"
}

// age is how long ago t was.
func (p *printer) age(t time.Time) string { return kite.FormatAge(p.now(), t) }

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
