package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
)

// freshSession logs who in once more and returns the new session's token.
func (f *fixture) freshSession(t *testing.T, who string) string {
	t.Helper()
	slug := ""
	for _, sc := range f.school {
		if sc.ID == f.user[who].SchoolID {
			slug = sc.Slug
		}
	}
	rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"`+slug+`","login":"`+f.user[who].Login+`","password":"`+testPassword+`"}`)
	var out struct{ Token string }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &out) != nil {
		t.Fatalf("login %s: %d %s", who, rec.Code, rec.Body)
	}
	return out.Token
}

// follow opens a socket on the session and follows the user's own topic.
func follow(t *testing.T, base, token, user string) *socket {
	t.Helper()
	s := dialSocket(t, base, token)
	s.send(`{"type":"subscribe","id":"s","topic":"user.` + user + `"}`)
	if e := s.next(); e.Type != "ack" {
		t.Fatalf("subscribe: %+v", e)
	}
	return s
}

// ended waits for the socket to be closed as one whose session ended,
// and fails on any event it gets before.
func (s *socket) ended(what string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		e, err := s.r.Next(ctx)
		if err != nil {
			if websocket.CloseStatus(err) != realtime.StatusSessionEnded {
				s.t.Fatalf("%s: socket ended with %v, want it closed for the ended session", what, err)
			}
			return
		}
		if e.Type == realtime.TypeEvent {
			s.t.Fatalf("%s: got %+v after the session ended", what, e)
		}
	}
}

// TestSocketsEndWithTheSession: a live socket ends with its session, by
// every way a session ends: logout, a password change (the other
// sessions), an admin's password reset, a reset of two-factor, a
// deactivation; and a send is checked against the store, so that a
// session ended without this node hearing of it stores nothing.
func TestSocketsEndWithTheSession(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	id := func(who string) string { return itoa(int64(f.user[who].ID)) }
	school := "schule-a"

	cases := []struct {
		name, who string
		end       func(token string) int
	}{
		{"logout", "a-student", func(tok string) int {
			f.token["tmp"] = tok
			return f.do("tmp", "POST", "/api/v1/auth/logout", "").Code
		}},
		{"password change elsewhere", "a-student2", func(string) int {
			return f.do("a-student2", "POST", "/api/v1/me/password", `{"current":"`+testPassword+`","new":"Neues-Passwort-2026!"}`).Code
		}},
		{"admin resets the password", "a-parent", func(string) int {
			return f.do("a-admin", "POST", "/api/v1/schools/"+school+"/users/"+id("a-parent")+"/reset-password", "").Code
		}},
		{"admin resets two-factor", "b-teacher", func(string) int {
			return f.do("b-admin", "POST", "/api/v1/schools/schule-b/users/"+id("b-teacher")+"/reset-two-factor", "").Code
		}},
		{"deactivation", "a-teacher", func(string) int {
			return f.do("a-admin", "PATCH", "/api/v1/schools/"+school+"/users/"+id("a-teacher"), `{"active":false}`).Code
		}},
	}
	for _, tc := range cases {
		tok := f.freshSession(t, tc.who)
		sock := follow(t, ts.URL, tok, id(tc.who))
		if code := tc.end(tok); code >= 300 {
			t.Fatalf("%s: %d", tc.name, code)
		}
		sock.ended(tc.name)
	}
	// the session that changed the password keeps its socket
	kept := follow(t, ts.URL, f.token["a-student2"], id("a-student2"))
	kept.send(`{"type":"subscribe","id":"again","topic":"user.` + id("a-student2") + `"}`)
	if e := kept.next(); e.Type != "ack" {
		t.Fatalf("the session that changed the password: %+v", e)
	}

	// a session gone from the store unannounced (it expired): its next
	// board operation is refused, not stored
	boardID := f.expand("{a-board}")
	sock := dialSocket(t, ts.URL, f.freshSession(t, "a-admin"))
	sock.send(`{"type":"subscribe","id":"s","topic":"board.` + boardID + `"}`)
	if e := sock.next(); e.Type != "ack" {
		t.Fatalf("subscribe the board: %+v", e)
	}
	if _, err := f.db.DeleteExpiredSessions(context.Background(), time.Now().AddDate(10, 0, 0)); err != nil {
		t.Fatal(err)
	}
	sock.send(`{"type":"send","id":"late","topic":"board.` + boardID + `","event":"ops","data":{"ops":[{"op":"add","id":"late-1","kind":"pen","set":{"page":"p1"},"points":[[5,5]]}]}}`)
	sock.ended("a board operation after the session expired")
	f.token["admin again"] = f.freshSession(t, "a-admin")
	if rec := f.do("admin again", "GET", "/api/v1/boards/"+boardID, ""); rec.Code != 200 || strings.Contains(rec.Body.String(), "late-1") {
		t.Fatalf("the board after the refused operation: %d %s", rec.Code, rec.Body)
	}
}

// TestSocketsEndOnEveryNode: a logout on one node closes the session's
// socket on another (the end goes over the bus).
func TestSocketsEndOnEveryNode(t *testing.T) {
	url := os.Getenv("SCHULHOF_TEST_NATS")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("SCHULHOF_TEST_NATS not set")
		}
		t.Skip("SCHULHOF_TEST_NATS not set")
	}
	db := sqltest.MustOpenPostgres(t)
	// each node with a store of its own: B hears of the logout only
	// through the bus
	a, b := natsNode(t, db, url, "session-a"), natsNode(t, sqltest.Another(t, db), url, "session-b")
	f := newFixture(t, db)
	tsB := httptest.NewServer(b)
	defer tsB.Close()
	tok := f.freshSession(t, "a-student")
	sock := follow(t, tsB.URL, tok, itoa(int64(f.user["a-student"].ID)))
	f.srv, f.token["tmp"] = a, tok
	if rec := f.do("tmp", "POST", "/api/v1/auth/logout", ""); rec.Code != 204 {
		t.Fatalf("logout on A: %d", rec.Code)
	}
	sock.ended("the socket on B after a logout on A")
}

// TestSocketsToldOfLostEvents: once events arrive again after the bus
// may have lost some on their way to the node, every socket is told
// ("gap") and its client reads what it missed by cursor; a bus that was
// never down tells nothing.
func TestSocketsToldOfLostEvents(t *testing.T) {
	f := newFixture(t, nil)
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	srv, err := web.New(web.Config{Version: "test", Bus: b}, f.db, f.blobs, password.NewHasher(password.Fast, 0, 0),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.CloseSockets(); srv.WaitBackground() })
	ts := httptest.NewServer(srv)
	defer ts.Close()
	anna := follow(t, ts.URL, f.token["a-student"], itoa(int64(f.user["a-student"].ID)))
	teacher := follow(t, ts.URL, f.token["a-teacher"], itoa(int64(f.user["a-teacher"].ID)))

	b.Tell(true) // up, without having been down: nothing was lost
	anna.send(`{"type":"ping","id":"p"}`)
	if e := anna.next(); e.Type != realtime.TypeAck || e.ID != "p" {
		t.Fatalf("told of a gap that was none: %+v", e)
	}
	b.Tell(false)
	b.Tell(true)
	for _, s := range []*socket{anna, teacher} {
		// two sockets: their clients wait up to the least, 3 s
		if e := s.next(); e.Type != realtime.TypeGap || string(e.Data) != `{"within_ms":3000}` {
			t.Fatalf("after lost events: %+v, want a gap", e)
		}
	}
}
