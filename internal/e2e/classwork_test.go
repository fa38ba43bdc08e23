package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

// TestClassWork is a lesson's paperwork in the browser: the teacher puts a
// worksheet into the class folder and sets an assignment, the student
// downloads the worksheet on the iPad and hands in, the teacher gives
// feedback, the student reads it.
func TestClassWork(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash("klasse-5a-pw", password.Fast)
	teacher := &schulhof.User{SchoolID: sc.ID, Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher}
	student := &schulhof.User{SchoolID: sc.ID, Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	must(t, db.CreateUser(bg, teacher, hash))
	must(t, db.CreateUser(bg, student, hash))
	class := &schulhof.Group{SchoolID: sc.ID, Name: "5a", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, teacher.ID, schulhof.MemberRoleLeader))
	must(t, db.SetMember(bg, sc.ID, class.ID, student.ID, schulhof.MemberRoleMember))
	classFolder := ts.URL + "/s/gym/files/group/" + strconv.FormatInt(int64(class.ID), 10)

	dir := t.TempDir()
	sheet := filepath.Join(dir, "Arbeitsblatt Brüche.txt")
	os.WriteFile(sheet, []byte("1/2 + 1/4 = ?"), 0o600)
	video := filepath.Join(dir, "Experiment.mp4") // big: files.js sends it in pieces
	os.WriteFile(video, bytes.Repeat([]byte("Chemie "), 3<<20), 0o600)
	solution := filepath.Join(dir, "Lösung.txt")
	os.WriteFile(solution, []byte("3/4"), 0o600)

	login := func(ctx context.Context, who string) { t.Helper(); logIn(t, ctx, ts.URL, who+"@gym", "klasse-5a-pw") }

	// The teacher uploads the worksheet into the class folder (files.js
	// sends it with a progress bar and reloads the folder).
	login(ctx, "mueller")
	step(t, ctx, "class folder", chromedp.Navigate(classFolder), chromedp.WaitVisible(chromedp.ID("file")),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{sheet, video}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("a[data-testid=file]")))
	if got := text(t, ctx, "a[data-testid=file]"); got != "Arbeitsblatt Brüche.txt" {
		t.Fatalf("class folder shows %q", got)
	}
	if got := text(t, ctx, "table"); !strings.Contains(got, "Experiment.mp4") || !strings.Contains(got, "21 MB") {
		t.Fatalf("the big file is not there: %q", got)
	}

	// A whole folder, as a drop hands it over: the folders are made on the
	// server, also one that is there already, and the files go into them.
	classSpace := schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(class.ID)}
	if _, err := db.CreateFolder(bg, sc.ID, classSpace, 0, "Projekt"); err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "drop a folder", chromedp.Evaluate[chromedp.Void](`document.getElementById("upload-form").sendEntries([
		{file: new File(["Plan"], "Plan.txt"), path: "Projekt/Plan.txt"},
		{file: new File(["Bild"], "Tafel.txt"), path: "Projekt/Bilder/Tafel.txt"},
		{file: new File(["Mehr"], "Mehr.txt"), path: "Projekt/Bilder/Mehr.txt"}]); undefined`))
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		n, err := db.FindNodeByPath(bg, sc.ID, classSpace, []string{"Projekt", "Bilder", "Mehr.txt"})
		if err == nil && n.Size == 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dropped folder's file: %+v %v", n, err)
		}
	}
	if n, err := db.FindNodeByPath(bg, sc.ID, classSpace, []string{"Projekt", "Plan.txt"}); err != nil || n.Size != 4 {
		t.Fatalf("a file into the folder that was there: %+v %v", n, err)
	}
	step(t, ctx, "after the reload", chromedp.WaitVisible(chromedp.CSS("a[data-testid=folder]")))

	// The teacher sets an assignment for 5a with the worksheet of the
	// class folder attached (taken from there, not uploaded again).
	step(t, ctx, "assignments page", chromedp.Navigate(ts.URL+"/s/gym/assignments"), chromedp.WaitVisible(chromedp.ID("title")),
		chromedp.SendKeys(chromedp.ID("title"), "Brüche addieren"),
		chromedp.SendKeys(chromedp.ID("description"), "Rechne das Arbeitsblatt und gib deine Lösung ab."),
		chromedp.Click(chromedp.ID("group-"+strconv.FormatInt(int64(class.ID), 10))),
		chromedp.Click(chromedp.CSS("[data-testid=material-from-files] summary")))
	step(t, ctx, "the worksheet from the class folder", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("[data-testid=material-from-files] label")].find((l) => l.textContent.includes("Arbeitsblatt Brüche.txt")).click()`))
	submit(t, ctx, "set assignment", "form[action='/s/gym/assignments'] button[type=submit]")
	assignment, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(text(t, ctx, "main"), "0 von 1 abgegeben") {
		t.Fatalf("assignment page %s: %v\n%s", assignment, err, text(t, ctx, "main"))
	}
	if got := text(t, ctx, "[data-testid=attachment]"); got != "Arbeitsblatt Brüche.txt" {
		t.Fatalf("the assignment's material: %q", got)
	}
	assignment, _, _ = strings.Cut(assignment, "?")

	// The student sees it on the start page and downloads the worksheet
	// from the class folder.
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	login(sctx, "jonas")
	if got := text(t, sctx, "[data-testid=start-assignments]"); !strings.Contains(got, "Brüche addieren") {
		t.Fatalf("start page assignments: %q", got)
	}
	screenshot(t, sctx, "start-student.png")
	// "Dateien" shows her own files and each of her groups' folders
	step(t, sctx, "files", chromedp.Navigate(ts.URL+"/s/gym/files"), chromedp.WaitVisible(chromedp.CSS("[data-testid=spaces]")))
	if got := text(t, sctx, "[data-testid=spaces]"); !strings.Contains(got, "Meine Dateien") || !strings.Contains(got, "5a") {
		t.Fatalf("her places for files: %q", got)
	}
	screenshot(t, sctx, "files-spaces-student.png")
	step(t, sctx, "student class folder", chromedp.Click(chromedp.CSS(`[data-testid=spaces] li:nth-child(2) a`)), chromedp.WaitVisible(chromedp.CSS("a[data-testid=file]")),
		chromedp.Click(chromedp.CSS("a[data-testid=file]")), chromedp.WaitVisible(chromedp.CSS("[data-testid=preview]")))
	if got := text(t, sctx, "[data-testid=preview]"); got != "1/2 + 1/4 = ?" {
		t.Fatalf("preview: %q", got)
	}
	got, err := chromedp.Run(sctx, chromedp.Evaluate[string](`fetch(document.querySelector("a[data-testid=download]").href).then(r => r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil || got != "1/2 + 1/4 = ?" {
		t.Fatalf("download: %q %v", got, err)
	}

	// The student hands in a text and two files on a slow line: each file
	// shows its progress, and the button is off while it sends.
	essay := filepath.Join(dir, "Aufsatz.txt")
	os.WriteFile(essay, bytes.Repeat([]byte("Brüche sind Teile eines Ganzen. "), 5_000), 0o600) // 165 KB
	_, err = chromedp.Call(sctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{UploadThroughput: 150_000, DownloadThroughput: -1}}})
	must(t, err)
	step(t, sctx, "assignment page", chromedp.Navigate(assignment), chromedp.WaitVisible(chromedp.ID("hand-in")),
		chromedp.SendKeys(chromedp.ID("text"), "Siehe Datei."),
		chromedp.SetUploadFiles(chromedp.ID("file"), []string{solution, essay}),
		chromedp.Click(chromedp.CSS("#hand-in button[type=submit]")))
	waitJS(t, sctx, "progress while sending", `(() => {
		const bars = document.querySelectorAll("#hand-in-progress progress");
		return document.querySelector("#hand-in button[type=submit]").disabled && bars.length === 2 && bars[1].value > 0 && bars[1].value < 100;
	})()`)
	screenshot(t, sctx, "hand-in-progress.png")
	waitText(t, sctx, "[data-testid=status]", "abgegeben")
	_, err = chromedp.Call(sctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{}})
	must(t, err)
	// the files are in her own files too, under "Abgaben"
	if n, err := db.FindNodeByPath(bg, sc.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(student.ID)},
		[]string{"Abgaben", "Brüche addieren", "Aufsatz.txt"}); err != nil || n.Size != 165_000 {
		t.Fatalf("the hand-in in her files: %+v %v", n, err)
	}

	// She adds her notes from her files and a line, keeping what she
	// handed in; the essay she takes back.
	step(t, sctx, "notes into her files", chromedp.Evaluate[chromedp.Void](`fetch("/api/v1/schools/gym/spaces/user/`+
		strconv.FormatInt(int64(student.ID), 10)+`/files?parent=0&name=Notizen.txt", {method: "PUT", body: "Notizen zum Rechenweg"})`,
		chromedp.EvalAwaitPromise))
	step(t, sctx, "change the hand-in", chromedp.Navigate(assignment), chromedp.WaitVisible(chromedp.ID("hand-in")),
		chromedp.Click(chromedp.CSS("[data-testid=my-files] summary")),
		chromedp.Click(chromedp.CSS(`[data-testid=my-files] input[name=node]`)),
		chromedp.SendKeys(chromedp.ID("text"), " Meine Notizen sind dabei."))
	if got := text(t, sctx, "[data-testid=my-files] label"); !strings.Contains(got, "Notizen.txt") {
		t.Fatalf("the newest of her files first: %q", got)
	}
	keep, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#hand-in input[name=keep]")].map((k) => k.labels[0].textContent)`))
	if err != nil || len(keep) != 2 {
		t.Fatalf("the files handed in, to keep: %q %v", keep, err)
	}
	step(t, sctx, "take back the essay", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll("#hand-in input[name=keep]")].find((k) => k.labels[0].textContent.includes("Aufsatz")).click()`),
		chromedp.Click(chromedp.CSS("#hand-in button[type=submit]")))
	// the status said "abgegeben" before: the changed hand-in is there
	// once its page shows the new text
	waitJS(t, sctx, "the changed hand-in stored", jsText("[data-testid=my-text]")+`.includes("Meine Notizen sind dabei.")`)
	waitText(t, sctx, "[data-testid=status]", "abgegeben")

	// The teacher sees the hand-in and writes feedback.
	step(t, ctx, "teacher reloads", chromedp.Navigate(assignment), chromedp.WaitVisible(chromedp.CSS("[data-testid=submission]")))
	if got := text(t, ctx, "[data-testid=submission]"); !strings.Contains(got, "Siehe Datei.") || !strings.Contains(got, "Meine Notizen sind dabei.") ||
		!strings.Contains(got, "Lösung.txt") || !strings.Contains(got, "Notizen.txt") || strings.Contains(got, "Aufsatz.txt") {
		t.Fatalf("teacher sees %q", got)
	}
	// she shows those without feedback and writes it for the one there
	submit(t, ctx, "without feedback", "[data-testid=filters] li:last-child a")
	if got := text(t, ctx, "[data-testid=filters] [aria-current=page]"); got != "Ohne Rückmeldung (1)" {
		t.Fatalf("the filter: %q", got)
	}
	submit(t, ctx, "write feedback", "[data-testid=write-feedback]")
	step(t, ctx, "feedback", chromedp.WaitVisible(chromedp.ID("fb-text")), chromedp.SendKeys(chromedp.ID("fb-text"), "Richtig, gut gemacht!"))
	submit(t, ctx, "save feedback", "[data-testid=save-feedback]")
	if !strings.Contains(text(t, ctx, "main"), "1 von 1 abgegeben") {
		t.Fatal("the count did not change")
	}
	if got := text(t, ctx, "[data-testid=filters] [aria-current=page]"); got != "Ohne Rückmeldung (0)" {
		t.Fatalf("the filter after the feedback: %q", got)
	}

	// The student reads the feedback.
	step(t, sctx, "student reloads", chromedp.Navigate(assignment), chromedp.WaitVisible(chromedp.CSS("[data-testid=feedback]")))
	if got := text(t, sctx, "[data-testid=feedback]"); got != "Richtig, gut gemacht!" {
		t.Fatalf("feedback %q", got)
	}
	screenshot(t, sctx, "assignment-student.png")
	step(t, ctx, "teacher's view", chromedp.Navigate(assignment))
	screenshot(t, ctx, "assignment-teacher.png")
	step(t, sctx, "student's class folder", chromedp.Navigate(classFolder))
	screenshot(t, sctx, "files-student.png")
}

// screenshot saves the page when SCHULHOF_SCREENSHOTS names a folder, to
// look at the pages as an iPad shows them.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SCHULHOF_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, name), png, 0o644)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
