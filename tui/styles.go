package tui

import (
	"charm.land/lipgloss/v2"

	"github.com/konflux-ci/kite"
)

// styles of the console. Bubble Tea fits the colours to the terminal's
// profile when it draws, dropping them where it has none or NO_COLOR is
// set; the cursor and the selection also show as text (list.go).
var (
	styleHeader   = lipgloss.NewStyle().Bold(true)
	styleDim      = lipgloss.NewStyle().Faint(true)
	styleCursor   = lipgloss.NewStyle().Reverse(true)
	styleSelected = lipgloss.NewStyle().Bold(true)
	styleError    = lipgloss.NewStyle().Foreground(lipgloss.Color("9"))
	styleLive     = lipgloss.NewStyle().Foreground(lipgloss.Color("10"))
	styleBorder   = lipgloss.NewStyle().Border(lipgloss.NormalBorder(), true, false, false, false)
	styleOverlay  = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)

	severityStyles = map[kite.Severity]lipgloss.Style{
		kite.SeverityCritical: lipgloss.NewStyle().Foreground(lipgloss.Color("9")).Bold(true),
		kite.SeverityMajor:    lipgloss.NewStyle().Foreground(lipgloss.Color("1")),
		kite.SeverityMinor:    lipgloss.NewStyle().Foreground(lipgloss.Color("3")),
		kite.SeverityInfo:     lipgloss.NewStyle().Foreground(lipgloss.Color("6")),
	}
)

func styleSeverity(s kite.Severity) string {
	return severityStyles[s].Render(string(s))
}
