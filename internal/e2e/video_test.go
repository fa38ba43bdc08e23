package e2e

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulhof/schulhof/internal/bus"
)

// otherVideo is JavaScript: how many frames the first video of another
// participant has shown (0 while it has none).
const otherVideo = `(() => { const v = document.querySelector(".call-tile:not(.call-own):not(.call-screen) video");
  return v && v.videoWidth > 0 ? v.getVideoPlaybackQuality().totalVideoFrames : 0 })()`

// waitMedia waits until the predicate holds, checked every tenth of a
// second: a video's frames change no element, which waitJS watches.
func waitMedia(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestVideoLesson: the teacher opens her class's video room, checks her
// camera and joins; the student joins from his iPad; each sees the
// other's camera playing (its frames go on); the teacher mutes the
// student from the participants list, and the student's microphone is
// off on his page and in her list; breakout rooms; after events lost
// on their way to the server, both join again; a whiteboard shown to
// all.
func TestVideoLesson(t *testing.T) {
	ctx := newBrowser(t)
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	db, ts := startServerOn(t, b)
	seedClass7b(t, db, "video-passwort")
	failOnScriptErrors(t, ctx, "the teacher's")
	logIn(t, ctx, ts.URL, "mueller@gym", "video-passwort")
	sctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	failOnScriptErrors(t, sctx, "the student's")
	logIn(t, sctx, ts.URL, "jonas@gym", "video-passwort")

	// the teacher opens 7b's room from the video page
	step(t, ctx, "video page", chromedp.Navigate(ts.URL+"/calls"), chromedp.WaitVisible(chromedp.CSS("[data-testid=call-groups] button")))
	submit(t, ctx, "open 7b's room", "[data-testid=call-groups] button")
	room, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	join := func(ctx context.Context, who string) {
		t.Helper()
		waitMedia(t, ctx, who+"'s camera in the device check", `document.getElementById("call-preview").videoWidth > 0`)
		step(t, ctx, who+" joins", chromedp.Click(chromedp.CSS("[data-testid=call-join]")))
		waitJS(t, ctx, who+" is in the call", `document.getElementById("call").dataset.joined === "true"`)
	}
	join(ctx, "the teacher")
	step(t, sctx, "the student opens the room", chromedp.Navigate(room), chromedp.WaitVisible(chromedp.CSS("[data-testid=call-join]")))
	join(sctx, "the student")

	// each sees the other's camera, and its pictures go on
	for _, c := range []struct {
		ctx context.Context
		who string
	}{{ctx, "the teacher"}, {sctx, "the student"}} {
		waitMedia(t, c.ctx, c.who+" sees the other's camera", otherVideo+` > 5`)
		frames, err := chromedp.Run(c.ctx, chromedp.Evaluate[int](otherVideo))
		if err != nil {
			t.Fatal(err)
		}
		waitMedia(t, c.ctx, c.who+"'s picture of the other goes on", otherVideo+` > `+strconv.Itoa(frames+10))
	}
	screenshot(t, ctx, "call-teacher.png")

	// the teacher mutes the student from the participants list
	step(t, ctx, "the participants list", chromedp.Click(chromedp.CSS("[data-testid=call-side]")),
		chromedp.WaitVisible(chromedp.CSS("#call-people [data-testid^=mute-]")))
	step(t, ctx, "mute the student", chromedp.Click(chromedp.CSS("#call-people [data-testid^=mute-]")))
	waitJS(t, sctx, "the student's microphone is off", `document.querySelector("[data-testid=call-mic]").getAttribute("aria-pressed") === "false"`)
	waitText(t, sctx, "#call-status", "Die Lehrkraft hat dein Mikrofon ausgeschaltet.")
	waitJS(t, ctx, "the teacher's list has no mute button any more", `!document.querySelector("#call-people [data-testid^=mute-]")`)
	screenshot(t, sctx, "call-student.png")

	// the teacher sends the class into one breakout room without her,
	// then brings everyone back: the student sees her camera again
	step(t, ctx, "the moderation menu", chromedp.Click(chromedp.CSS("[data-testid=call-moderation]")),
		chromedp.WaitVisible(chromedp.ID("call-breakout-rooms")),
		chromedp.SetValue(chromedp.ID("call-breakout-rooms"), "1"), chromedp.SetValue(chromedp.ID("call-breakout-minutes"), "0"),
		chromedp.Click(chromedp.CSS("[data-testid=call-breakout-start]")))
	waitText(t, sctx, "#call-status", "Gruppenraum 1")
	waitJS(t, sctx, "the student alone in his room", `document.getElementById("call").dataset.joined === "true" && !document.querySelector(".call-tile:not(.call-own)")`)
	screenshot(t, ctx, "call-breakout-teacher.png")
	step(t, ctx, "bring everyone back", chromedp.WaitVisible(chromedp.CSS("[data-testid=call-breakout-end]")),
		chromedp.Click(chromedp.CSS("[data-testid=call-breakout-end]")))
	waitText(t, sctx, "#call-status", "Hauptraum")
	waitMedia(t, sctx, "the student sees the teacher again", otherVideo+` > 5`)

	// the server lost events on their way to it (its bus says so): both
	// pages join again, on new connections, and see each other again
	joins := `Number(document.getElementById("call").dataset.joins)`
	before := map[context.Context]int{}
	for _, c := range []context.Context{ctx, sctx} {
		n, err := chromedp.Run(c, chromedp.Evaluate[int](joins))
		if err != nil || n == 0 {
			t.Fatalf("joins before the gap: %d %v", n, err)
		}
		before[c] = n
	}
	b.Tell(false)
	b.Tell(true)
	for c, n := range before {
		waitJS(t, c, "joined again after the gap", fmt.Sprintf(`%s > %d && document.getElementById("call").dataset.receiving === "connected"`, joins, n))
		waitMedia(t, c, "the other's camera after the gap", otherVideo+` > 5`)
	}

	// the teacher shows a new whiteboard: it takes the student's stage,
	// drawn by its own page in a frame, the videos below it
	step(t, ctx, "show a whiteboard", chromedp.WaitVisible(chromedp.CSS("[data-testid=call-board-show]")),
		chromedp.Click(chromedp.CSS("[data-testid=call-board-show]")))
	waitTextPrefix(t, sctx, "[data-testid=call-board-title]", "Tafel 7b, ")
	waitMedia(t, sctx, "the student's page shows the board", `(() => { const d = document.getElementById("call-board-frame").contentDocument;
  return !!d && !!d.querySelector("[data-testid=board-canvas]") && !d.getElementById("site-nav") })()`)
	waitMedia(t, ctx, "the teacher's page shows it too", `!!document.getElementById("call-board-frame").contentDocument.querySelector("[data-testid=board-canvas]")`)
	screenshot(t, sctx, "call-board-student.png")

	// on a phone the room still fits
	step(t, sctx, "a phone", viewport(390, 844, true))
	checkTapTargets(t, sctx, "the call on a phone")
	screenshot(t, sctx, "call-phone.png")
	step(t, ctx, "close the whiteboard", chromedp.Click(chromedp.CSS("[data-testid=call-board-hide]")))
	waitJS(t, sctx, "the board is gone from the student's page", `document.getElementById("call-board").hidden`)
}
