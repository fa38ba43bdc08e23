// Package letters renders login letters ("Zugangsdaten"): one A4 page per
// user with the school, the user's name and class, the login, the initial
// password and where to log in, for the admin to print and hand out.
package letters

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// Letter is one page.
type Letter struct {
	Name     string
	Class    string
	Login    string // as typed on the login page: login@school
	Password string
}

// Render writes the PDF of all letters to w. The Go fonts are embedded,
// so every name prints as it is spelled (ş, ł, é), and the password is
// set in a monospaced font where l, 1 and I cannot be confused.
func Render(w io.Writer, school, address string, ls []Letter) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Zugangsdaten "+school, true)
	pdf.SetCreator("Schulhof", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	pdf.SetMargins(25, 25, 25)
	pdf.SetAutoPageBreak(false, 20)
	for _, l := range ls {
		pdf.AddPage()
		pdf.SetFont("go", "", 11)
		pdf.CellFormat(0, 6, school, "", 1, "L", false, 0, "")
		pdf.Ln(10)
		pdf.SetFont("go", "B", 20)
		pdf.CellFormat(0, 10, "Deine Zugangsdaten für Schulhof", "", 1, "L", false, 0, "")
		pdf.Ln(6)
		row := func(label, value, font string, size float64) {
			pdf.SetFont("go", "", 12)
			pdf.CellFormat(45, 10, label, "", 0, "L", false, 0, "")
			pdf.SetFont(font, "", size)
			pdf.CellFormat(0, 10, value, "", 1, "L", false, 0, "")
		}
		row("Name:", l.Name, "go", 14)
		if l.Class != "" {
			row("Klasse:", l.Class, "go", 14)
		}
		row("Adresse:", address, "go", 14)
		row("Benutzername:", l.Login, "gomono", 16)
		row("Passwort:", l.Password, "gomono", 16)
		pdf.Ln(8)
		pdf.SetFont("go", "", 11)
		pdf.MultiCell(0, 6, strings.Join([]string{
			"So meldest du dich an: Öffne die Adresse oben im Browser, zum Beispiel auf deinem iPad.",
			"Gib deinen Benutzernamen und dein Passwort genau so ein, wie sie hier stehen.",
			"Beim ersten Anmelden wählst du ein eigenes, neues Passwort. Das Passwort auf diesem",
			"Brief gilt danach nicht mehr.",
			"",
			"Verrate dein Passwort niemandem, auch nicht deinen Freundinnen und Freunden.",
			"Wenn du dein Passwort vergessen hast, hilft dir deine Lehrerin oder dein Lehrer.",
		}, "\n"), "", "L", false)
		pdf.SetY(-35)
		pdf.SetFont("go", "", 8)
		pdf.SetDrawColor(160, 160, 160)
		pdf.SetDashPattern([]float64{2, 2}, 0)
		pdf.Line(10, pdf.GetY(), 200, pdf.GetY())
		pdf.SetDashPattern(nil, 0)
		pdf.Ln(2)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · %s · %s", school, l.Name, l.Login), "", 1, "L", false, 0, "")
	}
	if len(ls) == 0 {
		pdf.AddPage()
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("login letters: %w", err)
	}
	return pdf.Output(w)
}
