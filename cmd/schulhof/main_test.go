package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/totp"
)

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &out); err != nil || !strings.HasPrefix(out.String(), "schulhof ") {
		t.Fatalf("%v %q", err, out.String())
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeImportResetShutdown runs the real binary's code path: serve on
// a fresh data directory creates the operator, the import command and
// reset-password work while it runs, and cancelling stops it cleanly.
func TestServeImportResetShutdown(t *testing.T) {
	data := t.TempDir()
	addr := freeAddr(t)
	t.Setenv("SCHULHOF_ADMIN_PASSWORD", "operator-passwort")
	t.Setenv("SCHULHOF_DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr, "--data", data}, io.Discard, io.Discard) }()
	base := "http://" + addr
	waitUp(t, base+"/readyz")

	login := func(body string) *http.Response {
		resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := login(`{"login":"admin","password":"operator-passwort"}`)
	var tok struct{ Token string }
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("operator login: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", base+"/api/v1/schools", strings.NewReader(`{"slug":"gym","name":"Gymnasium","state":"NW"}`))
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("create school: %v %v", err, resp)
	}

	csv := filepath.Join(t.TempDir(), "s.csv")
	os.WriteFile(csv, []byte("ID;Nachname;Vorname;Klasse\n1;Müller;Jürgen;5a\n"), 0o600)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"import", "--school", "gym", "--data", data, csv}, &out, &out); err != nil || !strings.Contains(out.String(), `"dry_run": true`) {
		t.Fatalf("dry run: %v %s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"import", "--school", "gym", "--data", data, "--apply", csv}, &out, &out); err != nil || !strings.Contains(out.String(), `"created": 1`) {
		t.Fatalf("apply: %v %s", err, out.String())
	}
	// the student had two-factor on; the emergency reset turns it off
	db, err := sqlstore.Open(context.Background(), filepath.Join(data, "schulhof.db"))
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := db.FindSchoolBySlug(context.Background(), "gym")
	u, err := db.FindUserByLogin(context.Background(), sc.ID, "juergen.mueller")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetTOTP(context.Background(), u.ID, totp.NewSecret(), true); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	if err := run(context.Background(), []string{"user", "reset-password", "--school", "gym", "--data", data, "juergen.mueller"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Two-factor login was turned off") {
		t.Fatalf("reset output: %s", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	pw := lines[len(lines)-1]
	resp = login(`{"school":"gym","login":"juergen.mueller","password":"` + pw + `"}`)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("login with the reset password: %d", resp.StatusCode)
	}
	if err := run(context.Background(), []string{"user", "reset-password", "--school", "gym", "--data", data, "niemand"}, &out, &out); err == nil {
		t.Fatal("reset of an unknown user succeeded")
	}

	// Logins in flight when the signal comes still get their answer: each
	// takes a full argon2id hash, so they are still running when cancel()
	// starts the shutdown.
	statuses := make(chan int, 4)
	for i := 0; i < 4; i++ {
		go func() {
			resp, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{"login":"admin","password":"operator-passwort"}`))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	time.Sleep(30 * time.Millisecond)
	cancel()
	for i := 0; i < 4; i++ {
		if st := <-statuses; st != 200 {
			t.Errorf("a login in flight during shutdown got %d", st)
		}
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("server did not come up")
}
