// Package sso is the module of single sign-on: Schulhof is the school's
// OpenID Connect provider, so that other services (a learning platform,
// a maths app, the city's library) log their users in through it.
//
// The protocol is github.com/zitadel/oidc's op package, certified to the
// standard; this module is its storage (provider.go: clients, logins,
// tokens and keys in the store, on both databases), the login it sends
// users to (login.go: Schulhof's own login and session, the consent
// page, who may use which client), the claims (claims.go), the signing
// keys and their rotation (keys.go) and the clients' registration by the
// school's admin or the operator (clients.go). Everything is under
// /oidc: the issuer is the platform's address and "/oidc"
// (docs/sso.md).
package sso

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	SettingOnce(ctx context.Context, key, value string) (string, error)
	FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	DeleteSession(ctx context.Context, tokenHash []byte) error
	// the clients
	CreateOIDCClient(ctx context.Context, c *schulhof.OIDCClient, secretHash []byte) error
	UpdateOIDCClient(ctx context.Context, c *schulhof.OIDCClient) error
	SetOIDCClientSecret(ctx context.Context, school schulhof.SchoolID, id string, secretHash []byte) error
	DeleteOIDCClient(ctx context.Context, school schulhof.SchoolID, id string) error
	FindOIDCClients(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.OIDCClient, error)
	FindOIDCClient(ctx context.Context, school schulhof.SchoolID, id string) (*schulhof.OIDCClient, error)
	FindOIDCClientByID(ctx context.Context, id string) (*schulhof.OIDCClient, []byte, error)
	// the logins under way
	CreateOIDCAuthRequest(ctx context.Context, a *schulhof.OIDCAuthRequest) error
	FindOIDCAuthRequest(ctx context.Context, id string) (*schulhof.OIDCAuthRequest, error)
	FindOIDCAuthRequestByCode(ctx context.Context, codeHash []byte) (*schulhof.OIDCAuthRequest, error)
	CompleteOIDCAuthRequest(ctx context.Context, a *schulhof.OIDCAuthRequest) error
	SetOIDCAuthCode(ctx context.Context, id string, codeHash []byte) error
	UseOIDCAuthRequest(ctx context.Context, id string) (bool, error)
	DeleteOIDCAuthRequest(ctx context.Context, id string) error
	// the tokens
	CreateOIDCToken(ctx context.Context, t *schulhof.OIDCToken, refreshHash, rotate []byte) error
	FindOIDCToken(ctx context.Context, id string) (*schulhof.OIDCToken, error)
	FindOIDCTokenByRefresh(ctx context.Context, refreshHash []byte) (*schulhof.OIDCToken, error)
	RevokeOIDCToken(ctx context.Context, id string) error
	RevokeOIDCGrant(ctx context.Context, grant string) error
	RevokeOIDCTokensOf(ctx context.Context, user schulhof.UserID, client string) error
	DeleteExpiredOIDC(ctx context.Context, now, loginsBefore time.Time) (int64, error)
	// subjects, consents, keys
	OIDCSubject(ctx context.Context, user schulhof.UserID) (string, error)
	FindOIDCSubjectUser(ctx context.Context, subject string) (schulhof.UserID, schulhof.SchoolID, error)
	FindOIDCConsent(ctx context.Context, user schulhof.UserID, client string) ([]string, error)
	FindOIDCConsents(ctx context.Context, user schulhof.UserID) ([]*schulhof.OIDCConsent, error)
	SaveOIDCConsent(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID, client string, scopes []string) error
	FindOIDCKeys(ctx context.Context, now time.Time) ([]*schulhof.OIDCKey, error)
	RotateOIDCKey(ctx context.Context, k *schulhof.OIDCKey, since, retireAt time.Time) (bool, error)
	Ping(ctx context.Context) error
}

// The lifetimes of what the provider gives.
const (
	// AccessTokenFor is how long an access token holds.
	AccessTokenFor = time.Hour
	// IDTokenFor is how long an ID token holds.
	IDTokenFor = time.Hour
	// RefreshTokenFor is how long a refresh token holds; each refresh
	// gives a new one for as long again.
	RefreshTokenFor = 30 * 24 * time.Hour
	// LoginFor is how long a user has to log in and agree.
	LoginFor = 15 * time.Minute
	// CodeFor is how long a code may wait for its exchange.
	CodeFor = time.Minute
	// KeyFor is how long a key signs before the next takes over; the old
	// one stays published for KeyPublishedAfter more (longer than any ID
	// token it signed holds, and the logouts that show one).
	KeyFor            = 30 * 24 * time.Hour
	KeyPublishedAfter = 7 * 24 * time.Hour
)

// Scopes the provider knows: OpenID Connect's and Schulhof's own
// "school" (the school and the user's role) and "groups".
var Scopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess, ScopeSchool, ScopeGroups}

const (
	ScopeSchool = "school"
	ScopeGroups = "groups"
)

