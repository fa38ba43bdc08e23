package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/push/pushtest"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
	"github.com/schulhof/schulhof/internal/web/video"
)

// socket is a test client's WebSocket.
type socket struct {
	t  *testing.T
	ws *websocket.Conn
	r  *realtime.Reader
}

func dialSocket(t *testing.T, base, token string) *socket {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	return &socket{t, ws, realtime.NewReader(ws)}
}

func (s *socket) send(v string) {
	s.t.Helper()
	if err := s.ws.Write(context.Background(), websocket.MessageText, []byte(v)); err != nil {
		s.t.Fatal(err)
	}
}

func (s *socket) next() realtime.Envelope {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e, err := s.r.Next(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	return *e
}

// TestChatLive: a student's socket follows the class room; the teacher's
// message arrives live; another class's student cannot follow it.
func TestChatLive(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	room := f.expand("{a-room}")
	anna := dialSocket(t, ts.URL, f.token["a-student"])
	anna.send(`{"type":"subscribe","id":"s1","topic":"room.` + room + `"}`)
	if e := anna.next(); e.Type != "ack" || e.ID != "s1" {
		t.Fatalf("subscribe: %+v", e)
	}
	other := dialSocket(t, ts.URL, f.token["a-student2"])
	other.send(`{"type":"subscribe","id":"s2","topic":"room.` + room + `"}`)
	if e := other.next(); e.Type != "error" {
		t.Fatalf("another class's student follows 5a's room: %+v", e)
	}
	rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Heute Sport in der Halle"}`)
	if rec.Code != 201 {
		t.Fatalf("post: %d %s", rec.Code, rec.Body)
	}
	e := anna.next()
	var m struct {
		ID   int64
		Text string
		Name string `json:"sender_name"`
	}
	json.Unmarshal(e.Data, &m)
	if e.Type != "event" || e.Event != "message.new" || e.Topic != "room."+room || m.Text != "Heute Sport in der Halle" || m.Name == "" {
		t.Fatalf("live message: %+v %+v", e, m)
	}
	// the socket drops; three messages come meanwhile; the client asks
	// from its last id and gets exactly those
	anna.ws.CloseNow()
	for _, text := range []string{"eins", "zwei", "drei"} {
		if rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"`+text+`"}`); rec.Code != 201 {
			t.Fatal(rec.Code)
		}
	}
	var missed struct {
		Items []struct{ Text string }
		Next  string
	}
	decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?after="+itoa(m.ID), ""), &missed)
	if len(missed.Items) != 3 || missed.Items[0].Text != "eins" || missed.Items[2].Text != "drei" {
		t.Fatalf("catching up: %+v", missed)
	}
	decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?after="+missed.Next, ""), &missed)
	if len(missed.Items) != 0 {
		t.Fatalf("after the last cursor: %+v", missed)
	}
}

// TestChatHistoryPages: scrolling back pages through a room's history
// with before=ID, newest first, until next is empty at its first message.
func TestChatHistoryPages(t *testing.T) {
	f := newFixture(t, nil)
	room := f.expand("{a-room}")
	var all []int64
	for i := 1; i <= 7; i++ {
		rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Nachricht `+itoa(int64(i))+`"}`)
		var m struct{ ID int64 }
		decode(t, rec, &m)
		all = append(all, m.ID)
	}
	type page struct {
		Items []struct {
			ID   int64
			Text string
		}
		Next string
	}
	var p page
	decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?before="+itoa(all[6])+"&limit=3", ""), &p)
	if len(p.Items) != 3 || p.Items[0].Text != "Nachricht 6" || p.Items[2].Text != "Nachricht 4" || p.Next != itoa(all[3]) {
		t.Fatalf("the page before the last: %+v", p)
	}
	decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?before="+p.Next+"&limit=3", ""), &p)
	if len(p.Items) != 3 || p.Items[0].Text != "Nachricht 3" || p.Items[2].Text != "Nachricht 1" {
		t.Fatalf("the page before that: %+v", p)
	}
	seen := 6
	for pages := 0; p.Next != ""; pages++ {
		if pages > 10 {
			t.Fatal("the pages do not end")
		}
		decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?before="+p.Next+"&limit=3", ""), &p)
		seen += len(p.Items)
		for i := 1; i < len(p.Items); i++ {
			if p.Items[i].ID >= p.Items[i-1].ID {
				t.Fatalf("not newest first: %+v", p.Items)
			}
		}
	}
	var newest page
	decode(t, f.do("a-student", "GET", "/api/v1/rooms/"+room+"/messages?limit=200", ""), &newest)
	if seen != len(newest.Items)-1 {
		t.Errorf("paging back saw %d messages before the last, the room has %d", seen, len(newest.Items))
	}
}

