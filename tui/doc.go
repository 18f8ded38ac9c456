// Package tui is kite tui, the interactive triage console: a Bubble Tea
// program over any Backend (in practice an api.Client talking to a Kite
// server). It owns the screens and their key maps and styles: the issue
// list (loaded a page at a time, so a namespace of 100,000 issues costs one
// page), the detail pane, the query bar, the namespace switch, the command
// palette, the delete confirmation and the help overlay; and the live
// feed that keeps the rows current.
//
// The root model (app.go) only routes: messages to the component that has
// the focus, results of commands to the state they update.
package tui
