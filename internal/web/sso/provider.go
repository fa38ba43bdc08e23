package sso

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// storage is the provider's storage (op.Storage) on the module's store.
// The library checks the protocol; this decides what is Schulhof's:
// which clients there are, who may log in to them, when a code or a
// token no longer holds, and what the claims say.
type storage struct{ m *Module }

var _ op.Storage = (*storage)(nil)

// errUnknown is what the library turns into the standard's error (an
// unknown client, code or token): a plain error, not a server fault.
var errUnknown = errors.New("unknown")

// client finds a client by its client_id, a few seconds cached.
func (m *Module) client(ctx context.Context, id string) (*schulhof.OIDCClient, []byte, error) {
	if id == "" || len(id) > 100 {
		return nil, nil, errUnknown
	}
	e, err := m.clients.Get(id, func() (clientEntry, error) {
		c, hash, err := m.db.FindOIDCClientByID(ctx, id)
		return clientEntry{c, hash}, err
	})
	if schulhof.Match(err, schulhof.ENotFound) {
		return nil, nil, errUnknown
	}
	return e.c, e.hash, err
}

// user finds an active user, a few seconds cached; nil when gone.
func (m *Module) user(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error) {
	u, err := m.users.Get(id, func() (*schulhof.User, error) { return m.db.FindUserByID(ctx, school, id) })
	if schulhof.Match(err, schulhof.ENotFound) || (err == nil && (!u.Active || u.SchoolID != school)) {
		return nil, nil
	}
	return u, err
}

