package e2e

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	cdpinput "github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/bus"
)

// TestBoard: the teacher draws on the class's board and the student, with
// the board open in another browser, sees the stroke arrive live; the
// student cannot draw until the teacher lets them, then the student's
// stroke reaches the teacher; the teacher deletes a stroke and takes it
// back; a late joiner gets every point; strokes the server's bus lost
// come when the pages are told; the teacher saves the Tafelbild and the
// student finds it in the class folder.
func TestBoard(t *testing.T) {
	ctx := newBrowser(t)
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	db, ts := startServerOn(t, b)
	class := seedClass7b(t, db, "tafel-passwort")

	login := func(ctx context.Context, who string) { t.Helper(); logIn(t, ctx, ts.URL, who+"@gym", "tafel-passwort") }
	failOnScriptErrors(t, ctx, "the teacher's")
	login(ctx, "mueller")
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	failOnScriptErrors(t, sctx, "the student's")
	login(sctx, "jonas")

	// the teacher makes the board for 7b on the boards page
	step(t, ctx, "boards page", chromedp.Navigate(ts.URL+"/boards"), chromedp.WaitVisible(chromedp.ID("board-title")),
		chromedp.SendKeys(chromedp.ID("board-title"), "Bruchrechnung"),
		chromedp.SetValue(chromedp.ID("board-group"), strconv.FormatInt(int64(class.ID), 10)))
	submit(t, ctx, "make the board", "[data-testid=create-board]")
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/boards/") {
		t.Fatalf("after making the board: %s %v", loc, err)
	}
	open := func(ctx context.Context, who string) {
		t.Helper()
		step(t, ctx, who+" opens the board", chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS("[data-testid=board-canvas][data-elements]")))
		waitLive(t, ctx)
	}
	open(ctx, "mueller")
	open(sctx, "jonas")

	// the teacher draws; the student sees the stroke live
	drag(t, ctx, 100, 100, 300, 180)
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "1")

	// the student may not draw: the tools are off (and not shown at all),
	// a drag only moves the view
	disabled, _ := chromedp.Run(sctx, chromedp.Evaluate[bool](`document.getElementById("board-draw-tools").disabled`))
	if !disabled {
		t.Fatal("the student's tools are on before the teacher allows drawing")
	}
	if shown, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`getComputedStyle(document.getElementById("board-draw-tools")).display`)); shown != "none" {
		t.Fatalf("a student who may only watch sees the tools (%s)", shown)
	}
	drag(t, sctx, 120, 250, 260, 300)
	// the drag only moved his view: nothing went out
	if n, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=board-canvas]").dataset.elements`)); n != "1" {
		t.Fatalf("the student's drag drew: %s elements", n)
	}
	waitAttr(t, ctx, "[data-testid=board-canvas]", "data-elements", "1")

	// the teacher lets him draw; his tools come on live; his stroke arrives
	step(t, ctx, "allow Jonas", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector("[data-testid=drawer]"); s.value = "on"; s.dispatchEvent(new Event("change")); })()`))
	waitJS(t, sctx, "the student's tools come on", `!document.getElementById("board-draw-tools").disabled`)
	drag(t, sctx, 150, 250, 350, 320)
	waitAttr(t, ctx, "[data-testid=board-canvas]", "data-elements", "2")
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "2")
	// the teacher selects her stroke and deletes it; undo brings it back
	step(t, ctx, "select tool", chromedp.Click(chromedp.CSS("label:has([data-testid=tool-select])")))
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector("[data-testid=board-canvas]").getBoundingClientRect(); return [r.left, r.top]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "select the stroke", chromedp.MouseClickXY(box[0]+200, box[1]+140), chromedp.KeyEvent("\b"))
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "1")
	step(t, ctx, "undo", chromedp.Click(chromedp.ID("board-undo")))
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "2")

	// a late joiner (the student reloads) gets the same strokes, every
	// point, from the board's compact form
	pts, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-testid=board-canvas]").dataset.points`))
	if err != nil || pts == "0" || pts == "" {
		t.Fatalf("the teacher's points: %q %v", pts, err)
	}
	open(sctx, "jonas")
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-points", pts)
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "2")
	// the teacher writes on the board: the text is typed where it goes
	step(t, ctx, "text tool", chromedp.Click(chromedp.CSS("label:has([data-testid=tool-text])")),
		chromedp.MouseClickXY(box[0]+120, box[1]+60), chromedp.WaitVisible(chromedp.CSS("[data-testid=board-editor]")))
	if left, _ := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector("[data-testid=board-editor]").getBoundingClientRect().left`)); left < box[0]+110 || left > box[0]+130 {
		t.Fatalf("the text box is at %v, not where she tapped (%v)", left, box[0]+120)
	}
	step(t, ctx, "type", chromedp.SendKeys(chromedp.CSS("[data-testid=board-editor]"), "Brüche kürzen"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "3")
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("[data-testid=board-editor]").hidden`)); !hidden {
		t.Fatal("the text box stays open after Ctrl+Enter")
	}
	screenshot(t, ctx, "board-teacher.png")
	screenshot(t, sctx, "board-student.png")

	// the server lost events on their way to it (its bus says so): a
	// rectangle stored meanwhile, never sent to the pages, comes when
	// they are told of the gap
	bg := context.Background()
	id, _ := strconv.ParseInt(loc[strings.LastIndex(loc, "/")+1:], 10, 64)
	doc, err := board.LoadDoc(bg, db, class.SchoolID, schulhof.BoardID(id))
	if err != nil || len(doc.Pages) != 1 {
		t.Fatalf("the board's pages: %v", err)
	}
	teacher, err := db.FindUserByLogin(bg, class.SchoolID, "mueller")
	must(t, err)
	for page := range doc.Pages {
		x, y, w, h := 400.0, 300.0, 80.0, 40.0
		must(t, board.Append(bg, db, class.SchoolID, schulhof.BoardID(id), teacher.ID, []*board.Op{
			{Op: "add", ID: "gap-1", Kind: board.KindRect, Set: &board.Fields{Page: &page, X: &x, Y: &y, W: &w, H: &h}}}))
	}
	b.Tell(false)
	b.Tell(true)
	waitAttr(t, sctx, "[data-testid=board-canvas]", "data-elements", "4")
	waitAttr(t, ctx, "[data-testid=board-canvas]", "data-elements", "4")

	// she copies the board as a template: the page asks for the title in
	// its own dialog, not the browser's prompt
	step(t, ctx, "copy", chromedp.Click(chromedp.CSS(".board-more summary")), chromedp.Click(chromedp.ID("board-copy")),
		chromedp.WaitVisible(chromedp.CSS("[data-testid=board-ask-input]")),
		chromedp.SetValue(chromedp.CSS("[data-testid=board-ask-input]"), "Bruchrechnung (Vorlage)"))
	submit(t, ctx, "the copy", "[data-testid=board-ask-ok]")
	if got := text(t, ctx, ".board-title"); !strings.HasPrefix(got, "Bruchrechnung (Vorlage)") {
		t.Fatalf("the copy's title: %q", got)
	}
	step(t, ctx, "back to the board", chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS("[data-testid=board-canvas][data-elements]")))

	// the teacher saves the Tafelbild; the student finds it in the class folder
	step(t, ctx, "save the Tafelbild", chromedp.Click(chromedp.CSS(".board-more summary")), chromedp.Click(chromedp.CSS("[data-testid=save-board]")))
	waitTextPrefix(t, ctx, "[data-testid=board-status]", "Gespeichert: /Tafelbilder/Tafelbild ")
	classFolder := ts.URL + "/s/gym/files/group/" + strconv.FormatInt(int64(class.ID), 10)
	step(t, sctx, "class folder", chromedp.Navigate(classFolder), chromedp.WaitVisible(chromedp.CSS("main")))
	href, err := chromedp.Run(sctx, chromedp.Evaluate[string](`[...document.querySelectorAll("main a")].find(a => a.textContent.trim() === "Tafelbilder")?.href ?? ""`))
	if err != nil || href == "" {
		body, _ := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("no folder Tafelbilder in the class folder: %v\n%s", err, body)
	}
	step(t, sctx, "Tafelbilder", chromedp.Navigate(href), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := text(t, sctx, "main"); !strings.Contains(got, "Tafelbild "+today().Format("2006-01-02")+" 7b Bruchrechnung.png") {
		t.Fatalf("the student's Tafelbilder: %s", got)
	}
}

