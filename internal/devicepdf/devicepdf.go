// Package devicepdf renders the devices' papers: sheets of labels with a
// QR code per device, to stick on each, and the loan agreement
// ("Leihvertrag") a student's parents sign when the school lends a
// device.
package devicepdf

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// Sheet is a sheet of labels: A4 with Columns×Rows labels of W×H mm,
// the first at Left, Top, the next Pitch mm on (across, down).
type Sheet struct {
	Name                 string
	Columns, Rows        int
	W, H                 float64
	Left, Top            float64
	PitchX, PitchY       float64
	Title                string // what the page offers to choose
	TextSize, QRFraction float64
}

// Sheets are common German label sheets (Avery Zweckform numbers; others
// of the same layout take the same).
var Sheets = []Sheet{
	{Name: "3474", Title: "70 × 37 mm, 24 je Blatt (Avery Zweckform 3474)", Columns: 3, Rows: 8, W: 70, H: 37, Left: 0, Top: 0.5,
		PitchX: 70, PitchY: 37, TextSize: 9, QRFraction: .8},
	{Name: "L4736", Title: "45,7 × 21,2 mm, 48 je Blatt (Avery Zweckform L4736)", Columns: 4, Rows: 12, W: 45.7, H: 21.2, Left: 9.7, Top: 21.5,
		PitchX: 48.3, PitchY: 21.2, TextSize: 7, QRFraction: .9},
	{Name: "3666", Title: "38 × 21,2 mm, 65 je Blatt (Avery Zweckform 3666)", Columns: 5, Rows: 13, W: 38, H: 21.2, Left: 4.75, Top: 10.7,
		PitchX: 40.6, PitchY: 21.2, TextSize: 6, QRFraction: .9},
}

// SheetByName is the sheet of the name, the first when there is none.
func SheetByName(name string) Sheet {
	for _, s := range Sheets {
		if s.Name == name {
			return s
		}
	}
	return Sheets[0]
}

// Label is what one label shows: the QR code of URL (scanning it opens
// the device), the asset tag large, and a line about the device.
type Label struct {
	URL, Tag, Line string
}

