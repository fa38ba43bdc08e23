package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/schulhof/schulhof"
)

// TestLendAndReturn: the school's office adds an iPad, lends it to a
// student (typed into the borrower field, as from the list), prints the
// loan agreement, and takes it back damaged: it goes to repair, and its
// history shows the loan. On an iPad and on a phone the page works.
func TestLendAndReturn(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	ayse := &schulhof.User{Login: "ayse", FirstName: "Ayşe", LastName: "Öztürk", Role: schulhof.RoleStudent}
	mother := &schulhof.User{Login: "fatma", FirstName: "Fatma", LastName: "Öztürk", Role: schulhof.RoleParent}
	sc := schoolWithAdmin(t, db, "geraete-passwort", ayse, mother)
	must(t, db.LinkParent(context.Background(), sc.ID, mother.ID, ayse.ID))
	failOnScriptErrors(t, ctx, "the office's")
	step(t, ctx, "an iPad", viewport(820, 1180, true))
	logIn(t, ctx, ts.URL, "sekretariat@gym", "geraete-passwort")

	step(t, ctx, "the devices page", chromedp.Navigate(ts.URL+"/s/gym/devices"), chromedp.WaitVisible(chromedp.CSS("[data-testid=devices]")))
	step(t, ctx, "the form for a new device", chromedp.Click(chromedp.CSS("#new-h")), chromedp.WaitVisible(chromedp.CSS("[data-testid=device-model]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-model]"), "iPad 10. Generation"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-serial]"), "F9FXK1L2"),
		chromedp.SendKeys(chromedp.CSS("[data-testid=device-location]"), "R 101"))
	submit(t, ctx, "add the iPad", "[data-testid=device-create]")
	waitText(t, ctx, "[data-testid=device-status]", "im Lager · R 101")

	step(t, ctx, "the borrower", chromedp.SendKeys(chromedp.CSS("[data-testid=borrower]"), "Ayşe Öztürk (ayse)"))
	screenshot(t, ctx, "device-lend.png")
	submit(t, ctx, "lend it", "[data-testid=lend]")
	waitTextPrefix(t, ctx, "[data-testid=device-loan]", "Ausgeliehen an Ayşe Öztürk, vom ")
	// the agreement is a PDF of this loan
	pdf, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector("[data-testid=agreement]").href)
  .then(r => r.ok ? r.headers.get("Content-Type") : "status " + r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || pdf != "application/pdf" {
		t.Fatalf("the agreement: %q %v", pdf, err)
	}
	screenshot(t, ctx, "device-lent.png")

	step(t, ctx, "a phone", viewport(390, 844, true))
	checkTapTargets(t, ctx, "the lent device on a phone")
	step(t, ctx, "damaged", chromedp.Click(chromedp.CSS("[data-testid=condition-damaged]")),
		chromedp.SendKeys(chromedp.ID("note"), "Display gesprungen"))
	submit(t, ctx, "take it back", "[data-testid=return]")
	waitText(t, ctx, "[data-testid=device-status]", "in Reparatur · R 101")
	waitJS(t, ctx, "the history", `document.querySelector("[data-testid=history]").textContent.includes("Display gesprungen")`)
	screenshot(t, ctx, "device-returned.png")

	// the damage reported with a photo of it
	png, err := qrcode.Encode("Foto des Displays", qrcode.Low, 200) // any picture will do
	must(t, err)
	photo := filepath.Join(t.TempDir(), "display.png")
	must(t, os.WriteFile(photo, png, 0o600))
	step(t, ctx, "the damage form", chromedp.Click(chromedp.CSS("#damage-h ~ details summary")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=damage-description]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=damage-description]"), "Display gesprungen, Ecke unten links"),
		chromedp.SetUploadFiles(chromedp.CSS("[data-testid=damage-photos]"), []string{photo}))
	submit(t, ctx, "report the damage", "[data-testid=damage-report]")
	// a picture's loading changes no element, which waitJS watches
	waitMedia(t, ctx, "the report's photo", `(() => { const img = document.querySelector("[data-testid=damage] img");
  return !!img && img.complete && img.naturalWidth === 200 })()`)
	screenshot(t, ctx, "device-damage.png")

	// the MDM's export of two more iPads and the one lent before (known
	// by its serial): checked, then imported
	list := filepath.Join(t.TempDir(), "mdm.csv")
	must(t, os.WriteFile(list, []byte("Serial Number;Model;Room\r\nDMPX1;iPad 10. Generation;R 101\r\nDMPX2;iPad 10. Generation;R 102\r\nF9FXK1L2;iPad 10. Generation;R 103\r\n"), 0o600))
	step(t, ctx, "an iPad again", viewport(820, 1180, true))
	step(t, ctx, "the import", chromedp.Navigate(ts.URL+"/s/gym/devices/import"), chromedp.WaitVisible(chromedp.CSS("[data-testid=import-file]")),
		chromedp.SetUploadFiles(chromedp.CSS("[data-testid=import-file]"), []string{list}))
	submit(t, ctx, "check the list", "[data-testid=import-check]")
	waitText(t, ctx, "[data-testid=created]", "2")
	waitText(t, ctx, "[data-testid=updated]", "1")
	screenshot(t, ctx, "device-import.png")
	submit(t, ctx, "import it", "[data-testid=apply]")
	waitText(t, ctx, "h2#rep-h", "Import ausgeführt")
	step(t, ctx, "the devices in R 102", chromedp.Navigate(ts.URL+"/s/gym/devices?q=R+102"), chromedp.WaitVisible(chromedp.CSS("[data-testid=devices]")))
	waitJS(t, ctx, "the imported iPad", `document.querySelector("[data-testid=devices]").textContent.includes("DMPX2")`)
}

