package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// promptKind says what a prompt's answer is for.
type promptKind int

const (
	promptQuery promptKind = iota
	promptNamespace
	promptCommand
	promptAssign
	promptComment
	promptSnooze
	promptSilence
)

// prompt is the one-line input at the bottom: the query bar (/), the
// namespace switch (n), the command palette (:), and the text of the
// actions that take one (assign, comment, snooze, silence); its enter
// confirms them.
type prompt struct {
	kind  promptKind
	input textinput.Model
	// err is the server's or parser's objection to the last answer,
	// shown inline (one line, cut to width) until the input changes.
	err   string
	width int
}

func newPrompt(kind promptKind, value string, width int) *prompt {
	in := textinput.New()
	in.Prompt = map[promptKind]string{
		promptQuery: "/", promptNamespace: "namespace: ", promptCommand: ":",
		promptAssign: "assign to (user or team): ", promptComment: "comment: ",
		promptSnooze: "snooze for (30m, 2h, 7d): ", promptSilence: "silence this query for SPAN and why: ", // with the count: Model.ask
	}[kind]
	// The width first: the value then scrolls within it.
	in.SetWidth(max(width-lipgloss.Width(in.Prompt)-2, 10))
	in.Focus()
	in.SetValue(value)
	in.CursorEnd()
	return &prompt{kind: kind, input: in, width: width}
}

func (p *prompt) view() string {
	v := p.input.View()
	if p.err != "" {
		v += "\n" + styleError.Render(cut(oneLine(p.err), p.width))
	}
	return v
}

// promptOutcome is what a key did to a prompt.
type promptOutcome struct {
	state  promptState
	answer string // when answered, trimmed
}

type promptState int

const (
	promptEditing promptState = iota
	promptAnswered
	promptCancelled
)

// Update takes a key: enter answers, esc cancels, anything else edits
// (and clears the last objection).
func (p *prompt) Update(msg tea.KeyPressMsg, k promptKeys) (promptOutcome, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Cancel):
		return promptOutcome{state: promptCancelled}, nil
	case key.Matches(msg, k.Accept):
		return promptOutcome{state: promptAnswered, answer: strings.TrimSpace(p.input.Value())}, nil
	}
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	p.err = ""
	return promptOutcome{}, cmd
}
