// Package e2e drives the real server with a real browser (Debian's
// chromium, headless, through chromedp): the way an operator, an admin and
// a student use Schulhof on the first day.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"golang.org/x/text/encoding/charmap"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
	"github.com/schulhof/schulhof/internal/web/kit"
	"github.com/schulhof/schulhof/internal/web/video"
)

func chromiumPath(t *testing.T) string {
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("no chromium installed (apt-get install chromium); .ci/run installs it")
	return ""
}

// newBrowser starts a headless browser with its own profile.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	exe := chromiumPath(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("no pdftotext (apt-get install poppler-utils)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(810, 1080),                                           // an iPad in portrait
		chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"), // a German school iPad
		// video lessons: a camera and a microphone that play a test
		// picture and tone, allowed without asking; sound plays at once
		chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return ctx
}

func step(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	checkAccessibility(t, ctx)
}

// seedClass7b makes the school "gym" with class 7b of the teacher
// mueller (Maria Müller) and the student jonas (Jonas Becker), both with
// the password.
func seedClass7b(t *testing.T, db *sqlstore.DB, pw string) *schulhof.Group {
	t.Helper()
	bg := context.Background()
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash(pw, password.Fast)
	teacher := &schulhof.User{SchoolID: sc.ID, Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher}
	jonas := &schulhof.User{SchoolID: sc.ID, Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	for _, u := range []*schulhof.User{teacher, jonas} {
		must(t, db.CreateUser(bg, u, hash))
	}
	class := &schulhof.Group{SchoolID: sc.ID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, teacher.ID, schulhof.MemberRoleLeader))
	must(t, db.SetMember(bg, sc.ID, class.ID, jonas.ID, schulhof.MemberRoleMember))
	return class
}

// schoolWithAdmin makes the school "gym" with its admin sekretariat
// (Sabine Sekretär) and the other users given, all with the password.
func schoolWithAdmin(t *testing.T, db *sqlstore.DB, pw string, users ...*schulhof.User) *schulhof.School {
	t.Helper()
	bg := context.Background()
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash(pw, password.Fast)
	admin := &schulhof.User{Login: "sekretariat", FirstName: "Sabine", LastName: "Sekretär", Role: schulhof.RoleSchoolAdmin}
	for _, u := range append([]*schulhof.User{admin}, users...) {
		u.SchoolID = sc.ID
		must(t, db.CreateUser(bg, u, hash))
	}
	return sc
}

// classRoom is the chat room of 7b (seedClass7b) and its teacher.
func classRoom(t *testing.T, db *sqlstore.DB) (*schulhof.User, schulhof.RoomID) {
	t.Helper()
	bg := context.Background()
	sc, err := db.FindSchoolBySlug(bg, "gym")
	must(t, err)
	teacher, err := db.FindUserByLogin(bg, sc.ID, "mueller")
	must(t, err)
	must(t, db.EnsureRooms(bg, sc.ID))
	rooms, err := db.FindRooms(bg, teacher)
	must(t, err)
	for _, r := range rooms {
		if r.Kind == schulhof.RoomGroup {
			return teacher, r.ID
		}
	}
	t.Fatal("7b has no room")
	return nil, 0
}

// failOnScriptErrors fails the test on a script error in the tab.
func failOnScriptErrors(t *testing.T, ctx context.Context, whose string) {
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventExceptionThrown); ok {
			t.Errorf("script error on %s page: %s %v", whose, e.ExceptionDetails.Text, e.ExceptionDetails.Exception)
		}
	})
}

// logIn logs a user in on the login page.
func logIn(t *testing.T, ctx context.Context, base, login, pw string) {
	t.Helper()
	step(t, ctx, login+" login page", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login), chromedp.SendKeys(chromedp.ID("password"), pw))
	submit(t, ctx, login+" login", "form[action='/login'] button[type=submit]")
}

// submit clicks and waits for the page that the form leads to.
func submit(t *testing.T, ctx context.Context, what string, sel string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if resp.Status >= 400 {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: status %d: %s", what, resp.Status, body)
	}
	checkAccessibility(t, ctx)
}