// drag draws with the mouse on the canvas, from one point to another
// (relative to the canvas) in small steps.
func drag(t *testing.T, ctx context.Context, x0, y0, x1, y1 float64) {
	t.Helper()
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector("[data-testid=board-canvas]").getBoundingClientRect(); return [r.left, r.top]; })()`))
	if err != nil {
		t.Fatal(err)
	}
	ox, oy := box[0], box[1]
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, ox+x0, oy+y0, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 10; i++ {
		f := float64(i) / 10
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, ox+x0+(x1-x0)*f, oy+y0+(y1-y0)*f, chromedp.ButtonLeft,
			func(p *cdpinput.DispatchMouseEventParams) { p.Buttons = 1 }))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, ox+x1, oy+y1, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	step(t, ctx, "drag", steps...)
}

// waitAttr waits until an element's attribute has the wanted value.
func waitAttr(t *testing.T, ctx context.Context, sel, attr, want string) {
	t.Helper()
	sj, _ := json.Marshal(sel)
	aj, _ := json.Marshal(attr)
	wj, _ := json.Marshal(want)
	waitJS(t, ctx, sel+" "+attr+" = "+want, `document.querySelector(`+string(sj)+`)?.getAttribute(`+string(aj)+`) === `+string(wj))
}

// waitTextPrefix waits until an element's text begins with prefix.
func waitTextPrefix(t *testing.T, ctx context.Context, sel, prefix string) {
	t.Helper()
	pj, _ := json.Marshal(prefix)
	waitJS(t, ctx, sel+" begins with "+prefix, jsText(sel)+`.startsWith(`+string(pj)+`)`)
}
