package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	const inFlight = 16 // eight rounds of hashing on two cores: far longer than the wait below
	statuses := make(chan int, inFlight)
	var answeredAfterCancel, answered atomic.Int32
	var cancelled atomic.Bool
	var sent sync.WaitGroup
	// new connections: a kept-alive one that the server counts as idle may
	// be closed by the shutdown under a request the client just wrote,
	// which is how HTTP keep-alive works, not a request lost in flight
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < inFlight; i++ {
		sent.Add(1)
		go func() {
			// cancel only once the request is on the wire: the test is
			// about requests in flight, not ones that never arrived
			trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent.Done() }}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST",
				base+"/api/v1/auth/login", strings.NewReader(`{"login":"admin","password":"operator-passwort"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := fresh.Do(req)
			if err != nil {
				t.Logf("login in flight: %v", err)
				answered.Add(1)
				statuses <- 0
				return
			}
			resp.Body.Close()
			answered.Add(1)
			if cancelled.Load() {
				answeredAfterCancel.Add(1)
			}
			statuses <- resp.StatusCode
		}()
	}
	sent.Wait()
	// and until the server has them: a connection still in the kernel's
	// backlog when the listener closes never reached it. Each is answered
	// (a 503 from the full hasher queue comes at once) or in the server's
	// count of the requests it is answering.
	waitArrived(t, base, inFlight, &answered)
	cancelled.Store(true)
	cancel()
	for i := 0; i < inFlight; i++ {
		// 503 is an answer too: on a loaded machine the hasher's queue
		// refuses some of these at once, as it should
		if st := <-statuses; st != 200 && st != 503 {
			t.Errorf("a login in flight during shutdown got %d", st)
		}
	}
	if answeredAfterCancel.Load() == 0 {
		t.Error("every login finished before the shutdown began; the test proved nothing")
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

// waitArrived waits until each of n requests has been answered or is
// being answered by the server, by its own count in /metrics (of which the
// look at /metrics is one).
func waitArrived(t *testing.T, base string, n int, answered *atomic.Int32) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "schulhof_http_requests_in_flight "); ok {
				if got, err := strconv.ParseFloat(v, 64); err == nil && int(got)-1+int(answered.Load()) >= n {
					return
				}
			}
		}
		runtime.Gosched()
	}
	t.Fatalf("the server never had all %d requests", n)
}

// TestVideoConfig: the video lessons' settings are taken or refused with
// a sentence that says what is wrong.
func TestVideoConfig(t *testing.T) {
	v, err := videoConfig(mediaFlags{turn: "turn:turn.schule.de:3478, turns:turn.schule.de:5349", secret: "geheim",
		publicIP: "203.0.113.7", ip: "10.0.0.5", ports: "40000-40999"})
	if err != nil || len(v.TURN) != 2 || v.TURNSecret != "geheim" || v.RTC.PublicIP != "203.0.113.7" || v.RTC.MinPort != 40000 || v.RTC.MaxPort != 40999 ||
		len(v.RTC.Addresses) != 1 || v.RTC.Addresses[0].String() != "10.0.0.5" {
		t.Fatalf("%+v %v", v, err)
	}
	if v, err := videoConfig(mediaFlags{}); err != nil || len(v.TURN) != 0 || v.RTC.MinPort != 0 || v.RTC.Addresses != nil {
		t.Fatalf("nothing set: %+v %v", v, err)
	}
	for _, bad := range []mediaFlags{
		{turn: "http://turn.schule.de", secret: "x"},
		{turn: "turn:turn.schule.de"},
		{publicIP: "schule.de"},
		{ip: "eth0"},
		{ports: "40999-40000"},
		{ports: "40000"},
	} {
		if _, err := videoConfig(bad); err == nil {
			t.Errorf("%+v taken", bad)
		}
	}
}