// TestChatFloodIsSlowed: a student who floods a room is slowed down and
// then muted for a while.
func TestChatFloodIsSlowed(t *testing.T) {
	f := newFixture(t, nil)
	room := f.expand("{a-room}")
	codes := map[int]int{}
	for i := 0; i < 20; i++ {
		rec := f.do("a-student", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"spam"}`)
		codes[rec.Code]++
		if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if codes[201] != 10 || codes[429] != 10 {
		t.Fatalf("%v", codes)
	}
	// a little later still muted: the strikes made it five minutes
	rec := f.do("a-student", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"noch da?"}`)
	if wait, _ := strconv.Atoi(rec.Header().Get("Retry-After")); rec.Code != 429 || wait < 200 {
		t.Errorf("muted: %d %s", rec.Code, rec.Header().Get("Retry-After"))
	}
	// the teacher is not affected
	if rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Schluss jetzt"}`); rec.Code != 201 {
		t.Errorf("the teacher: %d", rec.Code)
	}
}

// TestChatTwoNodes: two server instances on one PostgreSQL and one NATS;
// a message posted through node A reaches a socket on node B.
func TestChatTwoNodes(t *testing.T) {
	url := os.Getenv("SCHULHOF_TEST_NATS")
	if url == "" {
		t.Skip("SCHULHOF_TEST_NATS not set")
	}
	db := sqltest.MustOpenPostgres(t)
	node := func(name string) *web.Server { return natsNode(t, db, url, name) }
	a := node("node-a")
	f := newFixture(t, db)
	f.srv = a // the fixture's requests go to node A
	b := httptest.NewServer(node("node-b"))
	defer b.Close()
	room := f.expand("{a-room}")
	anna := dialSocket(t, b.URL, f.token["a-student"])
	anna.send(`{"type":"subscribe","id":"1","topic":"room.` + room + `"}`)
	if e := anna.next(); e.Type != "ack" {
		t.Fatalf("subscribe on B: %+v", e)
	}
	if rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"über zwei Knoten"}`); rec.Code != 201 {
		t.Fatalf("post on A: %d %s", rec.Code, rec.Body)
	}
	e := anna.next()
	if e.Type != "event" || !strings.Contains(string(e.Data), "über zwei Knoten") {
		t.Fatalf("on B: %+v", e)
	}
}

// natsNode is a server instance on the store that talks to the others
// over NATS, as a node of a cluster.
func natsNode(t *testing.T, db *sqlstore.DB, url, name string) *web.Server {
	t.Helper()
	srv, _ := natsNodeBus(t, db, url, name)
	return srv
}

// natsNodeBus is natsNode and its connection to NATS (a test cuts it).
func natsNodeBus(t *testing.T, db *sqlstore.DB, url, name string) (*web.Server, *bus.NATS) {
	t.Helper()
	b, err := bus.NewNATS(url, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	srv, err := web.New(web.Config{Version: "test", Bus: b, Video: video.Config{RTC: rtc.Config{Loopback: true}}}, db, newBlobs(t),
		password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.CloseSockets)
	return srv, b
}

// pushServer makes the fixture's server one that sends Web Push to the
// test's push service on loopback.
func pushServer(t *testing.T, f *fixture) *web.Server {
	t.Helper()
	srv, err := web.New(web.Config{Version: "test", PushHosts: []string{"127.0.0.1"}, PushAllowHTTP: true}, f.db, f.blobs,
		password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.CloseSockets(); srv.WaitBackground() })
	f.srv = srv
	return srv
}

// TestChatPush: a student's browser asked for notifications; the teacher
// writes in the class room and it arrives, encrypted for that browser; a
// subscription the push service calls gone is forgotten.
func TestChatPush(t *testing.T) {
	f := newFixture(t, nil)
	srv := pushServer(t, f)
	browser := pushtest.NewBrowser(t)
	sub := browser.Subscription("/push/anna")
	body, _ := json.Marshal(sub)
	if rec := f.do("a-student", "PUT", "/api/v1/push/subscription", string(body)); rec.Code != 204 {
		t.Fatalf("subscribe: %d %s", rec.Code, rec.Body)
	}
	room := f.expand("{a-room}")
	if rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Morgen Atlas mitbringen"}`); rec.Code != 201 {
		t.Fatalf("post: %d %s", rec.Code, rec.Body)
	}
	srv.WaitBackground()
	select {
	case d := <-browser.Received:
		var n struct{ Title, Body, URL, Tag string }
		if err := json.Unmarshal(d.Payload, &n); err != nil || n.Title != "5a" || n.Body != "Teacher SchuleA: Morgen Atlas mitbringen" ||
			n.URL != "/chat?room="+room || n.Tag != "room-"+room || d.Topic != n.Tag {
			t.Errorf("notification %s (topic %q): %v", d.Payload, d.Topic, err)
		}
	default:
		t.Fatal("no notification arrived")
	}
	// the school keeps the words out of notifications
	if rec := f.do("a-admin", "PUT", "/api/v1/schools/schule-a/chat-settings", `{"start_with":{},"retention_days":365,"push_without_text":true}`); rec.Code != 200 {
		t.Fatalf("settings: %d %s", rec.Code, rec.Body)
	}
	f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Geheimnis"}`)
	srv.WaitBackground()
	if d := <-browser.Received; !strings.Contains(string(d.Payload), `"body":"Teacher SchuleA: Neue Nachricht"`) {
		t.Errorf("without text: %s", d.Payload)
	}
	// the student's own message is not pushed to her
	f.do("a-student", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"ok"}`)
	srv.WaitBackground()
	if len(browser.Received) != 0 {
		t.Error("the sender was notified of her own message")
	}
	// the browser dropped the subscription: the next push forgets it
	browser.Status.Store(http.StatusGone)
	f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Noch da?"}`)
	srv.WaitBackground()
	<-browser.Received
	browser.Status.Store(http.StatusCreated)
	f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"Hallo?"}`)
	srv.WaitBackground()
	if len(browser.Received) != 0 {
		t.Error("a gone subscription was used again")
	}
}

// TestChatLiveExtras: typing, reactions and a new conversation arrive
// live: the first two on the room's topic, the last on the user's own.
func TestChatLiveExtras(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	room := f.expand("{a-room}")
	teacher := dialSocket(t, ts.URL, f.token["a-teacher"])
	teacher.send(`{"type":"subscribe","id":"r","topic":"room.` + room + `"}`)
	teacher.send(`{"type":"subscribe","id":"u","topic":"user.` + f.expand("{a-teacher}") + `"}`)
	for range 2 {
		if e := teacher.next(); e.Type != "ack" {
			t.Fatalf("subscribe: %+v", e)
		}
	}
	// nobody follows another's user topic
	teacher.send(`{"type":"subscribe","id":"x","topic":"user.` + f.expand("{a-student}") + `"}`)
	if e := teacher.next(); e.Type != "error" {
		t.Fatalf("another's user topic: %+v", e)
	}
	if rec := f.do("a-student", "POST", "/api/v1/rooms/"+room+"/typing", ""); rec.Code != 204 {
		t.Fatal(rec.Code)
	}
	if e := teacher.next(); e.Event != "typing" || !strings.Contains(string(e.Data), `"name":"Student SchuleA"`) {
		t.Fatalf("typing: %+v", e)
	}
	f.do("a-student", "PUT", "/api/v1/rooms/"+room+"/messages/"+f.expand("{a-msg}")+"/reactions/%F0%9F%8E%89", "")
	if e := teacher.next(); e.Event != "message.reactions" || !strings.Contains(string(e.Data), `"counts":{"🎉":1}`) {
		t.Fatalf("reaction: %+v %s", e, e.Data)
	}
	if rec := f.do("a-student", "POST", "/api/v1/rooms", `{"members":[`+f.expand("{a-teacher}")+`]}`); rec.Code != 201 {
		t.Fatal(rec.Code, rec.Body)
	}
	if e := teacher.next(); e.Event != "room.new" || e.Topic != "user."+f.expand("{a-teacher}") {
		t.Fatalf("new conversation: %+v", e)
	}
}

// TestChatAttachmentTooLarge: an upload over the limit gets the limit
// named, in German.
func TestChatAttachmentTooLarge(t *testing.T) {
	f := newFixture(t, nil)
	big := strings.Repeat("x", schulhof.MaxAttachment+2<<20)
	rec := f.do("a-student", "POST", f.expand("/api/v1/rooms/{a-room}/attachments"), multipartBody("file:film.mp4", big))
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Ein Anhang hat höchstens 25") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestReadReceiptsInFewQueries: who has read a message is a few queries
// however many readers the room has, not one per reader.
func TestReadReceiptsInFewQueries(t *testing.T) {
	f := newFixture(t, nil)
	sc := f.school["a"]
	hash := password.Hash(testPassword, password.Fast)
	var ids []schulhof.UserID
	for i := 0; i < 60; i++ {
		u := &schulhof.User{SchoolID: sc.ID, Login: "leser" + itoa(int64(i)), FirstName: "Leser", LastName: itoa(int64(i)), Role: schulhof.RoleStudent}
		must(t, f.db.CreateUser(ctx, u, hash))
		ids = append(ids, u.ID)
	}
	must(t, f.db.SetMembers(ctx, sc.ID, f.group["a-5a"].ID, ids, schulhof.MemberRoleMember))
	path := f.expand("/api/v1/rooms/{a-room}/messages/{a-msg}/reads")
	f.do("a-teacher", "GET", path, "") // warm the caches both ways
	before := f.db.Reads()
	rec := f.do("a-teacher", "GET", path, "")
	queries := f.db.Reads() - before
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Leser") {
		t.Fatalf("reads: %d %.200s", rec.Code, rec.Body)
	}
	if queries > 15 {
		t.Fatalf("%d queries for a room of 62 readers", queries)
	}
}

// TestChatPushBounded: while the push service hangs, the pushes of only
// so many messages wait; the rest go without (counted), and nothing
// piles up; once the service answers, the waiting ones arrive.
func TestChatPushBounded(t *testing.T) {
	f := newFixture(t, nil)
	srv := pushServer(t, f)
	web.SetPushLimit(srv, 3)
	browser := pushtest.NewBrowser(t)
	body, _ := json.Marshal(browser.Subscription("/push/anna"))
	if rec := f.do("a-student", "PUT", "/api/v1/push/subscription", string(body)); rec.Code != 204 {
		t.Fatalf("subscribe: %d %s", rec.Code, rec.Body)
	}
	room := f.expand("{a-room}")
	post := func(text string) {
		t.Helper()
		if rec := f.do("a-teacher", "POST", "/api/v1/rooms/"+room+"/messages", `{"text":"`+text+`"}`); rec.Code != 201 {
			t.Fatalf("post: %d %s", rec.Code, rec.Body)
		}
	}
	// the browser stops reading: its service hangs at the next push
	for len(browser.Received) < cap(browser.Received) {
		browser.Received <- pushtest.Delivery{}
	}
	for i := 0; i < 6; i++ {
		post("während " + itoa(int64(i)))
	}
	if n := web.PushDropped(srv); n != 3 {
		t.Fatalf("%d messages went without a push, want the 3 past the bound", n)
	}
	got := 0
	done := make(chan struct{})
	go func() { srv.WaitBackground(); close(done) }()
	for {
		select {
		case <-browser.Received:
			got++
			continue
		case <-done:
		}
		break
	}
	for len(browser.Received) > 0 {
		<-browser.Received
		got++
	}
	if got != cap(browser.Received)+3 {
		t.Errorf("%d taken from the browser, want the ten it held and the three that waited", got)
	}
}

// TestListsInFewQueries: a class's member list for a parent and the
// login letters for a class take a few queries, not one per member.
func TestListsInFewQueries(t *testing.T) {
	f := newFixture(t, nil)
	sc := f.school["a"]
	var ids []schulhof.UserID
	var list []string
	for i := 0; i < 60; i++ {
		u := &schulhof.User{SchoolID: sc.ID, Login: "kind" + itoa(int64(i)), FirstName: "Kind", LastName: itoa(int64(i)), Role: schulhof.RoleStudent}
		must(t, f.db.CreateUser(ctx, u, ""))
		ids = append(ids, u.ID)
		list = append(list, itoa(int64(u.ID)))
	}
	must(t, f.db.SetMembers(ctx, sc.ID, f.group["a-5a"].ID, ids, schulhof.MemberRoleMember))
	count := func(who, method, path, body string) int {
		t.Helper()
		before := f.db.Reads()
		rec := f.do(who, method, f.expand(path), body)
		if rec.Code != 200 {
			t.Fatalf("%s %s: %d %.300s", method, path, rec.Code, rec.Body)
		}
		return int(f.db.Reads() - before)
	}
	if n := count("a-parent", "GET", "/api/v1/schools/schule-a/groups/{a-5a}/members", ""); n > 10 {
		t.Errorf("%d queries for a parent's list of 62 members", n)
	}
	if n := count("a-admin", "POST", "/api/v1/schools/schule-a/letters", `{"user_ids":[`+strings.Join(list, ",")+`]}`); n > 10 {
		t.Errorf("%d queries for 60 letters by id", n)
	}
	// the 60 have passwords now; new ones without are the only new
	for i := 0; i < 3; i++ {
		must(t, f.db.CreateUser(ctx, &schulhof.User{SchoolID: sc.ID, Login: "neu" + itoa(int64(i)), FirstName: "Neu", LastName: itoa(int64(i)), Role: schulhof.RoleStudent}, ""))
	}
	before := f.db.Reads()
	rec := f.do("a-admin", "POST", "/api/v1/schools/schule-a/letters", `{"only_new":true}`)
	if rec.Code != 200 || f.db.Reads()-before > 10 {
		t.Fatalf("letters for the new: %d, %d queries", rec.Code, f.db.Reads()-before)
	}
}

// TestChatSentAgainStoredOnce: a message sent again under its client
// token (the answer was lost: a broken connection, a node that died) is
// stored once, also when the copies arrive at once on two nodes; the
// answer to a copy is 200 with the message stored first. Another
// student's same token is hers alone; a token too long is refused.
func TestChatSentAgainStoredOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		node2 := *f
		node2.srv = newServer(t, db, f.blobs, nil)
		room := f.expand("{a-room}")
		path := "/api/v1/rooms/" + room + "/messages"
		body := `{"text":"Hausaufgabe fertig","client_token":"4f6c2a9e-1b7d-4c1e-9a53-8d2f0e6b7c11"}`
		first := f.do("a-student", "POST", path, body)
		if first.Code != 201 {
			t.Fatalf("first: %d %s", first.Code, first.Body)
		}
		var m1 struct{ ID int64 }
		decode(t, first, &m1)
		again := node2.do("a-student", "POST", path, body)
		var m2 struct{ ID int64 }
		decode(t, again, &m2)
		if again.Code != 200 || m2.ID != m1.ID {
			t.Fatalf("sent again: %d, id %d (first %d)", again.Code, m2.ID, m1.ID)
		}
		// copies at once, on both nodes
		var wg sync.WaitGroup
		codes := make([]int, 6)
		ids := make([]int64, 6)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				g := f
				if i%2 == 1 {
					g = &node2
				}
				rec := g.do("a-teacher", "POST", path, `{"text":"Gleich geht's los","client_token":"t-2"}`)
				var m struct{ ID int64 }
				json.Unmarshal(rec.Body.Bytes(), &m)
				codes[i], ids[i] = rec.Code, m.ID
			}()
		}
		wg.Wait()
		created := 0
		for i, c := range codes {
			if c == 201 {
				created++
			} else if c != 200 {
				t.Fatalf("copy %d: %d", i, c)
			}
			if ids[i] != ids[0] {
				t.Fatalf("copies got ids %v", ids)
			}
		}
		if created != 1 {
			t.Fatalf("%d of the copies stored (codes %v)", created, codes)
		}
		rec := f.do("a-student", "GET", path+"?limit=50", "")
		if n := strings.Count(rec.Body.String(), "Gleich geht's los"); n != 1 {
			t.Fatalf("the room shows the message %d times", n)
		}
		// the same token of another sender is another message
		if rec := f.do("a-student", "POST", path, `{"text":"Ich auch","client_token":"t-2"}`); rec.Code != 201 {
			t.Fatalf("another sender's token: %d %s", rec.Code, rec.Body)
		}
		if rec := f.do("a-student", "POST", path, `{"text":"x","client_token":"`+strings.Repeat("x", 65)+`"}`); rec.Code != 422 ||
			!strings.Contains(rec.Body.String(), "client_token") {
			t.Fatalf("a token too long: %d %s", rec.Code, rec.Body)
		}
	})
}