// Module serves the provider's endpoints, its login and consent pages
// and the clients' registration.
type Module struct {
	*kit.Deps
	db       Store
	provider *op.Provider
	handler  http.Handler
	keys     *keyRing
	// clients keeps clients a few seconds: every token request reads one
	clients *kit.Cache[string, clientEntry]
	users   *kit.Cache[schulhof.UserID, *schulhof.User]
}

type clientEntry struct {
	c    *schulhof.OIDCClient
	hash []byte
}

// New is the module on the server's Deps and its store: the provider,
// with the key that encrypts its codes and access tokens kept in the
// store's settings (the same on every node).
func New(d *kit.Deps, db Store) (*Module, error) {
	m := &Module{Deps: d, db: db,
		clients: kit.Shared(d, "sso.clients", kit.NewCacheOn[string, clientEntry](5*time.Second, 1000, d.Now)),
		users:   kit.Shared(d, "sso.users", kit.NewCacheOn[schulhof.UserID, *schulhof.User](2*time.Second, 10000, d.Now)),
	}
	m.keys = newKeyRing(m)
	ctx := context.Background()
	secret, err := db.SettingOnce(ctx, "oidc.crypto_key", base64.RawURLEncoding.EncodeToString(randomBytes(32)))
	if err != nil {
		return nil, fmt.Errorf("oidc key: %w", err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("oidc key: stored key is not 32 bytes")
	}
	cfg := &op.Config{
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		DefaultLogoutRedirectURI: "/oidc/logged-out",
		SupportedUILocales:       []language.Tag{language.German, language.English},
		SupportedScopes:          Scopes,
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "azp", "name", "given_name",
			"family_name", "preferred_username", "locale", "email", "email_verified", "school", "role", "groups", "class"},
	}
	copy(cfg.CryptoKey[:], raw)
	issuer := func(bool) (op.IssuerFromRequest, error) {
		return func(r *http.Request) string { return m.BaseURL(r) + "/oidc" }, nil
	}
	m.provider, err = op.NewProvider(cfg, &storage{m}, issuer, op.WithAllowInsecure(),
		op.WithCustomEndSessionEndpoint(op.NewEndpoint("end_session")))
	if err != nil {
		return nil, err
	}
	m.handler = http.StripPrefix("/oidc", m.provider)
	d.AddFormTarget(m.formTarget)
	d.AddExportPart(kit.ExportPart{Order: 70, Folder: "anmeldungen", About: "export.sso", Write: m.exportConsents})
	d.AddStartCard(kit.StartCard{Order: 90, Part: "start-sso", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) error {
		switch u := kit.AuthOf(r).User; {
		case sc != nil && u.SchoolID == sc.ID && schulhof.CanManageSignOn(u, sc.ID):
			data["SSO"] = base(sc)
		case schulhof.CanManageSignOn(u, 0):
			data["SSO"] = base(nil)
		}
		return nil
	}})
	return m, nil
}

// Routes adds the provider's endpoints (the library's router under
// /oidc), the login and consent pages, and the clients' API and pages.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Open("GET /oidc/.well-known/openid-configuration", m.discovery)
	for _, p := range []string{"GET /oidc/keys", "GET /oidc/userinfo", "OPTIONS /oidc/"} {
		rt.Open(p, m.serveProvider)
	}
	// what browsers open: the library's errors as Schulhof's error page
	rt.Open("GET /oidc/authorize", m.serveBrowser)
	rt.Open("GET /oidc/authorize/callback", m.serveCallback)
	// what other sites' pages and servers post to
	rt.OpenCrossSite("POST /oidc/authorize", m.serveBrowser)
	for _, p := range []string{"POST /oidc/oauth/token", "POST /oidc/oauth/introspect", "POST /oidc/userinfo",
		"POST /oidc/revoke"} {
		rt.OpenCrossSite(p, m.serveProvider)
	}
	rt.Open("GET /oidc/end_session", m.endSession)
	rt.OpenCrossSite("POST /oidc/end_session", m.endSession)
	rt.Open("GET /oidc/logged-out", m.showLoggedOut)
	rt.Page("GET /oidc/login", m.continueLogin)
	rt.Page("POST /oidc/consent", m.submitConsent)

	rt.Show("GET /s/{school}/sso", "ssoclients", m.showClientsPage)
	rt.Page("POST /s/{school}/sso", m.createFromForm)
	rt.Show("GET /s/{school}/sso/{client}", "ssoclient", m.showClientPage)
	rt.Page("POST /s/{school}/sso/{client}", m.updateFromForm)
	rt.Page("POST /s/{school}/sso/{client}/secret", m.secretFromForm)
	rt.Form("POST /s/{school}/sso/{client}/delete", m.deleteFromForm)
	rt.Show("GET /admin/sso", "ssoclients", m.showClientsPage)
	rt.Page("POST /admin/sso", m.createFromForm)
	rt.Show("GET /admin/sso/{client}", "ssoclient", m.showClientPage)
	rt.Page("POST /admin/sso/{client}", m.updateFromForm)
	rt.Page("POST /admin/sso/{client}/secret", m.secretFromForm)
	rt.Form("POST /admin/sso/{client}/delete", m.deleteFromForm)

	rt.JSON("GET /api/v1/schools/{school}/sso/clients", m.apiClients)
	rt.JSON("POST /api/v1/schools/{school}/sso/clients", m.apiCreate)
	rt.JSON("GET /api/v1/schools/{school}/sso/clients/{client}", m.apiClient)
	rt.JSON("PUT /api/v1/schools/{school}/sso/clients/{client}", m.apiUpdate)
	rt.JSON("POST /api/v1/schools/{school}/sso/clients/{client}/secret", m.apiSecret)
	rt.JSON("DELETE /api/v1/schools/{school}/sso/clients/{client}", m.apiDelete)
	rt.JSON("GET /api/v1/sso/clients", m.apiClients)
	rt.JSON("POST /api/v1/sso/clients", m.apiCreate)
	rt.JSON("GET /api/v1/sso/clients/{client}", m.apiClient)
	rt.JSON("PUT /api/v1/sso/clients/{client}", m.apiUpdate)
	rt.JSON("POST /api/v1/sso/clients/{client}/secret", m.apiSecret)
	rt.JSON("DELETE /api/v1/sso/clients/{client}", m.apiDelete)
}

