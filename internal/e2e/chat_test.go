package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/bus"
)

// TestChat: the teacher writes in the class room; the student, with the
// room open in another browser, sees it arrive without reloading and
// answers; the teacher sees the answer arrive and that the student has
// read the message. Then the student reacts and types, the teacher
// replies, and the student starts a conversation with the teacher: each
// shows on the other side live, the new room with its unread count.
func TestChat(t *testing.T) {
	ctx := newBrowser(t)
	db, ts := startServer(t)
	seedClass7b(t, db, "chat-passwort")

	login := func(ctx context.Context, who string) { t.Helper(); logIn(t, ctx, ts.URL, who+"@gym", "chat-passwort") }
	openRoom := func(ctx context.Context, who string) {
		t.Helper()
		step(t, ctx, who+" messages", chromedp.Navigate(ts.URL+"/chat"), chromedp.WaitVisible(chromedp.CSS("[data-testid=rooms]")))
		submit(t, ctx, who+" opens 7b", "[data-testid=rooms] a[data-kind=group]")
		step(t, ctx, who+" room", chromedp.WaitVisible(chromedp.ID("text")))
		waitLive(t, ctx)
	}
	// a script error on the teacher's page fails the test
	failOnScriptErrors(t, ctx, "the teacher's")
	login(ctx, "mueller")
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	login(sctx, "jonas")
	openRoom(ctx, "mueller")
	openRoom(sctx, "jonas")
	if got := text(t, sctx, "#room-h"); got != "7b" {
		t.Fatalf("the student's room: %q", got)
	}

	// the teacher writes; the student sees it live
	step(t, ctx, "teacher writes", chromedp.SendKeys(chromedp.ID("text"), "Denkt an die Atlanten für morgen!"),
		chromedp.Click(chromedp.CSS("[data-testid=send]")))
	step(t, sctx, "arrives at the student", chromedp.WaitVisible(chromedp.CSS("[data-testid=messages] li:not(.mine)")))
	if got := text(t, sctx, "[data-testid=messages]"); !strings.Contains(got, "Denkt an die Atlanten für morgen!") || !strings.Contains(got, "Maria Müller") {
		t.Fatalf("the student's room: %s", got)
	}
	// the student answers; the teacher sees who is writing, the answer
	// live, and that her message was read
	step(t, sctx, "student types", chromedp.SendKeys(chromedp.ID("text"), "Okay, mache ich."))
	waitText(t, ctx, "#chat-typing", "Jonas Becker schreibt …")
	step(t, sctx, "student answers", chromedp.Click(chromedp.CSS("[data-testid=send]")))
	step(t, ctx, "answer arrives", chromedp.WaitVisible(chromedp.CSS("[data-testid=messages] li:not(.mine)")))
	if got := text(t, ctx, "[data-testid=messages] li:not(.mine)"); !strings.Contains(got, "Okay, mache ich.") {
		t.Fatalf("the teacher's room: %s", got)
	}
	waitText(t, ctx, "[data-testid=messages] li.mine .reads", "gelesen von 1 von 1")
	// the student gives a 👍; the teacher sees it on her message live
	step(t, sctx, "student reacts", chromedp.Click(chromedp.CSS("[data-testid=messages] li:not(.mine) details.pick summary")),
		chromedp.Click(chromedp.CSS("[data-testid=messages] li:not(.mine) details.pick[open] button")))
	waitText(t, ctx, "[data-testid=messages] li.mine .reaction", "👍 1")
	// the teacher answers the student's message; it arrives with the quote
	step(t, ctx, "teacher replies", chromedp.Click(chromedp.CSS("[data-testid=messages] li:not(.mine) .actions button")),
		chromedp.SendKeys(chromedp.ID("text"), "Gern geschehen."), chromedp.Click(chromedp.CSS("[data-testid=send]")))
	waitText(t, sctx, "[data-testid=messages] li:not(.mine):last-child blockquote.reply", "Jonas Becker: Okay, mache ich.")

	// the student starts a conversation with the teacher; it appears in her
	// list live, with its unread count in the title
	step(t, sctx, "new conversation", chromedp.Click(chromedp.CSS(".chat-side details summary")),
		chromedp.SendKeys(chromedp.ID("chat-contact-q"), "Mül"), chromedp.WaitVisible(chromedp.CSS("#chat-contact-results button")),
		chromedp.Click(chromedp.CSS("#chat-contact-results button")), chromedp.Click(chromedp.CSS("#chat-contacts button[type=submit]")))
	waitText(t, sctx, "#room-h", "Maria Müller") // the new room's page
	step(t, sctx, "the conversation", chromedp.WaitVisible(chromedp.ID("text")))
	waitLive(t, sctx)
	step(t, sctx, "student writes privately", chromedp.SendKeys(chromedp.ID("text"), "Darf ich Sie etwas fragen?"),
		chromedp.Click(chromedp.CSS("[data-testid=send]")))
	waitText(t, ctx, "[data-testid=rooms] a[data-kind=direct]", "Jonas Becker")
	waitText(t, ctx, "[data-testid=rooms] [data-testid=unread]", "1")
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil || !strings.HasPrefix(title, "(1) ") {
		t.Errorf("the teacher's title: %q", title)
	}
	screenshot(t, ctx, "chat-teacher.png")
	screenshot(t, sctx, "chat-student.png")
}

