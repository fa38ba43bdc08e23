package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

// TestChat: the teacher writes in the class room; the student, with the
// room open in another browser, sees it arrive without reloading and
// answers; the teacher sees the answer arrive and that the student has
// read the message.
func TestChat(t *testing.T) {
	ctx := newBrowser(t)
	bg := context.Background()
	db, ts := startServer(t)
	sc := &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}
	must(t, db.CreateSchool(bg, sc))
	hash := password.Hash("chat-passwort", password.Fast)
	teacher := &schulhof.User{SchoolID: sc.ID, Login: "mueller", FirstName: "Maria", LastName: "Müller", Role: schulhof.RoleTeacher}
	jonas := &schulhof.User{SchoolID: sc.ID, Login: "jonas", FirstName: "Jonas", LastName: "Becker", Role: schulhof.RoleStudent}
	for _, u := range []*schulhof.User{teacher, jonas} {
		must(t, db.CreateUser(bg, u, hash))
	}
	class := &schulhof.Group{SchoolID: sc.ID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, teacher.ID, schulhof.MemberRoleLeader))
	must(t, db.SetMember(bg, sc.ID, class.ID, jonas.ID, schulhof.MemberRoleMember))

	login := func(ctx context.Context, who string) {
		t.Helper()
		step(t, ctx, who+" login page", chromedp.Navigate(ts.URL+"/login"), chromedp.WaitVisible(chromedp.ID("login")),
			chromedp.SendKeys(chromedp.ID("login"), who+"@gym"), chromedp.SendKeys(chromedp.ID("password"), "chat-passwort"))
		submit(t, ctx, who+" login", "form[action='/login'] button[type=submit]")
	}
	openRoom := func(ctx context.Context, who string) {
		t.Helper()
		step(t, ctx, who+" messages", chromedp.Navigate(ts.URL+"/chat"), chromedp.WaitVisible(chromedp.CSS("[data-testid=rooms]")))
		submit(t, ctx, who+" opens 7b", "[data-testid=rooms] a[data-kind=group]")
		// wait for the socket: its status line is empty once subscribed
		step(t, ctx, who+" room", chromedp.WaitVisible(chromedp.ID("text")))
		time.Sleep(300 * time.Millisecond)
	}
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
	// the student answers; the teacher sees it live, and that it was read
	step(t, sctx, "student answers", chromedp.SendKeys(chromedp.ID("text"), "Okay, mache ich."),
		chromedp.Click(chromedp.CSS("[data-testid=send]")))
	step(t, ctx, "answer arrives", chromedp.WaitVisible(chromedp.CSS("[data-testid=messages] li:not(.mine)")))
	if got := text(t, ctx, "[data-testid=messages] li:not(.mine)"); !strings.Contains(got, "Okay, mache ich.") {
		t.Fatalf("the teacher's room: %s", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := text(t, ctx, "[data-testid=messages] li.mine .reads")
		if got == "gelesen von 1 von 1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read receipt: %q", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
	screenshot(t, ctx, "chat-teacher.png")
	screenshot(t, sctx, "chat-student.png")
}