func (s *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	c, _, err := s.m.client(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if c.Public && (req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256) {
		return nil, oidc.ErrInvalidRequest().WithDescription("public clients must use PKCE with S256")
	}
	prompt := strings.Join(req.Prompt, " ")
	if slices.Contains(req.Prompt, oidc.PromptNone) {
		// nobody to ask: the user is logged in at Schulhof now, or not
		if a := kit.AuthFromContext(ctx); a.User == nil || kit.Gate(a) != "" {
			return nil, oidc.ErrLoginRequired()
		}
	}
	a := &schulhof.OIDCAuthRequest{ClientID: c.ID, RedirectURI: req.RedirectURI, Scopes: req.Scopes, State: req.State,
		Nonce: req.Nonce, ResponseType: string(req.ResponseType), ResponseMode: string(req.ResponseMode),
		CodeChallenge: req.CodeChallenge, CodeMethod: string(req.CodeChallengeMethod), Prompt: prompt, MaxAge: -1}
	if req.MaxAge != nil {
		a.MaxAge = int64(*req.MaxAge)
	}
	if err := s.m.db.CreateOIDCAuthRequest(ctx, a); err != nil {
		return nil, err
	}
	return authRequest{a}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, err := s.m.db.FindOIDCAuthRequest(ctx, id)
	if err != nil {
		return nil, orUnknown(err)
	}
	if s.m.Now().Sub(a.CreatedAt) > LoginFor {
		return nil, oidc.ErrInvalidRequest().WithDescription("the login took too long")
	}
	return authRequest{a}, nil
}

// AuthRequestByCode finds the login of a code and marks it exchanged,
// once: a code that comes again was stolen or replayed, and what its
// first exchange gave is revoked.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	a, err := s.m.db.FindOIDCAuthRequestByCode(ctx, hashOf(code))
	if err != nil {
		return nil, orUnknown(err)
	}
	first, err := s.m.db.UseOIDCAuthRequest(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	if !first {
		if err := s.m.db.RevokeOIDCGrant(ctx, a.ID); err != nil {
			return nil, err
		}
		s.m.Log.Warn("oidc code used twice: its tokens revoked", "client", a.ClientID, "user", a.UserID)
		return nil, errors.New("code already used")
	}
	if s.m.Now().Sub(a.CodeAt) > CodeFor {
		return nil, errors.New("code expired")
	}
	return authRequest{a}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.m.db.SetOIDCAuthCode(ctx, id, hashOf(code))
}

// DeleteAuthRequest: the login stays until the housekeeping, used, so
// that a replay of its code is known.
func (s *storage) DeleteAuthRequest(context.Context, string) error { return nil }

func (s *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	t, err := s.tokenOf(ctx, req)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := s.m.db.CreateOIDCToken(ctx, t, nil, nil); err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.ExpiresAt, nil
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	t, err := s.tokenOf(ctx, req)
	if err != nil {
		return "", "", time.Time{}, err
	}
	refresh := "r" + strings.ToLower(rand.Text()+rand.Text())
	t.RefreshExpiresAt = s.m.Now().Add(RefreshTokenFor)
	var rotate []byte
	if current != "" {
		rotate = hashOf(current)
	}
	if err := s.m.db.CreateOIDCToken(ctx, t, hashOf(refresh), rotate); err != nil {
		if schulhof.Match(err, schulhof.ENotFound) {
			return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
		}
		return "", "", time.Time{}, err
	}
	return t.ID, refresh, t.ExpiresAt, nil
}

// tokenOf is the token a login or a refresh gives.
func (s *storage) tokenOf(ctx context.Context, req op.TokenRequest) (*schulhof.OIDCToken, error) {
	t := &schulhof.OIDCToken{ExpiresAt: s.m.Now().Add(AccessTokenFor), Scopes: req.GetScopes()}
	switch r := req.(type) {
	case authRequest:
		t.GrantID, t.ClientID, t.UserID, t.SchoolID, t.Subject = r.ID, r.ClientID, r.UserID, r.SchoolID, r.Subject
		t.AuthTime, t.AMR = r.AuthTime, r.AMR
	case *refreshRequest:
		p := r.t
		t.GrantID, t.ClientID, t.UserID, t.SchoolID, t.Subject = p.GrantID, p.ClientID, p.UserID, p.SchoolID, p.Subject
		t.AuthTime, t.AMR = p.AuthTime, p.AMR
		t.Scopes = r.scopes
	default:
		return nil, oidc.ErrUnsupportedGrantType()
	}
	return t, nil
}

// TokenRequestByRefreshToken finds the grant of a refresh token. A
// rotated one that comes again was stolen: the whole grant goes. A user
// deactivated since, or one the client no longer admits, gets nothing.
func (s *storage) TokenRequestByRefreshToken(ctx context.Context, refresh string) (op.RefreshTokenRequest, error) {
	t, err := s.m.db.FindOIDCTokenByRefresh(ctx, hashOf(refresh))
	if err != nil {
		return nil, orErr(err, oidc.ErrInvalidGrant().WithDescription("unknown refresh token"))
	}
	if t.Rotated {
		if err := s.m.db.RevokeOIDCGrant(ctx, t.GrantID); err != nil {
			return nil, err
		}
		s.m.Log.Warn("oidc refresh token used twice: its grant revoked", "client", t.ClientID, "user", t.UserID)
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
	}
	if s.m.Now().After(t.RefreshExpiresAt) {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token expired")
	}
	if err := s.m.stillAdmitted(ctx, t); err != nil {
		return nil, err
	}
	return &refreshRequest{t: t, scopes: t.Scopes}, nil
}

// stillAdmitted refuses a token whose user was deactivated or that the
// client no longer admits.
func (m *Module) stillAdmitted(ctx context.Context, t *schulhof.OIDCToken) error {
	u, err := m.user(ctx, t.SchoolID, t.UserID)
	if err != nil {
		return err
	}
	c, _, err := m.client(ctx, t.ClientID)
	if err != nil {
		return oidc.ErrInvalidGrant().WithDescription("client removed")
	}
	if u == nil {
		return oidc.ErrInvalidGrant().WithDescription("user deactivated")
	}
	groups, err := m.groupsOf(ctx, u)
	if err != nil {
		return err
	}
	if !c.Admits(u, groupIDs(groups)) {
		return oidc.ErrInvalidGrant().WithDescription("user no longer admitted by the client")
	}
	return nil
}

// TerminateSession: the user logged out of the client (end_session).
func (s *storage) TerminateSession(ctx context.Context, subject, client string) error {
	user, _, err := s.m.db.FindOIDCSubjectUser(ctx, subject)
	if err != nil {
		return orUnknown(err)
	}
	return s.m.db.RevokeOIDCTokensOf(ctx, user, client)
}

// RevokeToken revokes an access token (by id) or a refresh token (and
// with it the grant's tokens) of the client that asks.
func (s *storage) RevokeToken(ctx context.Context, tokenOrID, subject, client string) *oidc.Error {
	var t *schulhof.OIDCToken
	var err error
	if subject != "" {
		t, err = s.m.db.FindOIDCToken(ctx, tokenOrID)
	} else {
		t, err = s.m.db.FindOIDCTokenByRefresh(ctx, hashOf(tokenOrID))
	}
	if schulhof.Match(err, schulhof.ENotFound) {
		return nil // RFC 7009: an unknown token is no error
	} else if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if t.ClientID != client {
		return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
	}
	if subject != "" {
		err = s.m.db.RevokeOIDCToken(ctx, t.ID)
	} else {
		err = s.m.db.RevokeOIDCGrant(ctx, t.GrantID)
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, client, refresh string) (string, string, error) {
	t, err := s.m.db.FindOIDCTokenByRefresh(ctx, hashOf(refresh))
	if err != nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.Subject, t.ID, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	return s.m.keys.signing(ctx)
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) { return s.m.keys.published(ctx) }

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, _, err := s.m.client(ctx, id)
	if err != nil {
		return nil, err
	}
	return &client{c}, nil
}

// AuthorizeClientIDSecret checks a confidential client's secret by its
// SHA-256 (the secret is 256 random bits: no password hashing needed).
func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, hash, err := s.m.client(ctx, id)
	if err != nil {
		return err
	}
	if c.Public || len(hash) == 0 || subtle.ConstantTimeCompare(hash, hashOf(secret)) != 1 {
		return errors.New("wrong client secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var school schulhof.SchoolID
	var user schulhof.UserID
	var clientID string
	switch r := req.(type) {
	case authRequest:
		school, user, clientID = r.SchoolID, r.UserID, r.ClientID
	case *refreshRequest:
		school, user, clientID = r.t.SchoolID, r.t.UserID, r.t.ClientID
	default:
		return errUnknown
	}
	return s.m.fillClaims(ctx, info, req.GetSubject(), school, user, clientID, scopes)
}

// SetUserinfoFromToken answers userinfo for an access token that still
// holds, of a user still active.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.m.liveToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	return s.m.fillClaims(ctx, info, t.Subject, t.SchoolID, t.UserID, t.ClientID, t.Scopes)
}

// liveToken is an access token that holds: known, not expired, of this
// subject, its user active.
func (m *Module) liveToken(ctx context.Context, id, subject string) (*schulhof.OIDCToken, error) {
	t, err := m.db.FindOIDCToken(ctx, id)
	if err != nil {
		return nil, orUnknown(err)
	}
	if t.Subject != subject || m.Now().After(t.ExpiresAt) {
		return nil, errUnknown
	}
	u, err := m.user(ctx, t.SchoolID, t.UserID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, errUnknown
	}
	return t, nil
}

// SetIntrospectionFromToken answers a client's introspection of a token
// it was given.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.m.liveToken(ctx, tokenID, subject)
	if err != nil {
		return err
	}
	if t.ClientID != clientID {
		return errUnknown
	}
	info := new(oidc.UserInfo)
	if err := s.m.fillClaims(ctx, info, t.Subject, t.SchoolID, t.UserID, t.ClientID, t.Scopes); err != nil {
		return err
	}
	resp.SetUserInfo(info)
	resp.Scope = t.Scopes
	resp.ClientID = t.ClientID
	resp.Expiration = oidc.FromTime(t.ExpiresAt)
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile is not supported")
}

