// Package examprint writes an exam plan as a PDF to print and hang up:
// a table per class or course, A4 landscape, with the Go fonts embedded
// so every name prints as it is spelled.
package examprint

import (
	"io"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// Row is an exam as the table shows it.
type Row struct {
	Date        string // "Mi 02.12.2026"
	Periods     string // "3.–4."
	Kind        string // "Klassenarbeit"
	Title       string
	Groups      string
	Rooms       string
	Supervisors string
}

// Section is a class's or course's exams.
type Section struct {
	Title string // "5a"
	Rows  []Row
}

// Header are the column titles, in the reader's language.
type Header struct {
	Date, Periods, Kind, Title, Groups, Rooms, Supervisors string
}

// Render writes the plan: a page title, then each section's table (a new
// page where one does not fit).
func Render(w io.Writer, title, subtitle string, h Header, sections []Section) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("Schulhof", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	pdf.SetFont("go", "B", 16)
	pdf.CellFormat(0, 9, title, "", 1, "L", false, 0, "")
	pdf.SetFont("go", "", 10)
	pdf.CellFormat(0, 6, subtitle, "", 1, "L", false, 0, "")
	widths := []float64{32, 18, 30, 70, 50, 30, 37}
	head := []string{h.Date, h.Periods, h.Kind, h.Title, h.Groups, h.Rooms, h.Supervisors}
	for _, s := range sections {
		if pdf.GetY() > 170 {
			pdf.AddPage()
		}
		pdf.Ln(5)
		pdf.SetFont("go", "B", 13)
		pdf.CellFormat(0, 8, s.Title, "", 1, "L", false, 0, "")
		pdf.SetFont("go", "B", 9)
		pdf.SetFillColor(235, 238, 241)
		for i, c := range head {
			pdf.CellFormat(widths[i], 7, c, "1", 0, "L", true, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("go", "", 9)
		for _, r := range s.Rows {
			cells := []string{r.Date, r.Periods, r.Kind, r.Title, r.Groups, r.Rooms, r.Supervisors}
			for i, c := range cells {
				pdf.CellFormat(widths[i], 6.5, fit(pdf, c, widths[i]-2), "1", 0, "L", false, 0, "")
			}
			pdf.Ln(-1)
		}
	}
	return pdf.Output(w)
}

// fit shortens a text to a cell's width.
func fit(pdf *fpdf.Fpdf, s string, width float64) string {
	if pdf.GetStringWidth(s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