// waitJS waits until the predicate (JavaScript) holds in the page: the
// browser checks it at every change of the page, not at a timer of ours.
// A page that navigates meanwhile (a form's answer) ends the poll; it
// starts again on the new page.
func waitJS(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		msg := err.Error()
		navigated := strings.Contains(msg, "navigated") || strings.Contains(msg, "context was destroyed") || strings.Contains(msg, "Cannot find context")
		if !navigated || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

// jsText is the trimmed text of the element sel, in JavaScript.
func jsText(sel string) string {
	sj, _ := json.Marshal(sel)
	return `(document.querySelector(` + string(sj) + `)?.textContent ?? "").trim()`
}

// waitText waits until the element's text is the wanted one.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	wj, _ := json.Marshal(want)
	waitJS(t, ctx, sel+" says "+want, jsText(sel)+` === `+string(wj))
}

// waitLive waits until the page's socket follows its topic (board.js and
// chat.js mark it on the page).
func waitLive(t *testing.T, ctx context.Context) {
	t.Helper()
	waitJS(t, ctx, "the page's socket", `document.body.dataset.live === "on"`)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// today is now in the schools' time zone, where the server's days begin
// (from 23:00 UTC in winter it is the next day there).
func today() time.Time { return time.Now().In(kit.Berlin) }

// startServer runs the real server with a fresh SQLite store on the
// real clock, for the browser.
func startServer(t *testing.T) (*sqlstore.DB, *httptest.Server) {
	t.Helper()
	return startServerOn(t, nil)
}

// startServerOn is startServer on the bus b (nil: the server's own).
func startServerOn(t *testing.T, b bus.Bus) (*sqlstore.DB, *httptest.Server) {
	t.Helper()
	db := sqltest.MustOpenSQLite(t)
	db.Now = time.Now
	blobs, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// the media of video lessons on loopback only
	srv, err := web.New(web.Config{Version: "e2e", Bus: b, Video: video.Config{RTC: rtc.Config{Loopback: true}}}, db, blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return db, ts
}

func TestFirstDay(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	op := &schulhof.User{Login: "admin", FirstName: "Betrieb", LastName: "Stadt", Role: schulhof.RoleOperator}
	if err := db.CreateUser(context.Background(), op, password.Hash("operator-passwort", password.Fast)); err != nil {
		t.Fatal(err)
	}

	// The operator logs in and creates a school.
	step(t, ctx, "open login", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"), chromedp.SendKeys(chromedp.ID("password"), "operator-passwort"))
	submit(t, ctx, "operator login", "form[action='/login'] button[type=submit]")
	// At the first login she is asked who runs the installation.
	if got := text(t, ctx, "[data-testid=operator-first]"); !strings.Contains(got, "Wer betreibt diese Installation") {
		t.Fatalf("the first login: %q", got)
	}
	step(t, ctx, "who runs it", chromedp.SendKeys(chromedp.ID("op-name"), "Stadt Musterstadt"),
		chromedp.SendKeys(chromedp.ID("op-contact"), "datenschutz@musterstadt.example"))
	submit(t, ctx, "save the operator", "form[action='/admin/operator'] button[type=submit]")
	step(t, ctx, "start page", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.ID("hello-h")))
	if got := text(t, ctx, "#hello-h"); got != "Betrieb · Stadt Musterstadt" {
		t.Fatalf("the operator is greeted with %q", got)
	}
	step(t, ctx, "schools page", chromedp.Navigate(ts.URL+"/admin/schools"), chromedp.WaitVisible(chromedp.ID("slug")),
		chromedp.SendKeys(chromedp.ID("name"), "Gymnasium Musterstadt"), chromedp.SendKeys(chromedp.ID("slug"), "gym-muster"),
		chromedp.SetValue(chromedp.ID("state"), "NW"), chromedp.SetValue(chromedp.ID("school_type"), "gymnasium"))
	submit(t, ctx, "create school", "form[action='/admin/schools'] button[type=submit]")

	// The operator imports the class list, as the school office exports
	// it: Windows-1252, semicolons, German headers.
	csv, _ := charmap.Windows1252.NewEncoder().String("Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum\r\n" +
		"10001;Schröder;Renée;5a;04.06.2017\r\n10002;Müller;Jürgen;5a;13.06.2017\r\n10003;Müller;Jürgen;5b;01.01.2017\r\n")
	file := filepath.Join(t.TempDir(), "schueler.csv")
	os.WriteFile(file, []byte(csv), 0o600)
	step(t, ctx, "import page", chromedp.Navigate(ts.URL+"/s/gym-muster/import"), chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
	submit(t, ctx, "dry run", "form[enctype='multipart/form-data'] button[type=submit]")
	if got := text(t, ctx, "[data-testid=created]"); got != "3" {
		t.Fatalf("dry run shows %s new users", got)
	}
	submit(t, ctx, "apply", "[data-testid=apply]")
	if got := text(t, ctx, "main"); !strings.Contains(got, "Import abgeschlossen") {
		t.Fatalf("import did not finish: %s", got)
	}

	// The operator downloads the login letters: the page says whose
	// passwords it sets, she confirms.
	submit(t, ctx, "letters", "[data-testid=letters]")
	if got := text(t, ctx, "[data-testid=letters-check]"); !strings.Contains(got, "3 Konten bekommen ein neues Passwort") {
		t.Fatalf("the letters' check: %q", got)
	}
	downloads := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	step(t, ctx, "download letters",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			events := true
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads, EventsEnabled: &events})
			return err
		}),
		chromedp.Click(chromedp.CSS("[data-testid=letters-confirm]")))
	var pdf string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			pdf = filepath.Join(downloads, ev.GUID)
			break
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("download cancelled")
		}
	}
	out, err := exec.Command("pdftotext", "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(out), "\f")
	var login, pw string
	for _, p := range pages {
		if strings.Contains(p, "Renée Schröder") {
			login = regexp.MustCompile(`Benutzername:\s+(\S+)`).FindStringSubmatch(p)[1]
			pw = regexp.MustCompile(`Passwort:\s+(\S+)`).FindStringSubmatch(p)[1]
		}
	}
	if login != "renee.schroeder@gym-muster" || len(pw) != 10 || len(pages) < 3 {
		t.Fatalf("letter: login %q password %q, %d pages", login, pw, len(pages))
	}

	// The student logs in on an iPad with the letter, must choose a new
	// password, and sees the start page with name, school and class.
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	step(t, sctx, "student login page", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), login), chromedp.SendKeys(chromedp.ID("password"), pw))
	submit(t, sctx, "student login", "form[action='/login'] button[type=submit]")
	if loc, _ := chromedp.Run(sctx, chromedp.Location()); !strings.HasSuffix(loc, "/password") {
		t.Fatalf("student is at %s, not asked for a new password", loc)
	}
	step(t, sctx, "new password", chromedp.SendKeys(chromedp.ID("current"), pw),
		chromedp.SendKeys(chromedp.ID("new"), "mein-eigenes-pw"), chromedp.SendKeys(chromedp.ID("confirm"), "mein-eigenes-pw"))
	submit(t, sctx, "save password", "form[action='/password'] button[type=submit]")
	if got := text(t, sctx, "[data-testid=name]"); got != "Renée Schröder" {
		t.Fatalf("start page name %q", got)
	}
	if got := text(t, sctx, "[data-testid=school]"); got != "Gymnasium Musterstadt" {
		t.Fatalf("start page school %q", got)
	}
	if got := text(t, sctx, "[data-testid=class]"); got != "5a" {
		t.Fatalf("start page class %q", got)
	}
	if got := text(t, sctx, "[data-testid=groups]"); !strings.Contains(got, "5a") {
		t.Fatalf("start page groups %q", got)
	}
	if path := os.Getenv("SCHULHOF_SCREENSHOT"); path != "" {
		png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(path, png, 0o644)
	}
}