// Labels writes the labels on as many sheets as they need.
func Labels(w io.Writer, school string, sheet Sheet, labels []Label) error {
	pdf := newPDF("Geräteetiketten " + school)
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	per := sheet.Columns * sheet.Rows
	if len(labels) == 0 {
		pdf.AddPage()
	}
	for i, l := range labels {
		if i%per == 0 {
			pdf.AddPage()
		}
		n := i % per
		x := sheet.Left + float64(n%sheet.Columns)*sheet.PitchX
		y := sheet.Top + float64(n/sheet.Columns)*sheet.PitchY
		// whole pixels per module: sharp edges however small it prints
		png, err := qrcode.Encode(l.URL, qrcode.Medium, -8)
		if err != nil {
			return fmt.Errorf("qr code of %s: %w", l.Tag, err)
		}
		name := "qr-" + l.Tag
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		pad := 1.5
		side := (sheet.H - 2*pad) * sheet.QRFraction
		pdf.ImageOptions(name, x+pad, y+(sheet.H-side)/2, side, side, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		tx, tw := x+pad+side+1, sheet.W-side-2*pad-1
		pdf.SetXY(tx, y+pad+1)
		pdf.SetFont("gomono", "", sheet.TextSize+3)
		pdf.CellFormat(tw, (sheet.TextSize+3)*0.45, l.Tag, "", 2, "L", false, 0, "")
		pdf.SetX(tx)
		pdf.SetFont("go", "", sheet.TextSize)
		pdf.MultiCell(tw, sheet.TextSize*0.42, fit(pdf, l.Line, tw, 2), "", "L", false)
		pdf.SetX(tx)
		pdf.SetFont("go", "", sheet.TextSize-1)
		pdf.MultiCell(tw, (sheet.TextSize-1)*0.42, fit(pdf, school, tw, 1), "", "L", false)
	}
	return output(pdf, w)
}

// fit shortens s to what lines lines of width w hold.
func fit(pdf *fpdf.Fpdf, s string, w float64, lines int) string {
	if pdf.GetStringWidth(s) <= w*float64(lines)*0.95 {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && pdf.GetStringWidth(string(r)+"…") > w*float64(lines)*0.95 {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// Agreement is a loan agreement: who borrows what until when.
type Agreement struct {
	School, SchoolAddress string
	Borrower, Class       string
	Parents               []string
	Device                string // type and model
	Serial, Tag           string
	Start, Until          string // as the page shows days: 01.09.2026
	LentBy                string
}

// AgreementText are the conditions of the loan, as schools' templates
// word them.
var AgreementText = []string{
	"1. Die Schule überlässt das oben genannte Gerät mit Zubehör (Hülle, Ladekabel, Netzteil) leihweise für schulische Zwecke. Es bleibt Eigentum des Schulträgers.",
	"2. Das Gerät ist pfleglich zu behandeln, in der Schutzhülle zu tragen und vor Nässe, Hitze und Diebstahl zu schützen. Es wird nicht an Dritte weitergegeben.",
	"3. Die Schule verwaltet das Gerät zentral (MDM). Die Verwaltung darf nicht umgangen, das Gerät nicht zurückgesetzt oder verändert werden.",
	"4. Schäden, Verlust und Diebstahl sind der Schule sofort zu melden; ein Diebstahl zusätzlich der Polizei. Für Schäden aus Vorsatz oder grober Fahrlässigkeit haften die Erziehungsberechtigten.",
	"5. Das Gerät wird zum Ende der Leihfrist, beim Verlassen der Schule oder auf Verlangen der Schule vollständig und in ordnungsgemäßem Zustand zurückgegeben.",
	"6. Die Schule verarbeitet die Angaben dieses Vertrags zur Verwaltung der Leihgeräte und löscht sie nach den Fristen, die sie festgelegt hat.",
}

// Agreements writes one agreement per page (usually one).
func Agreements(w io.Writer, as []Agreement) error {
	title := "Leihvertrag"
	if len(as) == 1 {
		title += " " + as[0].Tag
	}
	pdf := newPDF(title)
	pdf.SetMargins(22, 20, 22)
	pdf.SetAutoPageBreak(true, 20)
	for _, a := range as {
		pdf.AddPage()
		pdf.SetFont("go", "", 10)
		pdf.CellFormat(0, 5, a.School, "", 1, "L", false, 0, "")
		if a.SchoolAddress != "" {
			pdf.CellFormat(0, 5, a.SchoolAddress, "", 1, "L", false, 0, "")
		}
		pdf.Ln(6)
		pdf.SetFont("go", "B", 17)
		pdf.CellFormat(0, 9, "Leihvertrag über ein digitales Endgerät", "", 1, "L", false, 0, "")
		pdf.Ln(3)
		row := func(label, value string) {
			pdf.SetFont("go", "", 10.5)
			pdf.CellFormat(50, 6.5, label, "", 0, "L", false, 0, "")
			pdf.SetFont("go", "B", 10.5)
			pdf.MultiCell(0, 6.5, value, "", "L", false)
		}
		borrower := a.Borrower
		if a.Class != "" {
			borrower += " (Klasse " + a.Class + ")"
		}
		row("Schülerin / Schüler:", borrower)
		if len(a.Parents) > 0 {
			row("Erziehungsberechtigte:", strings.Join(a.Parents, ", "))
		}
		row("Gerät:", a.Device)
		if a.Serial != "" {
			row("Seriennummer:", a.Serial)
		}
		row("Inventarnummer:", a.Tag)
		row("Ausgegeben am:", a.Start)
		row("Rückgabe bis:", a.Until)
		if a.LentBy != "" {
			row("Ausgegeben durch:", a.LentBy)
		}
		pdf.Ln(4)
		pdf.SetFont("go", "B", 11)
		pdf.CellFormat(0, 7, "Bedingungen", "", 1, "L", false, 0, "")
		pdf.SetFont("go", "", 10)
		for _, p := range AgreementText {
			pdf.MultiCell(0, 5, p, "", "L", false)
			pdf.Ln(1.5)
		}
		pdf.Ln(10)
		sign := func(label string) {
			y := pdf.GetY()
			pdf.Line(22, y, 95, y)
			pdf.Line(115, y, 188, y)
			pdf.SetFont("go", "", 8.5)
			pdf.SetXY(22, y+1)
			pdf.CellFormat(73, 4, "Ort, Datum", "", 0, "L", false, 0, "")
			pdf.SetXY(115, y+1)
			pdf.CellFormat(73, 4, label, "", 1, "L", false, 0, "")
			pdf.Ln(12)
		}
		sign("Unterschrift Erziehungsberechtigte")
		sign("Unterschrift Schülerin / Schüler")
		sign("Unterschrift für die Schule")
	}
	if len(as) == 0 {
		pdf.AddPage()
	}
	return output(pdf, w)
}

func newPDF(title string) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("Schulhof", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	return pdf
}

func output(pdf *fpdf.Fpdf, w io.Writer) error {
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}
