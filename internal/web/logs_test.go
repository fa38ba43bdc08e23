package web_test

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web"
)

// lockedBuffer is a log's output, read after the requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogsHoldNoSecrets: the server's log (at debug) of logins right
// and wrong, a message, a calendar feed and a file holds none of the
// passwords, tokens or contents that went through.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t, nil)
	var out lockedBuffer
	srv, err := web.New(web.Config{Version: "test"}, f.db, f.blobs, password.NewHasher(password.Fast, 0, 0),
		slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})))
	must(t, err)
	t.Cleanup(func() { srv.CloseSockets(); srv.WaitBackground() })
	do := func(token, method, path, body string) string {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student","password":"Falsches-Passwort-9"}`)
	answer := do("", "POST", "/api/v1/auth/login", `{"school":"schule-a","login":"student","password":"`+testPassword+`"}`)
	tok := answer[strings.Index(answer, `"token":"`)+9:]
	tok = tok[:strings.Index(tok, `"`)]
	do(f.token["a-teacher"], "POST", f.expand("/api/v1/rooms/{a-room}/messages"), `{"text":"Vertraulich: Noten von Anna"}`)
	do("", "GET", "/ical/"+f.keys["a-ical"]+".ics", "")
	do(tok, "GET", f.expand("/api/v1/schools/schule-a/nodes/{a-note}/content"), "")
	log := out.String()
	if !strings.Contains(log, `"msg":"request"`) {
		t.Fatalf("nothing logged: %.300s", log)
	}
	for _, secret := range []string{testPassword, "Falsches-Passwort-9", tok, f.token["a-teacher"], "Vertraulich", f.keys["a-ical"], "geheim a"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q", secret)
		}
	}
}