// serveProvider hands a request to the library's router.
func (m *Module) serveProvider(w http.ResponseWriter, r *http.Request) {
	m.handler.ServeHTTP(w, r)
}

// serveBrowser hands a request a browser makes (the authorization, the
// callback) to the library; an error it cannot send back to the client
// (an unknown client, a redirect address not registered) becomes
// Schulhof's error page in the user's language instead of the
// library's line of English.
func (m *Module) serveBrowser(w http.ResponseWriter, r *http.Request) {
	cw := &catchError{ResponseWriter: w}
	m.handler.ServeHTTP(cw, r)
	if cw.caught {
		m.Log.Info("oidc request refused", "route", r.URL.Path, "client_id", r.FormValue("client_id"), "reason", strings.TrimSpace(cw.body.String()))
		m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "oidc.authorize.invalid"))
	}
}

// serveCallback hands the browser back to the library, which gives the
// client its code, only in the browser of the user who logged in: the
// login's id is in addresses a stranger may see, and a code fetched in
// another browser would log that browser in as the user.
func (m *Module) serveCallback(w http.ResponseWriter, r *http.Request) {
	a, err := m.db.FindOIDCAuthRequest(r.Context(), r.URL.Query().Get("id"))
	if err == nil && a.Done {
		if u := kit.AuthOf(r).User; u == nil || u.ID != a.UserID {
			m.Log.Warn("oidc callback in another browser", "client", a.ClientID)
			m.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "oidc.authorize.invalid"))
			return
		}
	}
	m.serveBrowser(w, r)
}

// catchError keeps an error answer back (a 4xx or 5xx in plain text),
// passing everything else on.
type catchError struct {
	http.ResponseWriter
	caught bool
	body   strings.Builder
}

func (c *catchError) WriteHeader(status int) {
	if status >= 400 && strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.caught = true
		c.Header().Del("Content-Type")
		c.Header().Del("X-Content-Type-Options")
		return
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *catchError) Write(b []byte) (int, error) {
	if c.caught {
		if c.body.Len() < 500 {
			c.body.Write(b)
		}
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// discovery: GET /oidc/.well-known/openid-configuration, the library's
// document with what Schulhof offers: the code flow only (no implicit
// flow, no device flow, no JWT bearer grant).
func (m *Module) discovery(w http.ResponseWriter, r *http.Request) {
	ctx := m.withIssuer(r)
	doc := op.CreateDiscoveryConfig(ctx, m.provider, m.provider.Storage())
	doc.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	doc.ResponseModesSupported = []string{"query"}
	doc.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	doc.DeviceAuthorizationEndpoint = ""
	doc.RequestURIParameterSupported = false
	w.Header().Set("Cache-Control", "public, max-age=300")
	op.Discover(w, doc)
}

// Housekeeping forgets old logins and ended tokens, and makes the next
// signing key when the current one is due.
func (m *Module) Housekeeping(ctx context.Context) {
	now := m.Now()
	if n, err := m.db.DeleteExpiredOIDC(ctx, now, now.Add(-24*time.Hour)); err != nil {
		m.Log.Error("delete expired oidc logins and tokens", "err", err)
	} else if n > 0 {
		m.Log.Info("deleted expired oidc logins and tokens", "count", n)
	}
	if _, err := m.keys.rotateIfDue(ctx); err != nil {
		m.Log.Error("rotate oidc key", "err", err)
	}
}

// withIssuer is the request's context with the issuer, for the
// library's functions called outside its router.
func (m *Module) withIssuer(r *http.Request) context.Context {
	return op.ContextWithIssuer(r.Context(), m.BaseURL(r)+"/oidc")
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// hashOf is what the store keeps of a secret, a code or a refresh
// token: each is random with 128 bits or more, so a fast hash is enough
// (no password hashing in the token endpoint's way).
func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
