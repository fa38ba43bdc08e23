package e2e

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

// readingApp is a small service that logs its users in through
// Schulhof (go-oidc and x/oauth2, as a Go service would) and greets
// them with their name and class.
type readingApp struct {
	mu       sync.Mutex
	conf     oauth2.Config
	verifier *oidc.IDTokenVerifier
	pkce     map[string]string // by state
}

func (a *readingApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch r.URL.Path {
	case "/":
		state, verifier := oauth2.GenerateVerifier(), oauth2.GenerateVerifier()
		a.pkce[state] = verifier
		http.Redirect(w, r, a.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), http.StatusFound)
	case "/callback":
		verifier, ok := a.pkce[r.URL.Query().Get("state")]
		if !ok {
			http.Error(w, "unknown state: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		tok, err := a.conf.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := a.verifier.Verify(r.Context(), raw)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var c struct{ Name, Class string }
		if err := idt.Claims(&c); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="de"><head><meta name="viewport" content="width=device-width"><title>Leseapp</title></head>
<body><main><h1 id="who">%s</h1><p>Klasse <span id="class">%s</span></p></main></body></html>`, html.EscapeString(c.Name), html.EscapeString(c.Class))
	default:
		http.NotFound(w, r)
	}
}

// TestSingleSignOnInTheBrowser: the school's admin registers a reading
// app; a student on her iPad opens it, logs in at Schulhof, agrees, and
// the app greets her by name and class.
func TestSingleSignOnInTheBrowser(t *testing.T) {
	db, ts := startServer(t)
	const pw = "Geheim-Passwort-42"
	lea := &schulhof.User{Login: "lea", FirstName: "Lea", LastName: "Schmidt", Role: schulhof.RoleStudent}
	sc := schoolWithAdmin(t, db, pw, lea)
	bg := context.Background()
	class := &schulhof.Group{SchoolID: sc.ID, Name: "7b", Kind: schulhof.GroupClass}
	must(t, db.CreateGroup(bg, class))
	must(t, db.SetMember(bg, sc.ID, class.ID, lea.ID, schulhof.MemberRoleMember))
	must(t, db.SetPassword(bg, sc.ID, lea.ID, password.Hash(pw, password.Fast), false))

	app := &readingApp{pkce: map[string]string{}}
	appServer := httptest.NewServer(app)
	t.Cleanup(appServer.Close)

	// the admin registers the app
	ctx := newBrowser(t)
	logIn(t, ctx, ts.URL, "sekretariat@gym", pw)
	step(t, ctx, "the sso page", chromedp.Navigate(ts.URL+"/s/gym/sso"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Leseapp"), chromedp.SendKeys(chromedp.ID("redirect_uris"), appServer.URL+"/callback"))
	submit(t, ctx, "register the app", "form[action='/s/gym/sso'] button[type=submit]")
	screenshot(t, ctx, "sso-client.png")
	id, secret := text(t, ctx, "[data-testid=client-id]"), text(t, ctx, "[data-testid=client-secret]")
	if !strings.HasPrefix(id, "sh-") || !strings.HasPrefix(secret, "shs-") {
		t.Fatalf("client %q secret %q", id, secret)
	}
	provider, err := oidc.NewProvider(bg, ts.URL+"/oidc")
	must(t, err)
	app.mu.Lock()
	app.conf = oauth2.Config{ClientID: id, ClientSecret: secret, Endpoint: provider.Endpoint(), RedirectURL: appServer.URL + "/callback",
		Scopes: []string{oidc.ScopeOpenID, "profile", "groups"}}
	app.verifier = provider.Verifier(&oidc.Config{ClientID: id})
	app.mu.Unlock()

	// Lea on her iPad
	sctx := newBrowser(t)
	step(t, sctx, "the app sends Lea to Schulhof", viewport(820, 1180, true), chromedp.Navigate(appServer.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("login")))
	step(t, sctx, "Lea logs in", chromedp.SendKeys(chromedp.ID("login"), "lea"), chromedp.SendKeys(chromedp.ID("school"), "gym"),
		chromedp.SendKeys(chromedp.ID("password"), pw))
	submit(t, sctx, "Lea's login", "form[action='/login'] button[type=submit]")
	if got := text(t, sctx, "[data-testid=consent-client]"); !strings.Contains(got, "Leseapp") {
		t.Fatalf("consent page: %q", got)
	}
	if got := text(t, sctx, "[data-testid=consent-gets]"); !strings.Contains(got, "deinen Namen") || !strings.Contains(got, "deine Klasse") {
		t.Fatalf("what the app gets: %q", got)
	}
	checkTapTargets(t, sctx, "consent")
	screenshot(t, sctx, "sso-consent-ipad.png")
	submit(t, sctx, "Lea agrees", "[data-testid=consent-allow]")
	waitText(t, sctx, "#who", "Lea Schmidt")
	waitText(t, sctx, "#class", "7b")
	screenshot(t, sctx, "sso-app.png")

	// the next time she is not asked again
	step(t, sctx, "the app again", chromedp.Navigate(appServer.URL+"/"), chromedp.WaitVisible(chromedp.ID("who")))
	waitText(t, sctx, "#who", "Lea Schmidt")
}