// TestChatHistory: a class room with 120 messages opens with the newest
// 50; scrolling up loads the older ones page by page to the first; a
// search hit on an old message opens the room there, marked and in view,
// and scrolling down from it comes back to the newest. A message the
// page missed (the server's bus lost it) comes when the page is told;
// two whose events come out of order are shown in order.
func TestChatHistory(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	db, ts := startServerOn(t, b)
	seedClass7b(t, db, "chat-passwort")
	failOnScriptErrors(t, ctx, "the student's")
	teacher, room := classRoom(t, db)
	for i := 1; i <= 120; i++ {
		text := fmt.Sprintf("Nachricht %d", i)
		if i == 7 {
			text = "Wandertag nach Xanten"
		}
		_, err := db.PostMessage(bg, teacher, room, &schulhof.NewMessage{Text: text})
		must(t, err)
	}
	count := `document.querySelectorAll("[data-testid=messages] li[data-id]").length`
	logIn(t, ctx, ts.URL, "jonas@gym", "chat-passwort")
	step(t, ctx, "room", chromedp.Navigate(fmt.Sprintf("%s/chat?room=%d", ts.URL, room)), chromedp.WaitVisible(chromedp.ID("text")))
	waitLive(t, ctx)
	waitJS(t, ctx, "the newest 50", count+` === 50`)
	up := chromedp.Evaluate[chromedp.Void](`document.querySelector(".messages-scroll").scrollTop = 0`)
	step(t, ctx, "scroll up", up)
	waitJS(t, ctx, "50 older", count+` === 100`)
	step(t, ctx, "scroll up again", up)
	waitJS(t, ctx, "the first 20", count+` === 120`)
	waitText(t, ctx, "[data-testid=older]", "Anfang des Verlaufs")
	if got := text(t, ctx, "[data-testid=messages] li[data-id]"); !strings.Contains(got, "Nachricht 1") {
		t.Fatalf("the first message shown: %q", got)
	}

	// a search hit on an old message opens the room there
	step(t, ctx, "search", chromedp.SendKeys(chromedp.ID("chat-q"), "Xanten\n"), chromedp.WaitVisible(chromedp.CSS("#chat-search-results a")))
	submit(t, ctx, "open the hit", "#chat-search-results a")
	waitLive(t, ctx)
	waitJS(t, ctx, "the hit in view", `(() => {
		// drawn by the script (with its reactions), not the page's own list
		const hit = document.querySelector("[data-testid=messages] li.found .reactions")?.parentElement;
		if (!hit || !hit.textContent.includes("Wandertag nach Xanten")) return false;
		const box = document.querySelector(".messages-scroll").getBoundingClientRect(), r = hit.getBoundingClientRect();
		return r.top >= box.top && r.bottom <= box.bottom;
	})()`)
	screenshot(t, ctx, "chat-search-hit.png")
	down := chromedp.Evaluate[chromedp.Void](`(() => { const l = document.querySelector(".messages-scroll"); l.scrollTop = l.scrollHeight; })()`)
	// each time at the bottom, the next 50 come
	for _, n := range []int{107, 120} {
		step(t, ctx, "scroll down", down)
		waitJS(t, ctx, "newer ones", fmt.Sprintf("%s === %d", count, n))
	}
	waitJS(t, ctx, "back at the newest", `[...document.querySelectorAll("[data-testid=messages] li[data-id]")].some((li) => li.textContent.includes("Nachricht 120"))`)

	// the server lost events on their way to it (its bus says so): a
	// message stored meanwhile, never sent to the page, comes when the
	// page is told of the gap
	_, err := db.PostMessage(bg, teacher, room, &schulhof.NewMessage{Text: "Nach der Lücke"})
	must(t, err)
	b.Tell(false)
	b.Tell(true)
	waitJS(t, ctx, "the missed message", `[...document.querySelectorAll("[data-testid=messages] li[data-id]")].some((li) => li.textContent.includes("Nach der Lücke"))`)

	// two messages written at once through two nodes: their events may
	// come out of order; the page shows them in the order of their ids
	var events [][]byte
	for _, text := range []string{"Erste von zweien", "Zweite von zweien"} {
		m, err := db.PostMessage(bg, teacher, room, &schulhof.NewMessage{Text: text})
		must(t, err)
		data, _ := json.Marshal(m)
		e, _ := json.Marshal(map[string]any{"school": teacher.SchoolID, "room": room, "event": "message.new", "data": json.RawMessage(data)})
		events = append(events, e)
	}
	subject := fmt.Sprintf("chat.%d.%d", teacher.SchoolID, room)
	must(t, b.Publish(bg, subject, events[1]))
	waitJS(t, ctx, "the second message", `[...document.querySelectorAll("[data-testid=messages] li[data-id]")].some((li) => li.textContent.includes("Zweite von zweien"))`)
	must(t, b.Publish(bg, subject, events[0]))
	waitJS(t, ctx, "both in the order written", `(() => {
		const texts = [...document.querySelectorAll("[data-testid=messages] li[data-id]")].map((li) => li.textContent);
		const first = texts.findIndex((x) => x.includes("Erste von zweien")), second = texts.findIndex((x) => x.includes("Zweite von zweien"));
		return first >= 0 && first === second - 1;
	})()`)
}
