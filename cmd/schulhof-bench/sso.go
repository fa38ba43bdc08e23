package main

// schulhof-bench sso: the single sign-on provider's two hot endpoints.
// A school's students are logged in at Schulhof; a confidential client
// (a learning platform) is registered. First --codes logins run to
// their code (authorize, Schulhof's login page, the library's callback:
// three requests each, not what is measured). Then the token endpoint
// exchanges every code (client secret by HTTP Basic, PKCE S256) as fast
// as answered, and userinfo is asked --userinfo times with the access
// tokens it gave; each with requests/s and p50/p99, then the p99 at half
// that load (open loop). Password hashing is measured beside it, on the
// same cores, to show that the token endpoint does not wait for it.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

func benchSSO(args []string) error {
	fs := flag.NewFlagSet("sso", flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	users := fs.Int("users", 200, "logged-in students")
	codes := fs.Int("codes", 4000, "logins run to their code, each exchanged once")
	infos := fs.Int("userinfo", 20000, "userinfo requests")
	conns := fs.Int("connections", 16, "concurrent connections")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Printf("machine: %d cores (GOMAXPROCS), %s/%s, %s\n", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	e, err := start(*dsn, password.NewHasher(password.Fast, 0, 0), *users, password.Hash("x", password.Fast))
	if err != nil {
		return err
	}
	defer e.close()
	const redirect = "https://lernen.example.org/cb"
	secret := "shs-" + rand.Text() + rand.Text()
	hash := sha256.Sum256([]byte(secret))
	cl := &schulhof.OIDCClient{SchoolID: e.school.ID, Name: "Lernplattform", RedirectURIs: []string{redirect}}
	if err := e.db.CreateOIDCClient(ctx, cl, hash[:]); err != nil {
		return err
	}
	sessions, err := e.sessions()
	if err != nil {
		return err
	}
	fmt.Printf("database: %s, %d logged-in students, one confidential client\n", e.db.Dialect(), len(sessions))

	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "bench-verifier-" + strings.Repeat("x", 40)
	challenge := sha256.Sum256([]byte(verifier))
	auth := e.url + "/oidc/authorize?" + url.Values{"client_id": {cl.ID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid profile school groups"}, "state": {"s"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"}}.Encode()
	// a login to its code: authorize, the login page, the callback
	code := func(i int) (string, error) {
		next := auth
		for hop := 0; hop < 4; hop++ {
			req, _ := http.NewRequest("GET", next, nil)
			req.Header.Set("Cookie", "schulhof_session="+sessions[i%len(sessions)])
			resp, err := c.Do(req)
			if err != nil {
				return "", err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("hop %d: %d", hop, resp.StatusCode)
			}
			if strings.HasPrefix(loc.String(), redirect) {
				return loc.Query().Get("code"), nil
			}
			next = loc.String()
		}
		return "", fmt.Errorf("no code after 4 hops")
	}
	got := make([]string, *codes)
	var failed atomic.Int64
	rs, d := closedLoop(*codes, *conns, func(i int) result {
		return timed(func() int {
			var err error
			if got[i], err = code(i); err != nil {
				failed.Add(1)
				return 0
			}
			return 200
		})
	})
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d logins got no code", n)
	}
	fmt.Printf("logins to their code (3 requests each): %.0f/s; %s\n", float64(*codes)/d.Seconds(), summarize(rs))

	// the token endpoint: every code exchanged once
	access := make([]string, *codes)
	exchange := func(i int) result {
		return timed(func() int {
			form := url.Values{"grant_type": {"authorization_code"}, "code": {got[i]}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
			req, _ := http.NewRequest("POST", e.url+"/oidc/oauth/token", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(cl.ID, secret)
			resp, err := c.Do(req)
			if err != nil {
				return 0
			}
			defer resp.Body.Close()
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			json.NewDecoder(resp.Body).Decode(&tok)
			access[i] = tok.AccessToken
			return resp.StatusCode
		})
	}
	half := *codes / 2
	rs, d = closedLoop(half, *conns, exchange)
	s := summarize(rs)
	tokenRate := float64(s.byStatus[200]) / d.Seconds()
	fmt.Printf("token endpoint (code exchange, client secret, PKCE), %d connections: %.0f requests/s; %s\n", *conns, tokenRate, s)
	rest := *codes - half
	before := serverLatency(e.url, "POST /oidc/oauth/token")
	open := summarize(openLoop(rest, tokenRate/2, func(i int) result { return exchange(half + i) }))
	fmt.Printf("  at half that load (%.0f requests/s offered, open loop): %s; server's own p99 %s\n", tokenRate/2, open,
		bucketP99(before, serverLatency(e.url, "POST /oidc/oauth/token")))
	if s.byStatus[200]+open.byStatus[200] != *codes {
		return fmt.Errorf("not every code was exchanged")
	}

	// userinfo with the access tokens
	info := func(i int) result {
		return timed(func() int {
			return getStatus(c, e.url+"/oidc/userinfo", "Authorization", "Bearer "+access[i%len(access)])
		})
	}
	rs, d = closedLoop(*infos, *conns, info)
	s = summarize(rs)
	infoRate := float64(s.byStatus[200]) / d.Seconds()
	fmt.Printf("userinfo, %d connections: %.0f requests/s; %s\n", *conns, infoRate, s)
	before = serverLatency(e.url, "GET /oidc/userinfo")
	s = summarize(openLoop(*infos/2, infoRate/2, info))
	fmt.Printf("  at half that load (%.0f requests/s offered, open loop): %s; server's own p99 %s\n", infoRate/2, s,
		bucketP99(before, serverLatency(e.url, "GET /oidc/userinfo")))

	// the baseline: what the token endpoint would manage if it hashed
	// client secrets like passwords
	hashes := 0
	t0 := time.Now()
	for time.Since(t0) < 2*time.Second {
		password.Hash("ein-client-secret", password.OWASP)
		hashes++
	}
	raw := float64(hashes) / time.Since(t0).Seconds() * float64(runtime.GOMAXPROCS(0))
	fmt.Printf("baseline: argon2id (m=19 MiB, t=2, p=1) on all cores: about %.0f hashes/s; the token endpoint answers %.0f times that\n",
		raw, tokenRate/raw)
	return nil
}