// TestScanSession: June: class 7b brings its iPads back; the office
// scans two labels with a hand-held scanner (it types the code and
// Enter), marks one damaged, and sees who has not brought theirs; all
// are taken back in one go. September: the two iPads go to the two
// students without one, each scanned once.
func TestScanSession(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	bg := context.Background()
	students := []*schulhof.User{{Login: "ayse", FirstName: "Ayşe", LastName: "Öztürk", Role: schulhof.RoleStudent},
		{Login: "ben", FirstName: "Ben", LastName: "Kraus", Role: schulhof.RoleStudent},
		{Login: "carla", FirstName: "Carla", LastName: "Lang", Role: schulhof.RoleStudent}}
	sc := schoolWithAdmin(t, db, "scan-passwort", students...)
	admin, err := db.FindUserByLogin(bg, sc.ID, "sekretariat")
	must(t, err)
	class := &schulhof.Group{SchoolID: sc.ID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	var ids []schulhof.DeviceID
	for i, s := range students {
		must(t, db.SetMember(bg, sc.ID, class.ID, s.ID, schulhof.MemberRoleMember))
		d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10. Generation", AssetTag: "IPAD-" + string(rune('1'+i))}
		must(t, db.CreateDevice(bg, d))
		must(t, db.LendDevice(bg, admin, &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: s.ID, Start: "2026-09-01", Until: "2027-07-15"}))
		ids = append(ids, d.ID)
	}
	failOnScriptErrors(t, ctx, "the office's")
	step(t, ctx, "an iPad", viewport(820, 1180, true))
	logIn(t, ctx, ts.URL, "sekretariat@gym", "scan-passwort")
	page := ts.URL + "/s/gym/devices/scan?class=" + strconv.FormatInt(int64(class.ID), 10)
	step(t, ctx, "the scan page of 7b", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("[data-testid=scan-code]")))
	waitJS(t, ctx, "all three missing", `document.querySelectorAll("[data-testid=scan-missing] li").length === 3`)
	// the scanner types the label's address, then Enter
	step(t, ctx, "scan two labels", chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), ts.URL+"/s/gym/d/IPAD-1\n"))
	waitText(t, ctx, "#scan-count", "1")
	step(t, ctx, "scan the second", chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-3\n"))
	waitText(t, ctx, "#scan-count", "2")
	step(t, ctx, "scan the first again", chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-1\n"))
	waitText(t, ctx, "[data-testid=scan-status]", "IPAD-1 ist schon in der Liste.")
	waitJS(t, ctx, "only Ben missing", `(() => { const li = document.querySelectorAll("[data-testid=scan-missing] li");
  return li.length === 1 && li[0].textContent === "Ben Kraus (IPAD-2)" })()`)
	step(t, ctx, "IPAD-3 damaged", chromedp.SetValue(chromedp.CSS(`select[aria-label="IPAD-3"]`), "damaged"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('select[aria-label="IPAD-3"]').dispatchEvent(new Event("change"))`))
	screenshot(t, ctx, "device-scan-return.png")
	submit(t, ctx, "take all back", "[data-testid=scan-apply]")
	waitText(t, ctx, "[data-testid=scan-status]", "2 Geräte sind zurückgenommen.")
	for i, want := range []schulhof.DeviceStatus{schulhof.DeviceInStock, schulhof.DeviceLent, schulhof.DeviceInRepair} {
		d, err := db.FindDevice(bg, sc.ID, ids[i])
		if err != nil || d.Status != want {
			t.Fatalf("IPAD-%d: %v %v, want %s", i+1, d.Status, err, want)
		}
	}

	// September: IPAD-1 goes to the first without a device by name (Carla;
	// Ben still has his)
	step(t, ctx, "lend mode", chromedp.Click(chromedp.CSS("[data-testid=mode-lend]")))
	waitJS(t, ctx, "two without a device", `document.querySelectorAll("[data-testid=scan-missing] li").length === 2`)
	step(t, ctx, "scan IPAD-1", chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-1\n"))
	waitText(t, ctx, "#scan-count", "1")
	step(t, ctx, "scan IPAD-3, in repair", chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-3\n"))
	waitTextPrefix(t, ctx, "[data-testid=scan-status]", "IPAD-3 ist nicht frei")
	screenshot(t, ctx, "device-scan-lend.png")
	submit(t, ctx, "lend all", "[data-testid=scan-apply]")
	waitText(t, ctx, "[data-testid=scan-status]", "1 Geräte sind ausgeliehen.")
	d, err := db.FindDevice(bg, sc.ID, ids[0])
	if err != nil || d.Loan == nil || d.Loan.UserName != "Carla Lang" {
		t.Fatalf("IPAD-1 after the lend session: %+v %v", d, err)
	}

	// one label opens its device, to take it back there
	step(t, ctx, "open mode", chromedp.Click(chromedp.CSS("[data-testid=mode-open]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-2\n"))
	waitTextPrefix(t, ctx, "[data-testid=device-loan]", "Ausgeliehen an Ben Kraus")

	// the stock-take of the whole school: only IPAD-3 (in repair) is
	// at school, and it is scanned
	step(t, ctx, "the stock-take", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("[data-testid=scan-code]")),
		chromedp.Click(chromedp.CSS("[data-testid=mode-audit]")), chromedp.SendKeys(chromedp.CSS("[data-testid=scan-code]"), "IPAD-3\n"))
	waitText(t, ctx, "#scan-count", "1")
	submit(t, ctx, "finish the stock-take", "[data-testid=scan-apply]")
	waitText(t, ctx, "[data-testid=audit-complete]", "Alles da.")
	screenshot(t, ctx, "device-stocktake.png")
}

// TestScanWithCamera: the office opens the scan page on an iPad and
// holds a label in front of the camera (Chromium's fake camera plays a
// picture of the label); the page reads it (through the server: no
// BarcodeDetector here, as on the iPad) and opens the device.
func TestScanWithCamera(t *testing.T) {
	png, err := qrcode.Encode("http://schulhof.example/s/gym/d/IPAD-7", qrcode.Medium, 300)
	must(t, err)
	label, _, err := image.Decode(bytes.NewReader(png))
	must(t, err)
	video := filepath.Join(t.TempDir(), "label.y4m")
	must(t, writeY4M(video, label, 640, 480))
	ctx := newBrowser(t, chromedp.Flag("use-file-for-fake-video-capture", video))
	db, ts := startServer(t)
	sc := schoolWithAdmin(t, db, "kamera-passwort")
	d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10. Generation", AssetTag: "IPAD-7"}
	must(t, db.CreateDevice(context.Background(), d))
	failOnScriptErrors(t, ctx, "the office's")
	logIn(t, ctx, ts.URL, "sekretariat@gym", "kamera-passwort")
	step(t, ctx, "the scan page", chromedp.Navigate(ts.URL+"/s/gym/devices/scan"), chromedp.WaitVisible(chromedp.CSS("[data-testid=scan-camera]")),
		chromedp.Click(chromedp.CSS("[data-testid=mode-open]")), chromedp.Click(chromedp.CSS("[data-testid=scan-camera]")))
	waitTextPrefix(t, ctx, "[data-testid=device-status]", "im Lager")
	waitJS(t, ctx, "the device's page", `location.pathname === "/s/gym/devices/`+strconv.FormatInt(int64(d.ID), 10)+`"`)
}

// writeY4M writes a short video of the picture, centred on white, for
// Chromium's fake camera (YUV 4:2:0, grey: the chroma planes flat).
func writeY4M(path string, pic image.Image, w, h int) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	y := make([]byte, w*h)
	for i := range y {
		y[i] = 255
	}
	b := pic.Bounds()
	ox, oy := (w-b.Dx())/2, (h-b.Dy())/2
	for py := 0; py < b.Dy(); py++ {
		for px := 0; px < b.Dx(); px++ {
			r, g, bl, _ := pic.At(b.Min.X+px, b.Min.Y+py).RGBA()
			if x, yy := ox+px, oy+py; x >= 0 && x < w && yy >= 0 && yy < h {
				y[yy*w+x] = byte((299*r + 587*g + 114*bl) / 1000 >> 8)
			}
		}
	}
	chroma := bytes.Repeat([]byte{128}, w*h/2)
	for range 10 {
		buf.WriteString("FRAME\n")
		buf.Write(y)
		buf.Write(chroma)
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// TestBookClassSet: the office makes a cart of two iPads; a teacher books
// it for periods 3 to 4 tomorrow; booking it again for period 4 is
// refused with who has it; the iPad's page shows the booking.
func TestBookClassSet(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	teacher := &schulhof.User{Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher}
	sc := schoolWithAdmin(t, db, "wagen-passwort", teacher)
	var ids []schulhof.DeviceID
	for i := range 2 {
		d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10. Generation", AssetTag: "W-" + strconv.Itoa(i+1)}
		must(t, db.CreateDevice(context.Background(), d))
		ids = append(ids, d.ID)
	}
	failOnScriptErrors(t, ctx, "the office's")
	logIn(t, ctx, ts.URL, "sekretariat@gym", "wagen-passwort")
	step(t, ctx, "the reservations page", chromedp.Navigate(ts.URL+"/s/gym/reservations"), chromedp.WaitVisible(chromedp.CSS("[data-testid=reservations]")),
		chromedp.Click(chromedp.CSS("#sets-h ~ details summary")), chromedp.WaitVisible(chromedp.CSS("[data-testid=set-name]")),
		chromedp.SendKeys(chromedp.CSS("[data-testid=set-name]"), "iPad-Wagen 1"), chromedp.SendKeys(chromedp.ID("room"), "R 104"))
	submit(t, ctx, "make the cart", "[data-testid=set-create]")
	step(t, ctx, "the device list", chromedp.Navigate(ts.URL+"/s/gym/devices"), chromedp.WaitVisible(chromedp.CSS("[data-testid=devices]")),
		chromedp.Click(chromedp.CSS(`input[name=id][value="`+strconv.FormatInt(int64(ids[0]), 10)+`"]`)),
		chromedp.Click(chromedp.CSS(`input[name=id][value="`+strconv.FormatInt(int64(ids[1]), 10)+`"]`)),
		chromedp.SetValue(chromedp.ID("bulk_set"), "1"))
	submit(t, ctx, "into the cart", "[data-testid=bulk]")
	waitJS(t, ctx, "both in use", `document.querySelector("[data-testid=devices]").textContent.split("in der Schule im Einsatz").length === 3`)

	// the teacher books it
	tctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	failOnScriptErrors(t, tctx, "the teacher's")
	logIn(t, tctx, ts.URL, "mueller@gym", "wagen-passwort")
	tomorrow := today().AddDate(0, 0, 1).Format("2006-01-02")
	fill := func(ctx context.Context, who string, from, to string) {
		t.Helper()
		step(t, ctx, who+" books", chromedp.Navigate(ts.URL+"/s/gym/reservations"), chromedp.WaitVisible(chromedp.CSS("[data-testid=reservation-what]")),
			chromedp.SetValue(chromedp.CSS("[data-testid=reservation-what]"), "set:1"), chromedp.SetValue(chromedp.ID("day"), tomorrow),
			chromedp.SetValue(chromedp.ID("from_period"), from), chromedp.SetValue(chromedp.ID("to_period"), to))
	}
	fill(tctx, "the teacher", "3", "4")
	submit(t, tctx, "the teacher books", "[data-testid=reserve]")
	waitJS(t, tctx, "her booking", `document.querySelector("[data-testid=reservations]").textContent.includes("Maria Müller")`)
	// the office wants it in period 4: refused, and told by whom
	fill(ctx, "the office", "4", "4")
	step(t, ctx, "the office books", chromedp.Click(chromedp.CSS("[data-testid=reserve]")))
	waitTextPrefix(t, ctx, "#form-error", "Schon gebucht: Maria Müller hat es in der 3.–4. Stunde.")
	screenshot(t, ctx, "device-booking-conflict.png")
	step(t, ctx, "the iPad's page", chromedp.Navigate(ts.URL+"/s/gym/devices/"+strconv.FormatInt(int64(ids[0]), 10)),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=device-booked]")))
	waitJS(t, ctx, "booked on the iPad's page", `document.querySelector("[data-testid=device-booked]").textContent.includes("3.–4. Stunde: Maria Müller (iPad-Wagen 1)")`)
}
