package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/totp"
)

// ssoSite is a test school served over HTTP for single sign-on, on a
// clock near the real one (the tokens' times are the library's, real),
// which the test moves.
type ssoSite struct {
	*fixture
	ts    *httptest.Server
	clock atomic.Int64
}

func newSSOSite(t *testing.T, db *sqlstore.DB) *ssoSite {
	s := &ssoSite{fixture: newFixture(t, db)}
	s.clock.Store(time.Now().UnixNano())
	s.db.Now = func() time.Time { return time.Unix(0, s.clock.Load()) }
	s.refreshSessions(t)
	s.ts = httptest.NewServer(s.srv)
	t.Cleanup(s.ts.Close)
	return s
}

// refreshSessions logs the admins in again: the fixture's sessions end
// when the clock moves on.
func (s *ssoSite) refreshSessions(t *testing.T) {
	for _, name := range []string{"a-admin", "b-admin", "operator"} {
		s.token[name] = s.loginAs(t, name)
	}
}

func (s *ssoSite) advance(d time.Duration) { s.clock.Add(int64(d)) }

// browser is the browser of a fixture's user ("a-student") logged in at
// Schulhof (the session's cookie), which stops at the client's redirect
// addresses.
func (s *ssoSite) browser(t *testing.T, name string) *http.Client {
	t.Helper()
	tok := s.loginAs(t, name)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.ts.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "schulhof_session", Value: tok, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != u.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// authorize opens the address in the browser and returns where the
// provider sent it back to the client (or the last page's status).
func authorize(t *testing.T, b *http.Client, addr string) (*url.URL, *http.Response) {
	t.Helper()
	resp, err := b.Get(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return nil, resp
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	return loc, resp
}

// freshLogin opens the address in a browser without a session, logs the
// user of school A in on Schulhof's login page it is sent to, and
// returns where it ends at the client.
func (s *ssoSite) freshLogin(t *testing.T, addr, login string) *url.URL {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	loc, _ := authorize(t, b, addr)
	for loc != nil && loc.Path != "/login" {
		loc, _ = authorize(t, b, loc.String())
	}
	if loc == nil {
		t.Fatal("not sent to Schulhof's login")
	}
	resp, err := b.PostForm(s.ts.URL+"/login", url.Values{"school": {"schule-a"}, "login": {login}, "password": {testPassword},
		"next": {loc.Query().Get("next")}})
	must(t, err)
	resp.Body.Close()
	loc, _ = resp.Location()
	for loc != nil && loc.Host != "127.0.0.1:9" {
		loc, _ = authorize(t, b, loc.String())
	}
	if loc == nil {
		t.Fatal("not sent back to the client")
	}
	return loc
}

// rp is a relying party on go-oidc and x/oauth2.
type rp struct {
	provider *oidc.Provider
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func (s *ssoSite) rp(t *testing.T, id, secret, redirect string) *rp {
	t.Helper()
	p, err := oidc.NewProvider(context.Background(), s.ts.URL+"/oidc")
	if err != nil {
		t.Fatal(err)
	}
	return &rp{provider: p, verifier: p.Verifier(&oidc.Config{ClientID: id}), conf: oauth2.Config{ClientID: id, ClientSecret: secret,
		Endpoint: p.Endpoint(), RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "profile", "email", "school", "groups", oidc.ScopeOfflineAccess}}}
}

// code runs the login to the code in the browser.
func (c *rp) code(t *testing.T, b *http.Client, pkce string, opts ...oauth2.AuthCodeOption) (string, *url.URL) {
	t.Helper()
	if pkce != "" {
		opts = append(opts, oauth2.S256ChallengeOption(pkce))
	}
	loc, resp := authorize(t, b, c.conf.AuthCodeURL("zustand", append(opts, oidc.Nonce("einmal"))...))
	if loc == nil {
		t.Fatalf("authorize: %d", resp.StatusCode)
	}
	if loc.Query().Get("state") != "zustand" {
		t.Fatalf("back at the client without the state: %s", loc)
	}
	return loc.Query().Get("code"), loc
}

// oauthError is the standard's error of a failed exchange.
func oauthError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

func (s *ssoSite) register(t *testing.T, actor, path, body string) (id, secret string) {
	t.Helper()
	rec := s.do(actor, "POST", path, s.expand(body))
	if rec.Code != 201 {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	var out struct{ ID, Secret string }
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out.ID, out.Secret
}

func TestSingleSignOn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := newSSOSite(t, db)
		ctx := context.Background()
		const back = "http://127.0.0.1:9/cb"
		id, secret := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients",
			`{"name":"Mathe-App","redirect_uris":["`+back+`"],"post_logout_redirect_uris":["http://127.0.0.1:9/bye"],"roles":["student","teacher"],"consent":false}`)
		if !strings.HasPrefix(id, "sh-") || len(secret) < 50 {
			t.Fatalf("client %q secret %q", id, secret)
		}
		// the secret is kept only as its hash
		if rec := s.do("a-admin", "GET", "/api/v1/schools/schule-a/sso/clients/"+id, ""); rec.Code != 200 || strings.Contains(rec.Body.String(), secret) {
			t.Fatalf("client: %d %s", rec.Code, rec.Body)
		}
		app := s.rp(t, id, secret, back)
		anna := s.browser(t, "a-student")

		// the whole login: code with PKCE, the ID token checked against
		// the key set, userinfo
		pkce := oauth2.GenerateVerifier()
		code, _ := app.code(t, anna, pkce)
		tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := app.verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("id token: %v", err)
		}
		var claims struct {
			Name               string
			PreferredUsername  string `json:"preferred_username"`
			Nonce, Role, Class string
			School             struct{ Slug, Name string }
			Groups             []string
			Email              string
		}
		must(t, idt.Claims(&claims))
		if claims.Nonce != "einmal" || claims.School.Slug != "schule-a" || claims.Role != "student" || claims.Class != "5a" ||
			len(claims.Groups) != 1 || claims.Groups[0] != "5a" || claims.Email != "student@example.org" {
			t.Fatalf("id token claims %+v", claims)
		}
		info, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var ui struct{ Name, Class string }
		must(t, info.Claims(&ui))
		if info.Subject != idt.Subject || ui.Name != "Student SchuleA" || ui.Class != "5a" {
			t.Fatalf("userinfo %s %+v", info.Subject, ui)
		}
		// the same subject at the next login; another one for a classmate
		code2, _ := app.code(t, anna, pkce)
		tok2, err := app.conf.Exchange(ctx, code2, oauth2.VerifierOption(pkce))
		must(t, err)
		idt2, err := app.verifier.Verify(ctx, tok2.Extra("id_token").(string))
		must(t, err)
		if idt2.Subject != idt.Subject {
			t.Fatalf("subject changed: %s %s", idt.Subject, idt2.Subject)
		}

		// refresh: a new pair; the old refresh token again is theft, and
		// the grant goes with everything it gave
		fresh, err := app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil || fresh.RefreshToken == "" || fresh.RefreshToken == tok.RefreshToken || fresh.AccessToken == tok.AccessToken {
			t.Fatalf("refresh: %v %+v", err, fresh)
		}
		if _, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err != nil {
			t.Fatalf("userinfo after refresh: %v", err)
		}
		_, err = app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if oauthError(err) != "invalid_grant" {
			t.Fatalf("old refresh token again: %v", err)
		}
		if _, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
			t.Fatal("the refreshed token outlived the theft of its grant")
		}

		// introspection and revocation, by the client
		form := func(path string, v url.Values) (int, map[string]any) {
			req, _ := http.NewRequest("POST", s.ts.URL+path, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
			resp, err := http.DefaultClient.Do(req)
			must(t, err)
			defer resp.Body.Close()
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		if code, out := form("/oidc/oauth/introspect", url.Values{"token": {tok2.AccessToken}}); code != 200 || out["active"] != true || out["sub"] != idt.Subject {
			t.Fatalf("introspect: %d %v", code, out)
		}
		if code, _ := form("/oidc/revoke", url.Values{"token": {tok2.AccessToken}, "token_type_hint": {"access_token"}}); code != 200 {
			t.Fatalf("revoke: %d", code)
		}
		if code, out := form("/oidc/oauth/introspect", url.Values{"token": {tok2.AccessToken}}); code != 200 || out["active"] == true {
			t.Fatalf("introspect after revoke: %d %v", code, out)
		}

		// an app in the browser on another site may ask the token
		// endpoint (CORS), and post to it past the cross-site protection
		pre, _ := http.NewRequest("OPTIONS", s.ts.URL+"/oidc/oauth/token", nil)
		pre.Header.Set("Origin", "https://app.example.org")
		pre.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(pre)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode >= 300 || resp.Header.Get("Access-Control-Allow-Origin") == "" {
			t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
		cross, _ := http.NewRequest("POST", s.ts.URL+"/oidc/oauth/token", strings.NewReader("grant_type=refresh_token&refresh_token=x"))
		cross.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		cross.Header.Set("Origin", "https://app.example.org")
		cross.Header.Set("Sec-Fetch-Site", "cross-site")
		cross.SetBasicAuth(id, secret)
		resp, err = http.DefaultClient.Do(cross)
		must(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), "invalid_grant") {
			t.Fatalf("cross-site token request: %d %s", resp.StatusCode, body)
		}

		// refused, each with the standard's error
		t.Run("wrong redirect", func(t *testing.T) {
			other := *app
			other.conf.RedirectURL = "http://127.0.0.1:9/evil"
			loc, resp := authorize(t, anna, other.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce)))
			if loc != nil || resp.StatusCode != 400 {
				t.Fatalf("sent to %v (%d)", loc, resp.StatusCode)
			}
		})
		t.Run("expired code", func(t *testing.T) {
			code, _ := app.code(t, anna, pkce)
			s.advance(2 * time.Minute)
			if _, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); oauthError(err) != "invalid_grant" {
				t.Fatalf("expired code: %v", err)
			}
		})
		t.Run("replayed code", func(t *testing.T) {
			code, _ := app.code(t, anna, pkce)
			first, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			must(t, err)
			if _, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); oauthError(err) != "invalid_grant" {
				t.Fatalf("replayed code: %v", err)
			}
			if _, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(first)); err == nil {
				t.Fatal("the tokens of a replayed code still work")
			}
			if _, err := app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: first.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
				t.Fatalf("refresh token of a replayed code: %v", err)
			}
		})
		t.Run("wrong secret", func(t *testing.T) {
			code, _ := app.code(t, anna, pkce)
			wrong := *app
			wrong.conf.ClientSecret = "shs-falsch"
			if _, err := wrong.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); oauthError(err) != "invalid_client" {
				t.Fatalf("wrong secret: %v", err)
			}
		})
		t.Run("pkce", func(t *testing.T) {
			code, _ := app.code(t, anna, pkce)
			if _, err := app.conf.Exchange(ctx, code); oauthError(err) != "invalid_request" {
				t.Fatalf("no verifier: %v", err)
			}
			code, _ = app.code(t, anna, pkce)
			if _, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthError(err) != "invalid_grant" {
				t.Fatalf("wrong verifier: %v", err)
			}
			// a public client must use S256
			pub, _ := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients", `{"name":"Vokabel-App","redirect_uris":["`+back+`"],"public":true,"consent":false}`)
			papp := s.rp(t, pub, "", back)
			_, loc := papp.code(t, anna, "")
			if loc.Query().Get("error") != "invalid_request" || loc.Query().Get("code") != "" {
				t.Fatalf("public client without PKCE: %s", loc)
			}
			code, _ = papp.code(t, anna, pkce)
			if _, err := papp.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); err != nil {
				t.Fatalf("public client with PKCE: %v", err)
			}
		})
		t.Run("roles and groups", func(t *testing.T) {
			// the parent's role is not allowed
			_, loc := app.code(t, s.browser(t, "a-parent"), pkce)
			if loc.Query().Get("error") != "access_denied" {
				t.Fatalf("parent: %s", loc)
			}
			// a client for 5b only: Anna is in 5a
			only5b, sec := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients",
				`{"name":"5b-Blog","redirect_uris":["`+back+`"],"groups":[{a-5b}],"consent":false}`)
			blog := s.rp(t, only5b, sec, back)
			if _, loc := blog.code(t, anna, pkce); loc.Query().Get("error") != "access_denied" {
				t.Fatalf("outside the groups: %s", loc)
			}
			code, _ := blog.code(t, s.browser(t, "a-student2"), pkce)
			if _, err := blog.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); err != nil {
				t.Fatalf("a member of 5b: %v", err)
			}
		})
		t.Run("another school", func(t *testing.T) {
			_, loc := app.code(t, s.browser(t, "b-student"), pkce)
			if loc.Query().Get("error") != "access_denied" {
				t.Fatalf("a student of school B: %s", loc)
			}
			// nor do its admins see or change the client
			if rec := s.do("b-admin", "GET", "/api/v1/schools/schule-a/sso/clients/"+id, ""); rec.Code != 404 {
				t.Fatalf("school B's admin reads A's client: %d", rec.Code)
			}
			if rec := s.do("b-admin", "DELETE", "/api/v1/schools/schule-b/sso/clients/"+id, ""); rec.Code != 404 {
				t.Fatalf("school B's admin removes A's client through B: %d", rec.Code)
			}
		})
		t.Run("the installation's client", func(t *testing.T) {
			// the city's library, registered by the operator, is open to
			// every school's users, and tells them apart by school
			lib, sec := s.register(t, "operator", "/api/v1/sso/clients", `{"name":"Stadtbibliothek","redirect_uris":["`+back+`"],"consent":false}`)
			city := s.rp(t, lib, sec, back)
			for _, who := range []string{"a-student", "b-student"} {
				code, loc := city.code(t, s.browser(t, who), pkce)
				if code == "" {
					t.Fatalf("%s: %s", who, loc)
				}
				tok, err := city.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
				must(t, err)
				idt, err := city.verifier.Verify(ctx, tok.Extra("id_token").(string))
				must(t, err)
				var c struct{ School struct{ Slug string } }
				must(t, idt.Claims(&c))
				if c.School.Slug != "schule-"+who[:1] {
					t.Fatalf("%s: school %q", who, c.School.Slug)
				}
			}
			// a school's admin neither sees nor changes it
			if rec := s.do("a-admin", "GET", "/api/v1/schools/schule-a/sso/clients/"+lib, ""); rec.Code != 404 {
				t.Fatalf("a school's admin reads the installation's client: %d", rec.Code)
			}
		})
		t.Run("callback in another browser", func(t *testing.T) {
			// a stranger who learnt the login's id gets no code of Anna's
			stop := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Jar: anna.Jar}
			loc, _ := authorize(t, stop, app.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce)))
			for loc != nil && loc.Path != "/oidc/authorize/callback" {
				loc, _ = authorize(t, stop, loc.String())
			}
			if loc == nil {
				t.Fatal("never at the callback")
			}
			stranger := s.browser(t, "a-student2")
			if l, resp := authorize(t, stranger, loc.String()); l != nil || resp.StatusCode != 400 {
				t.Fatalf("the stranger's browser at Anna's callback: %v %d", l, resp.StatusCode)
			}
			if l, _ := authorize(t, stop, loc.String()); l == nil || l.Query().Get("code") == "" {
				t.Fatalf("Anna's own browser: %v", l)
			}
		})
		t.Run("consent", func(t *testing.T) {
			asks, sec := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients", `{"name":"Bibliothek","redirect_uris":["`+back+`"]}`)
			lib := s.rp(t, asks, sec, back)
			loc, resp := authorize(t, anna, lib.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce)))
			if loc != nil || resp.StatusCode != 200 {
				t.Fatalf("no consent page: %v %d", loc, resp.StatusCode)
			}
			id := resp.Request.URL.Query().Get("id")
			post := func(choice string) *url.URL {
				req, _ := http.NewRequest("POST", s.ts.URL+"/oidc/consent", strings.NewReader("id="+id+"&choice="+choice))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := anna.Do(req)
				must(t, err)
				resp.Body.Close()
				l, _ := resp.Location()
				if l != nil && l.Host == strings.TrimPrefix(s.ts.URL, "http://") {
					l, _ = authorize(t, anna, l.String())
				}
				return l
			}
			if l := post("allow"); l == nil || l.Query().Get("code") == "" {
				t.Fatalf("allowed: %v", l)
			}
			// asked once: the next login goes straight through
			if _, loc := lib.code(t, anna, pkce); loc.Query().Get("code") == "" {
				t.Fatalf("asked again: %s", loc)
			}
			loc, resp = authorize(t, anna, lib.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "consent")))
			if loc != nil {
				t.Fatalf("prompt=consent not asked: %v", loc)
			}
			id = resp.Request.URL.Query().Get("id")
			if l := post("deny"); l.Query().Get("error") != "access_denied" {
				t.Fatalf("denied: %v", l)
			}
		})
		t.Run("two-factor", func(t *testing.T) {
			// a teacher with two-factor, not logged in: Schulhof's login,
			// the second factor, and on to the client
			secret := totp.NewSecret()
			must(t, db.SetTOTP(ctx, s.user["a-teacher"].ID, secret, true))
			jar, _ := cookiejar.New(nil)
			b := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			loc, _ := authorize(t, b, app.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce)))
			if loc == nil || loc.Path != "/oidc/login" {
				t.Fatalf("not sent to the login: %v", loc)
			}
			loc, _ = authorize(t, b, loc.String())
			if loc == nil || loc.Path != "/login" {
				t.Fatalf("not sent to Schulhof's login: %v", loc)
			}
			post := func(path string, v url.Values) *url.URL {
				resp, err := b.PostForm(s.ts.URL+path, v)
				must(t, err)
				resp.Body.Close()
				l, _ := resp.Location()
				if l == nil {
					t.Fatalf("%s: %d", path, resp.StatusCode)
				}
				return l
			}
			next := loc.Query().Get("next")
			l := post("/login", url.Values{"school": {"schule-a"}, "login": {"teacher"}, "password": {testPassword}, "next": {next}})
			if l.Path != "/login/totp" || l.Query().Get("next") != next {
				t.Fatalf("after the password: %s", l)
			}
			code, _ := totp.Code(secret, totp.Step(s.db.Now()))
			if l = post("/login/totp", url.Values{"code": {code}, "next": {next}}); l.RequestURI() != next {
				t.Fatalf("after the second factor: %s, want %s", l, next)
			}
			back, _ := authorize(t, b, l.String())
			for back != nil && back.Host != "127.0.0.1:9" { // the library's callback
				back, _ = authorize(t, b, back.String())
			}
			if back == nil || back.Query().Get("code") == "" {
				t.Fatalf("no code: %v", back)
			}
			tok, err := app.conf.Exchange(ctx, back.Query().Get("code"), oauth2.VerifierOption(pkce))
			must(t, err)
			idt, err := app.verifier.Verify(ctx, tok.Extra("id_token").(string))
			must(t, err)
			var c struct{ AMR []string }
			must(t, idt.Claims(&c))
			if !slices.Contains(c.AMR, "otp") {
				t.Fatalf("amr %v", c.AMR)
			}
		})
		t.Run("deactivated", func(t *testing.T) {
			b := s.browser(t, "a-student2")
			code, _ := app.code(t, b, pkce)
			tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			must(t, err)
			inactive := false
			_, err = db.UpdateUser(ctx, s.school["a"].ID, s.user["a-student2"].ID, schulhof.UserUpdate{Active: &inactive})
			must(t, err)
			s.advance(3 * time.Second) // past the module's short cache of users
			if _, err := app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
				t.Fatalf("a deactivated user's refresh token: %v", err)
			}
			if _, err := app.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
				t.Fatal("userinfo of a deactivated user")
			}
		})
		t.Run("prompt", func(t *testing.T) {
			stranger := &http.Client{CheckRedirect: anna.CheckRedirect}
			loc, _ := authorize(t, stranger, app.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "none")))
			if loc == nil || loc.Query().Get("error") != "login_required" {
				t.Fatalf("prompt=none without a session: %v", loc)
			}
			// a fresh login wanted: Anna's session began before
			s.advance(10 * time.Second)
			if _, loc := app.code(t, anna, pkce, oauth2.SetAuthURLParam("prompt", "login")); loc.Query().Get("error") != "login_required" {
				t.Fatalf("prompt=login with an older session: %s", loc)
			}
			if _, loc := app.code(t, anna, pkce, oauth2.SetAuthURLParam("max_age", "5")); loc.Query().Get("error") != "login_required" {
				t.Fatalf("max_age past: %s", loc)
			}
			if code, _ := app.code(t, anna, pkce, oauth2.SetAuthURLParam("max_age", "86400")); code == "" {
				t.Fatal("max_age within")
			}
			// not logged in: the login at Schulhof comes after the request
			back := s.freshLogin(t, app.conf.AuthCodeURL("zustand", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "login")), "student")
			if back.Query().Get("code") == "" {
				t.Fatalf("prompt=login with a new login: %s", back)
			}
		})
		t.Run("logout", func(t *testing.T) {
			end, _ := url.Parse(s.ts.URL + "/oidc/end_session")
			end.RawQuery = url.Values{"id_token_hint": {raw}, "post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}, "state": {"s1"}}.Encode()
			loc, resp := authorize(t, anna, end.String())
			if loc == nil || loc.Path != "/bye" || loc.Query().Get("state") != "s1" {
				t.Fatalf("logout: %v %d", loc, resp.StatusCode)
			}
			// logged out at Schulhof too
			resp, err := anna.Get(s.ts.URL + "/api/v1/me")
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Fatalf("still logged in at Schulhof: %d", resp.StatusCode)
			}
		})
		t.Run("password changed", func(t *testing.T) {
			// a new password ends what other services were given with the old
			b := s.browser(t, "a-student")
			code, _ := app.code(t, b, pkce)
			tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
			must(t, err)
			must(t, db.SetPassword(ctx, s.school["a"].ID, s.user["a-student"].ID, "neu", true))
			if _, err := app.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); oauthError(err) != "invalid_grant" {
				t.Fatalf("refresh after a password reset: %v", err)
			}
		})
	})
}

