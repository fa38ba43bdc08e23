package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/timetable"
)

// tapTargets lists what can be tapped on the page but is smaller than
// 44 × 44 CSS pixels (Apple's and WCAG 2.5.5's size for a finger), but
// links inside running text, which are as tall as their line.
const tapTargets = `(() => {
	const out = [];
	for (const e of document.querySelectorAll("a[href], button, summary, select, input:not([type=hidden]):not([type=radio]):not([type=checkbox]):not([type=file]), label.tool, label:has(> input[type=checkbox]), label:has(> input[type=radio])")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || e.closest("[hidden], .visually-hidden, .skip")) continue;
		if (e.tagName === "A" && e.closest("p, .text, dd, .hint, blockquote, footer, td.name")) continue;
		if (r.width < 43.5 || r.height < 43.5) out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ")[0] : "") + " " + JSON.stringify((e.textContent || e.getAttribute("aria-label") || "").trim().slice(0, 24)) + " " + Math.round(r.width) + "×" + Math.round(r.height));
	}
	return [...new Set(out)];
})()`

// checkTapTargets fails the test for what is too small to tap.
func checkTapTargets(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](tapTargets))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range small {
		t.Errorf("%s: too small to tap: %s", page, s)
	}
	wide, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if wide {
		t.Errorf("%s: wider than the screen", page)
	}
}

// viewport sets the tab's screen: a phone, an iPad.
func viewport(w, h int64, mobile bool) chromedp.Action[chromedp.Void] {
	opts := []chromedp.EmulateViewportOption{}
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.EmulateViewport(w, h, opts...)
}

