package web_test

import (
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// TestUserBytesNeverRunAsTheSite: a student's a.html, a.svg or a.js is
// never served inline with a type a browser runs, on every route that
// sends uploaded bytes, and always with nosniff and a sandbox.
func TestUserBytesNeverRunAsTheSite(t *testing.T) {
	f := newFixture(t, nil)
	sc := f.school["a"]
	student := f.user["a-student"]
	home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(student.ID)}
	script := "<script>fetch('/profile/app-passwords',{method:'POST'})</script>"

	for _, name := range []string{"a.html", "a.svg", "a.js", "a.css", "a.xhtml"} {
		if rec := davDo(t, f, "student@schule-a", "PUT", "/dav/home/"+name, script); rec.Code != 201 {
			t.Fatalf("PUT %s: %d", name, rec.Code)
		}
	}
	content := f.putBlob(script)
	content.ContentType = "text/html; charset=utf-8"
	node, err := f.db.PutFile(ctx, sc.ID, home, 0, "b.html", content, 10)
	must(t, err)
	att, err := f.db.AddAttachment(ctx, sc.ID, schulhof.AssignmentID(f.ids["a-task"]), schulhof.NamedContent{Name: "c.html", NewContent: content})
	must(t, err)
	room := schulhof.RoomID(f.ids["a-room"])
	chatHTML := &schulhof.Attachment{Name: "d.html", ContentType: "text/html", Size: content.Size, BlobKey: content.BlobKey}
	must(t, f.db.AddChatAttachment(ctx, student, room, chatHTML))
	chatSVG := &schulhof.Attachment{Name: "e.svg", ContentType: "image/svg+xml", Size: content.Size, BlobKey: content.BlobKey, Image: true}
	must(t, f.db.AddChatAttachment(ctx, student, room, chatSVG))
	_, err = f.db.PostMessage(ctx, student, room, &schulhof.NewMessage{Text: "Schaut mal", Attachments: []int64{chatHTML.ID, chatSVG.ID}})
	must(t, err)
	boardSVG := &schulhof.BoardImage{BoardID: schulhof.BoardID(f.ids["a-board"]), ContentType: "image/svg+xml", Size: content.Size, BlobKey: content.BlobKey}
	must(t, f.db.AddBoardImage(ctx, f.user["a-teacher"], boardSVG))

	check := func(what string, code int, h interface{ Get(string) string }) {
		t.Helper()
		if code != 200 {
			t.Fatalf("%s: %d", what, code)
		}
		ct := h.Get("Content-Type")
		if strings.Contains(ct, "html") || strings.Contains(ct, "svg") || strings.Contains(ct, "javascript") || strings.Contains(ct, "css") || strings.Contains(ct, "xml") {
			t.Errorf("%s: served as %q", what, ct)
		}
		if !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s: Content-Disposition %q", what, h.Get("Content-Disposition"))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: nosniff %q, CSP %q", what, h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
		}
	}
	for _, name := range []string{"a.html", "a.svg", "a.js", "a.css", "a.xhtml"} {
		rec := davDo(t, f, "student@schule-a", "GET", "/dav/home/"+name, "")
		check("WebDAV GET "+name, rec.Code, rec.Header())
	}
	rec := f.do("a-student", "GET", "/api/v1/schools/schule-a/nodes/"+itoa(int64(node.ID))+"/content?inline=1", "")
	check("files API", rec.Code, rec.Header())
	rec = f.do("a-student", "GET", "/api/v1/schools/schule-a/assignments/"+itoa(f.ids["a-task"])+"/files/"+itoa(att.ID)+"?inline=1", "")
	check("assignment file", rec.Code, rec.Header())
	rec = f.do("a-teacher", "GET", "/api/v1/rooms/"+itoa(int64(room))+"/attachments/"+itoa(chatHTML.ID), "")
	check("chat attachment", rec.Code, rec.Header())
	rec = f.do("a-teacher", "GET", "/api/v1/rooms/"+itoa(int64(room))+"/attachments/"+itoa(chatSVG.ID), "")
	check("chat picture", rec.Code, rec.Header())
	rec = f.do("a-teacher", "GET", "/api/v1/boards/"+itoa(f.ids["a-board"])+"/images/i"+itoa(boardSVG.ID), "")
	check("board picture", rec.Code, rec.Header())

	// what is safe still shows: a PNG on the board, a text file inline
	rec = f.do("a-teacher", "GET", "/api/v1/boards/"+itoa(f.ids["a-board"])+"/images/i"+itoa(f.ids["a-board-image"]), "")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "inline") {
		t.Errorf("board PNG: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
	rec = davDo(t, f, "student@schule-a", "GET", "/dav/groups/5a/Material/Blatt.txt", "")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("WebDAV text: %d %v", rec.Code, rec.Header())
	}
}