// TestSingleSignOnKeyRotation: after a month the housekeeping makes the
// next key, published at once beside the old one; tokens are signed
// with the old one until the new one has been published five minutes,
// then with the new one; a week later the old one is gone. Clients
// verify throughout.
func TestSingleSignOnKeyRotation(t *testing.T) {
	s := newSSOSite(t, nil)
	ctx := context.Background()
	const back = "http://127.0.0.1:9/cb"
	id, secret := s.register(t, "a-admin", "/api/v1/schools/schule-a/sso/clients", `{"name":"Mathe-App","redirect_uris":["`+back+`"],"consent":false}`)
	keys := func() []string {
		t.Helper()
		var set struct{ Keys []struct{ Kid string } }
		decode(t, s.do("", "GET", "/oidc/keys", ""), &set)
		var out []string
		for _, k := range set.Keys {
			out = append(out, k.Kid)
		}
		return out
	}
	signedBy := func() string {
		t.Helper()
		app := s.rp(t, id, secret, back)
		pkce := oauth2.GenerateVerifier()
		code, _ := app.code(t, s.browser(t, "a-student"), pkce)
		tok, err := app.conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		must(t, err)
		raw := tok.Extra("id_token").(string)
		if _, err := app.verifier.Verify(ctx, raw); err != nil {
			t.Fatalf("verify: %v", err)
		}
		var header struct{ Kid string }
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
		json.Unmarshal(h, &header)
		return header.Kid
	}
	first := keys()
	if len(first) != 1 || signedBy() != first[0] {
		t.Fatalf("first key %v", first)
	}
	s.advance(31 * 24 * time.Hour)
	s.refreshSessions(t)
	s.srv.Housekeeping(ctx)
	both := keys()
	if len(both) != 2 || both[1] != first[0] {
		t.Fatalf("after rotation %v", both)
	}
	if k := signedBy(); k != first[0] {
		t.Fatalf("the new key signs before it is known everywhere: %s", k)
	}
	s.advance(6 * time.Minute)
	if k := signedBy(); k != both[0] {
		t.Fatalf("signed by %s, want the new %s", k, both[0])
	}
	s.advance(8 * 24 * time.Hour)
	s.refreshSessions(t)
	if k := keys(); len(k) != 1 || k[0] != both[0] {
		t.Fatalf("a week later %v", k)
	}
}
