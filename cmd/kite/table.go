package main

import (
	"io"
	"strings"

	"charm.land/lipgloss/v2"
)

// columnGap is the space between a table's columns.
const columnGap = 2

// table lays out rows of cells in columns. It measures a cell by the
// width a terminal gives it: text/tabwriter counts the runes of colour
// escape codes too, so on a terminal coloured cells pushed the columns
// after them out of line.
type table struct {
	rows [][]string
}

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// write prints the rows, each cell but a row's last padded to its
// column's width, so that lines end without trailing blanks.
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, cell := range r[:len(r)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], lipgloss.Width(cell))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		for i, cell := range r {
			b.WriteString(cell)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-lipgloss.Width(cell)+columnGap))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}
