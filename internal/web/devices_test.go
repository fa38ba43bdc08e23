package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestDeviceManagers: a teacher keeps no devices until the admin names
// her a device manager; then she lends one, and the label of a device
// leads her to its page, a student to her own loans.
func TestDeviceManagers(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.do("a-teacher", "GET", "/api/v1/schools/schule-a/devices", ""); rec.Code != 403 {
		t.Fatalf("a teacher before: %d", rec.Code)
	}
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/device-managers", f.expand(`{"managers":[{a-teacher}]}`)); rec.Code != 200 {
		t.Fatalf("name her: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "POST", f.expand("/api/v1/schools/schule-a/devices/{a-device}/loans"), f.expand(`{"user":{a-student2},"until":"2027-07-15"}`)); rec.Code != 201 {
		t.Fatalf("the device manager lends: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "GET", "/api/v1/schools/schule-b/devices", ""); rec.Code != 404 {
		t.Fatalf("another school's devices: %d", rec.Code)
	}
	if rec := f.page("a-teacher", "GET", "/s/schule-a/d/IPAD-1", ""); rec.Code != 303 || rec.Header().Get("Location") != f.expand("/s/schule-a/devices/{a-device}") {
		t.Fatalf("a label for the device manager: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := f.page("a-student", "GET", "/s/schule-a/d/IPAD-2", ""); rec.Code != 303 || rec.Header().Get("Location") != "/s/schule-a/my-devices" {
		t.Fatalf("a label for a student: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := f.page("a-teacher", "GET", "/s/schule-a/d/NICHT-DA", ""); rec.Code != 404 {
		t.Fatalf("a label of no device: %d", rec.Code)
	}
	// she is no manager any more: no devices
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/device-managers", `{"managers":[]}`); rec.Code != 200 {
		t.Fatalf("unname her: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "GET", "/api/v1/schools/schule-a/devices", ""); rec.Code != 403 {
		t.Fatalf("a teacher after: %d", rec.Code)
	}
}

// TestLoanAgreement: the agreement the parents sign names the student
// with class, the parents, the device with serial and asset tag, and the
// dates.
func TestLoanAgreement(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	f := newFixture(t, nil)
	rec := f.page("a-parent", "GET", f.expand("/s/schule-a/loans/{a-loan}/agreement.pdf"), "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("agreement: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	file := filepath.Join(t.TempDir(), "a.pdf")
	os.WriteFile(file, rec.Body.Bytes(), 0o600)
	out, err := exec.Command("pdftotext", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Student SchuleA (Klasse 5a)", "Parent SchuleA", "iPad 10. Generation", "F9FXa2", "IPAD-2", "01.09.2026", "15.07.2027",
		"Ausgegeben durch: Admin SchuleA"} {
		if !strings.Contains(text, want) {
			t.Errorf("the agreement lacks %q:\n%s", want, text)
		}
	}
}

// TestDecodeFrame: a camera frame with a label in it (a JPEG, the label
// somewhere in a grey picture) gives the label's code; one without gives
// none.
func TestDecodeFrame(t *testing.T) {
	f := newFixture(t, nil)
	png, err := qrcode.Encode("https://schulhof.example/s/schule-a/d/IPAD-1", qrcode.Medium, 240)
	if err != nil {
		t.Fatal(err)
	}
	label, _, err := image.Decode(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	frame := image.NewRGBA(image.Rect(0, 0, 960, 540))
	draw.Draw(frame, frame.Bounds(), &image.Uniform{color.RGBA{120, 120, 120, 255}}, image.Point{}, draw.Src)
	draw.Draw(frame, label.Bounds().Add(image.Pt(400, 150)), label, image.Point{}, draw.Src)
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, frame, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/devices/decode", jpg.String(), "Content-Type", "image/jpeg")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"code":"https://schulhof.example/s/schule-a/d/IPAD-1"`) {
		t.Fatalf("a frame with a label: %d %s", rec.Code, rec.Body)
	}
	jpg.Reset()
	jpeg.Encode(&jpg, image.NewGray(image.Rect(0, 0, 320, 240)), nil)
	if rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/devices/decode", jpg.String(), "Content-Type", "image/jpeg"); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"code":""`) {
		t.Fatalf("a frame without: %d %s", rec.Code, rec.Body)
	}
}
