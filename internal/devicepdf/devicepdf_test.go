package devicepdf_test

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/schulhof/schulhof/internal/devicepdf"
)

// TestLabelsDecode: every label's QR code, printed on each sheet, reads
// back as its device's address, and its asset tag is printed beside it.
func TestLabelsDecode(t *testing.T) {
	for _, tool := range []string{"pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " (poppler-utils) not installed")
		}
	}
	for _, sheet := range devicepdf.Sheets {
		t.Run(sheet.Name, func(t *testing.T) {
			n := sheet.Columns*sheet.Rows + 3 // a second sheet begun
			var labels []devicepdf.Label
			var want []string
			for i := range n {
				url := fmt.Sprintf("https://schulhof.example/s/gymnasium-sued/d/D%05d", 100+i)
				labels = append(labels, devicepdf.Label{URL: url, Tag: fmt.Sprintf("D%05d", 100+i), Line: "iPad 10. Generation · Raum 101"})
				want = append(want, url)
			}
			var buf bytes.Buffer
			if err := devicepdf.Labels(&buf, "Gymnasium Süd", sheet, labels); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pdf := filepath.Join(dir, "labels.pdf")
			os.WriteFile(pdf, buf.Bytes(), 0o600)
			if out, err := exec.Command("pdftoppm", "-r", "300", "-gray", "-png", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, out)
			}
			pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
			if len(pages) != 2 {
				t.Fatalf("%d pages, want 2", len(pages))
			}
			// each label cut out of the printed page, as a scanner sees
			// one label
			var got []string
			px := func(mm float64) int { return int(mm / 25.4 * 300) }
			for i, p := range pages {
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				img, _, err := image.Decode(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				sub := img.(interface {
					SubImage(image.Rectangle) image.Image
				})
				for n := 0; n < sheet.Columns*sheet.Rows && i*sheet.Columns*sheet.Rows+n < len(labels); n++ {
					x := sheet.Left + float64(n%sheet.Columns)*sheet.PitchX
					y := sheet.Top + float64(n/sheet.Columns)*sheet.PitchY
					cell := sub.SubImage(image.Rect(px(x), px(y), px(x+sheet.W), px(y+sheet.H)))
					bmp, err := gozxing.NewBinaryBitmapFromImage(cell)
					if err != nil {
						t.Fatal(err)
					}
					r, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
					if err != nil {
						t.Fatalf("page %d, label %d: %v", i+1, n+1, err)
					}
					got = append(got, r.GetText())
				}
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("decoded %d codes, want %d:\n%v", len(got), len(want), got)
			}
			text, err := exec.Command("pdftotext", pdf, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			for _, tag := range []string{"D00100", fmt.Sprintf("D%05d", 100+n-1)} {
				if !strings.Contains(string(text), tag) {
					t.Errorf("no %s printed", tag)
				}
			}
		})
	}
}

// TestAgreement: the agreement names the student, the parents, the
// device with its serial and tag, the dates and its conditions.
func TestAgreement(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	var buf bytes.Buffer
	err := devicepdf.Agreements(&buf, []devicepdf.Agreement{{School: "Gymnasium Süd", Borrower: "Ayşe Öztürk", Class: "8b",
		Parents: []string{"Fatma Öztürk", "Mehmet Öztürk"}, Device: "iPad 10. Generation", Serial: "F9FXK1L2", Tag: "D00042",
		Start: "01.09.2026", Until: "15.07.2027", LentBy: "Maria Müller"}})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(f, buf.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Leihvertrag über ein digitales Endgerät", "Ayşe Öztürk (Klasse 8b)", "Fatma Öztürk, Mehmet Öztürk",
		"F9FXK1L2", "D00042", "01.09.2026", "15.07.2027", "Gymnasium Süd", "Unterschrift Erziehungsberechtigte", "grober Fahrlässigkeit"} {
		if !strings.Contains(text, want) {
			t.Errorf("the agreement lacks %q:\n%s", want, text)
		}
	}
}
