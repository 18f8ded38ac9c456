package tui

import "charm.land/bubbles/v2/key"

// listKeys act on the issue list; they are also the help overlay's first
// section.
type listKeys struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	Open, Search, Select, Resolve, Reopen   key.Binding
	Delete, CopyID, Namespace, Palette      key.Binding
	Ack, Assign, Comment, Snooze, Silence   key.Binding
	Logs, ClearSelection                    key.Binding
	Refresh, Help, Quit                     key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:             key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "up")),
		Down:           key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "down")),
		Top:            key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "first issue")),
		Bottom:         key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "last issue")),
		PageUp:         key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown:       key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Open:           key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open details")),
		Search:         key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "query")),
		Select:         key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		Resolve:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resolve")),
		Reopen:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "reopen")),
		Delete:         key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		CopyID:         key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy id")),
		Ack:            key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "acknowledge")),
		Assign:         key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "assign")),
		Comment:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "comment")),
		Snooze:         key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "snooze")),
		Silence:        key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "silence the query")),
		Logs:           key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "open the log link")),
		ClearSelection: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the selection")),
		Namespace:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "switch namespace")),
		Palette:        key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "command")),
		Refresh:        key.NewBinding(key.WithKeys("R", "ctrl+r"), key.WithHelp("R", "reload")),
		Help:           key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:           key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

func (k listKeys) bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown, k.Open, k.Search, k.Select,
		k.ClearSelection, k.Resolve, k.Reopen, k.Delete, k.Ack, k.Assign, k.Comment, k.Snooze, k.Silence, k.Logs,
		k.CopyID, k.Namespace, k.Palette, k.Refresh, k.Help, k.Quit}
}

// detailKeys act in the open detail pane.
type detailKeys struct {
	Up, Down, Back key.Binding
}

func newDetailKeys() detailKeys {
	return detailKeys{
		Up:   key.NewBinding(key.WithKeys("k", "up"), key.WithHelp("k/↑", "scroll up")),
		Down: key.NewBinding(key.WithKeys("j", "down"), key.WithHelp("j/↓", "scroll down")),
		Back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the list")),
	}
}

func (k detailKeys) bindings() []key.Binding { return []key.Binding{k.Up, k.Down, k.Back} }

// promptKeys act in the query bar, namespace switch and command palette.
type promptKeys struct {
	Accept, Cancel key.Binding
}

func newPromptKeys() promptKeys {
	return promptKeys{
		Accept: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func (k promptKeys) bindings() []key.Binding { return []key.Binding{k.Accept, k.Cancel} }