func (s *storage) Health(ctx context.Context) error { return s.m.db.Ping(ctx) }

// orUnknown maps a store's ENotFound to errUnknown.
func orUnknown(err error) error { return orErr(err, errUnknown) }

func orErr(err, unknown error) error {
	if schulhof.Match(err, schulhof.ENotFound) {
		return unknown
	}
	return err
}

// authRequest is a login under way as the library sees it.
type authRequest struct{ *schulhof.OIDCAuthRequest }

func (a authRequest) GetID() string         { return a.ID }
func (a authRequest) GetACR() string        { return "" }
func (a authRequest) GetAMR() []string      { return a.AMR }
func (a authRequest) GetAudience() []string { return []string{a.ClientID} }
func (a authRequest) GetAuthTime() time.Time {
	return a.AuthTime
}
func (a authRequest) GetClientID() string { return a.ClientID }
func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeMethod)}
}
func (a authRequest) GetNonce() string       { return a.Nonce }
func (a authRequest) GetRedirectURI() string { return a.RedirectURI }
func (a authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.ResponseType)
}
func (a authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.ResponseMode)
}
func (a authRequest) GetScopes() []string { return a.Scopes }
func (a authRequest) GetState() string    { return a.State }
func (a authRequest) GetSubject() string  { return a.Subject }
func (a authRequest) Done() bool          { return a.OIDCAuthRequest.Done }

// refreshRequest is a refresh token's grant as the library sees it.
type refreshRequest struct {
	t      *schulhof.OIDCToken
	scopes []string
}

func (r *refreshRequest) GetAMR() []string            { return r.t.AMR }
func (r *refreshRequest) GetAudience() []string       { return []string{r.t.ClientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.t.AuthTime }
func (r *refreshRequest) GetClientID() string         { return r.t.ClientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.t.Subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// client is a registered client as the library sees it.
type client struct{ c *schulhof.OIDCClient }

func (c *client) GetID() string                    { return c.c.ID }
func (c *client) RedirectURIs() []string           { return c.c.RedirectURIs }
func (c *client) PostLogoutRedirectURIs() []string { return c.c.PostLogoutURIs }

// ApplicationType: a public client is an app in the browser (or on the
// iPad); its redirect addresses are compared exactly like a server's.
func (c *client) ApplicationType() op.ApplicationType {
	if c.c.Public {
		return op.ApplicationTypeUserAgent
	}
	return op.ApplicationTypeWeb
}

func (c *client) AuthMethod() oidc.AuthMethod {
	if c.c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c *client) LoginURL(id string) string           { return loginPath(id) }
func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return IDTokenFor }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) IsScopeAllowed(s string) bool { return slices.Contains(Scopes, s) }

// IDTokenUserinfoClaimsAssertion: the ID token carries the claims the
// scopes ask for too, for clients that read only it.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }

// DevMode allows http redirects, which Validate admits only to loopback
// (a tool on the admin's own computer).
func (c *client) DevMode() bool {
	for _, u := range c.c.RedirectURIs {
		if strings.HasPrefix(u, "http://") {
			return true
		}
	}
	return false
}