// TestSmallScreens: the pages a teacher uses, on a phone and on an iPad in
// landscape, and a student's on his phone: everything can be tapped with a finger, nothing is wider
// than the screen, the navigation is a menu, the whiteboard fills the
// screen, the timetable shows a day at a time on the phone.
func TestSmallScreens(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	class := seedClass7b(t, db, "klein-passwort")
	teacher, room := classRoom(t, db)
	for _, text := range []string{"Guten Morgen!", "Bitte den Atlas mitbringen."} {
		_, err := db.PostMessage(bg, teacher, room, &schulhof.NewMessage{Text: text})
		must(t, err)
	}
	// her week: German in 7b, first period, every day
	code := "MUE"
	_, err := db.UpdateUser(bg, teacher.SchoolID, teacher.ID, schulhof.UserUpdate{ShortCode: &code})
	must(t, err)
	var plan strings.Builder
	for d := 1; d <= 5; d++ {
		fmt.Fprintf(&plan, "%d;\"7b\";\"MUE\";\"D\";\"R100\";%d;1;;\r\n", d, d)
	}
	_, err = timetable.Import(bg, db, teacher.SchoolID, map[string][]byte{"GPU001.TXT": []byte(plan.String())}, timetable.Options{Now: time.Now()})
	must(t, err)
	logIn(t, ctx, ts.URL, "mueller@gym", "klein-passwort")
	board, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fmt.Sprintf(`fetch("/api/v1/boards", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({title: "Bruchrechnung", group: %d})}).then((r) => r.json()).then((b) => b.id)`, class.ID), chromedp.EvalAwaitPromise))
	must(t, err)

	pages := map[string]string{"start": "/", "files": "/s/gym/files", "assignments": "/s/gym/assignments", "timetable": "/timetable",
		"substitutions": "/s/gym/substitutions", "exams": "/s/gym/exams", "chat": fmt.Sprintf("/chat?room=%d", room), "boards": "/boards",
		"profile": "/profile"}
	for _, screen := range []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"phone", 390, 844, true}, {"ipad-landscape", 1180, 820, true}} {
		step(t, ctx, screen.name, viewport(screen.w, screen.h, screen.mobile))
		for name, path := range pages {
			step(t, ctx, screen.name+" "+name, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
			checkTapTargets(t, ctx, screen.name+" "+name)
			screenshot(t, ctx, screen.name+"-"+name+".png")
		}
		// the week: a grid on the iPad, a day at a time on the phone
		step(t, ctx, screen.name+" week", chromedp.Navigate(ts.URL+"/timetable"), chromedp.WaitVisible(chromedp.CSS("main")))
		days, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.querySelector("[data-testid=timetable]").offsetHeight,
			[...document.querySelectorAll(".week-days section.day")].filter((s) => s.offsetHeight > 0).length]`))
		must(t, err)
		if screen.name == "phone" && (days[0] != 0 || days[1] != 1) {
			t.Errorf("the phone's week: grid %dpx high, %d days shown", days[0], days[1])
		}
		if screen.name != "phone" && (days[0] == 0 || days[1] != 0) {
			t.Errorf("the iPad's week: grid %dpx high, %d day lists shown", days[0], days[1])
		}
		if screen.name == "phone" {
			step(t, ctx, "Tuesday", chromedp.Click(chromedp.CSS(".day-tabs li:nth-child(2) a")))
			if got := text(t, ctx, "#day-1"); !strings.Contains(got, "D") || !strings.Contains(got, "7b") || !strings.Contains(got, "R100") {
				t.Errorf("Tuesday on the phone: %q", got)
			}
			screenshot(t, ctx, "phone-timetable-day.png")
		}
		// the navigation is a menu that opens
		step(t, ctx, screen.name+" menu", chromedp.Navigate(ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS("[data-testid=menu-button]")))
		if shown, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("site-nav").offsetHeight > 0`)); shown {
			t.Errorf("%s: the navigation is open before the menu is", screen.name)
		}
		step(t, ctx, screen.name+" open the menu", chromedp.Click(chromedp.CSS("[data-testid=menu-button]")),
			chromedp.WaitVisible(chromedp.CSS("#site-nav a[href='/chat']")))
		screenshot(t, ctx, screen.name+"-menu.png")
		// the whiteboard fills the screen below the bar and its tools
		step(t, ctx, screen.name+" board", chromedp.Navigate(fmt.Sprintf("%s/boards/%d", ts.URL, int64(board))),
			chromedp.WaitVisible(chromedp.CSS("[data-testid=board-canvas][data-elements]")))
		box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector("[data-testid=board-canvas]").getBoundingClientRect(); return [r.top, r.bottom, r.width]; })()`))
		must(t, err)
		if box[0] > 200 || box[1] < float64(screen.h)-60 || box[2] < float64(screen.w)-40 {
			t.Errorf("%s: the board is at %v of %d×%d", screen.name, box, screen.w, screen.h)
		}
		checkTapTargets(t, ctx, screen.name+" board")
		screenshot(t, ctx, screen.name+"-board.png")
	}

	// Jonas, on his phone: his start page, the work set for 7b and his
	// hand-in form, his files, his week, the class's room, the board he
	// watches
	due := time.Now().AddDate(0, 0, 7).Format(time.RFC3339)
	task, err := chromedp.Run(ctx, chromedp.Evaluate[float64](fmt.Sprintf(`fetch("/api/v1/schools/gym/assignments", {method: "POST",
		headers: {"Content-Type": "application/json"}, body: JSON.stringify({title: "Brüche", groups: [%d], due_at: %q})}).then((r) => r.json()).then((a) => a.id)`,
		class.ID, due), chromedp.EvalAwaitPromise))
	must(t, err)
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	step(t, sctx, "the student's phone", viewport(390, 844, true))
	logIn(t, sctx, ts.URL, "jonas@gym", "klein-passwort")
	for name, path := range map[string]string{"start": "/", "assignment": fmt.Sprintf("/s/gym/assignments/%d", int64(task)), "files": "/s/gym/files",
		"timetable": "/timetable", "chat": fmt.Sprintf("/chat?room=%d", room), "board": fmt.Sprintf("/boards/%d", int64(board))} {
		step(t, sctx, "student "+name, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		checkTapTargets(t, sctx, "student phone "+name)
		screenshot(t, sctx, "phone-student-"+name+".png")
	}

	// the school's admin, on her phone, with a class and its members
	admin := &schulhof.User{SchoolID: teacher.SchoolID, Login: "sekretariat", FirstName: "Sabine", LastName: "Sekretär", Role: schulhof.RoleSchoolAdmin}
	must(t, db.CreateUser(bg, admin, password.Hash("klein-passwort", password.Fast)))
	actx, cancelA := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancelA()
	step(t, actx, "the admin's phone", viewport(390, 844, true))
	logIn(t, actx, ts.URL, "sekretariat@gym", "klein-passwort")
	for name, path := range map[string]string{"users": "/s/gym/users", "user": fmt.Sprintf("/s/gym/users/%d", teacher.ID),
		"groups": "/s/gym/groups", "group": fmt.Sprintf("/s/gym/groups/%d", class.ID), "import": "/s/gym/import",
		"timetable-import": "/s/gym/timetable/import", "letters": "/s/gym/letters", "settings": "/s/gym/settings", "audit": "/s/gym/audit"} {
		step(t, actx, "admin "+name, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
		checkTapTargets(t, actx, "admin phone "+name)
		screenshot(t, actx, "phone-admin-"+name+".png")
	}

	// Jonas's mother, and the operator of the installation, on phones
	jonas, err := db.FindUserByLogin(bg, teacher.SchoolID, "jonas")
	must(t, err)
	mother := &schulhof.User{SchoolID: teacher.SchoolID, Login: "becker", FirstName: "Petra", LastName: "Becker", Role: schulhof.RoleParent}
	operator := &schulhof.User{Login: "betrieb", FirstName: "Betrieb", LastName: "Stadt", Role: schulhof.RoleOperator}
	for _, u := range []*schulhof.User{mother, operator} {
		must(t, db.CreateUser(bg, u, password.Hash("klein-passwort", password.Fast)))
	}
	must(t, db.LinkParent(bg, teacher.SchoolID, mother.ID, jonas.ID))
	must(t, db.UpdateOperator(bg, &schulhof.Operator{Name: "Stadt Musterstadt", Contact: "datenschutz@musterstadt.example"}))
	for _, who := range []struct {
		login string
		pages map[string]string
	}{
		{"becker@gym", map[string]string{"start": "/", "timetable": "/timetable", "assignments": "/s/gym/assignments", "exams": "/s/gym/exams"}},
		{"betrieb", map[string]string{"start": "/", "schools": "/admin/schools", "operator": "/admin/operator", "audit": "/audit"}},
	} {
		pctx, cancelP := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		defer cancelP()
		step(t, pctx, who.login+"'s phone", viewport(390, 844, true))
		logIn(t, pctx, ts.URL, who.login, "klein-passwort")
		for name, path := range who.pages {
			step(t, pctx, who.login+" "+name, chromedp.Navigate(ts.URL+path), chromedp.WaitVisible(chromedp.CSS("main")))
			checkTapTargets(t, pctx, who.login+" phone "+name)
			screenshot(t, pctx, "phone-"+strings.TrimSuffix(who.login, "@gym")+"-"+name+".png")
		}
	}
}
