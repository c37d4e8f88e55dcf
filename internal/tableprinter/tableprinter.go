// Package tableprinter renders rows for people on a colour terminal (a
// lipgloss table) and for programs everywhere else (tab-separated values,
// one row a line, no styling).
package tableprinter

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/lipgloss/table"
)

// Printer collects rows and renders them on Render.
type Printer struct {
	w       io.Writer
	styled  bool
	headers []string
	rows    [][]string
}

// New returns a Printer writing to w. With styled true it renders a lipgloss
// table (use it only for a colour TTY); otherwise tab-separated lines with a
// header line.
func New(w io.Writer, styled bool, headers ...string) *Printer {
	return &Printer{w: w, styled: styled, headers: headers}
}

// AddRow appends one row; values are formatted with fmt.Sprint.
func (p *Printer) AddRow(values ...any) {
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = fmt.Sprint(v)
	}
	p.rows = append(p.rows, row)
}

// Render writes the table.
func (p *Printer) Render() error {
	if !p.styled {
		var b strings.Builder
		if len(p.headers) > 0 {
			b.WriteString(strings.Join(p.headers, "\t"))
			b.WriteByte('\n')
		}
		for _, r := range p.rows {
			for i, c := range r {
				r[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
			}
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
		_, err := io.WriteString(p.w, b.String())
		return err
	}
	header := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("12")).Padding(0, 1)
	cell := lipgloss.NewStyle().Padding(0, 1)
	t := table.New().
		Border(lipgloss.RoundedBorder()).
		BorderStyle(lipgloss.NewStyle().Foreground(lipgloss.Color("8"))).
		Headers(p.headers...).
		Rows(p.rows...).
		StyleFunc(func(row, col int) lipgloss.Style {
			if row == table.HeaderRow {
				return header
			}
			return cell
		})
	_, err := fmt.Fprintln(p.w, t.Render())
	return err
}
