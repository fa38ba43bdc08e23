package schulhof

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Single sign-on: Schulhof is the school's OpenID Connect provider. Other
// services (a learning platform, a maths app, the city's library) are its
// clients; a school's admin registers them for the school, the operator
// for the whole installation.

// OIDCClient is a service registered to log its users in through
// Schulhof.
type OIDCClient struct {
	// ID is the client_id, made at registration ("sh-" and 20 random
	// letters and digits).
	ID string `json:"id"`
	// SchoolID is the school whose users may log in; 0 for a client of
	// the whole installation (the operator's), open to every school.
	SchoolID SchoolID `json:"school_id,omitempty"`
	Name     string   `json:"name"`
	// RedirectURIs are where the client may be sent back, compared
	// exactly (https, or http to this computer for apps in development).
	RedirectURIs []string `json:"redirect_uris"`
	// PostLogoutURIs are where it may be sent after logging out.
	PostLogoutURIs []string `json:"post_logout_redirect_uris"`
	// Public clients (apps in the browser or on the iPad) keep no secret
	// and must prove the login with PKCE (S256); confidential ones
	// (servers) have a secret.
	Public bool `json:"public"`
	// Roles may use it; none: every role.
	Roles []Role `json:"roles"`
	// Groups: only members of one of these may use it (their school's
	// classes, courses, ...), and the groups claim names only these;
	// none: no limit by group, and the claim names all of the user's.
	Groups []GroupID `json:"groups"`
	// Consent: the user is asked once what the client gets; a client the
	// school trusts skips it.
	Consent   bool      `json:"consent"`
	CreatedAt time.Time `json:"created_at"`
}

// OIDCClientLimits cap what a registration holds.
const (
	OIDCMaxRedirects = 10
	OIDCMaxURI       = 500
)

// Normalize trims what admins type loosely.
func (c *OIDCClient) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	clean := func(uris []string) []string {
		var out []string
		for _, u := range uris {
			if u = strings.TrimSpace(u); u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
		return out
	}
	c.RedirectURIs, c.PostLogoutURIs = clean(c.RedirectURIs), clean(c.PostLogoutURIs)
	slices.Sort(c.Roles)
	c.Roles = slices.Compact(c.Roles)
	slices.Sort(c.Groups)
	c.Groups = slices.Compact(c.Groups)
}

// Validate checks a registration: a name, one redirect address at least,
// every address absolute, without fragment, https or http to loopback.
func (c *OIDCClient) Validate() error {
	var v Validation
	if c.Name == "" {
		v.Add("name", "oidc.name.required")
	} else if utf8.RuneCountInString(c.Name) > 100 {
		v.Add("name", "field.too_long", 100)
	}
	if len(c.RedirectURIs) == 0 {
		v.Add("redirect_uris", "oidc.redirect.required")
	}
	for field, uris := range map[string][]string{"redirect_uris": c.RedirectURIs, "post_logout_redirect_uris": c.PostLogoutURIs} {
		if len(uris) > OIDCMaxRedirects {
			v.Add(field, "oidc.redirect.too_many", OIDCMaxRedirects)
			continue
		}
		for _, u := range uris {
			if !ValidRedirectURI(u) {
				v.Add(field, "oidc.redirect.invalid", u)
				break
			}
		}
	}
	for _, r := range c.Roles {
		if !slices.Contains(Roles, r) {
			v.Add("roles", "oidc.roles.invalid")
			break
		}
	}
	if c.SchoolID == 0 && len(c.Groups) > 0 {
		v.Add("groups", "oidc.groups.installation")
	}
	return v.Err()
}

// ValidRedirectURI: absolute, no fragment, no user in it, at most
// OIDCMaxURI long; https, or http to loopback (a tool on the admin's
// own computer).
func ValidRedirectURI(s string) bool {
	u, err := url.Parse(s)
	if err != nil || len(s) > OIDCMaxURI || u.Fragment != "" || u.User != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		return h == "localhost" || h == "::1" || strings.HasPrefix(h, "127.")
	}
	return false
}

// Admits says whether the user may log in to the client: a user of its
// school (any school's for the installation's), of a role it allows,
// a member of one of its groups where it names some.
func (c *OIDCClient) Admits(u *User, groups []GroupID) bool {
	if u == nil || !u.Active || u.SchoolID == 0 || (c.SchoolID != 0 && u.SchoolID != c.SchoolID) {
		return false
	}
	if len(c.Roles) > 0 && !slices.Contains(c.Roles, u.Role) {
		return false
	}
	if len(c.Groups) == 0 {
		return true
	}
	for _, g := range groups {
		if slices.Contains(c.Groups, g) {
			return true
		}
	}
	return false
}

// OIDCAuthRequest is one login of a client's user under way: made when
// the client sends the browser to the authorization endpoint, done when
// the user has logged in (and agreed), exchanged once for tokens by the
// code it gave.
type OIDCAuthRequest struct {
	ID            string
	ClientID      string
	RedirectURI   string
	Scopes        []string
	State         string
	Nonce         string
	ResponseType  string
	ResponseMode  string
	CodeChallenge string
	CodeMethod    string
	// Prompt is what the client asked of the login ("none", "login",
	// "consent"), space-separated.
	Prompt string
	// MaxAge is the oldest login (seconds) the client accepts; -1: any.
	MaxAge    int64
	CreatedAt time.Time
	// filled when the user has logged in
	UserID   UserID
	SchoolID SchoolID
	Subject  string
	AuthTime time.Time
	AMR      []string
	Done     bool
	// CodeAt is when the code was given; Used, that it was exchanged.
	CodeAt time.Time
	Used   bool
}

// OIDCToken is what a grant gave: an access token (by id) and perhaps
// a refresh token (by its hash). Refreshing makes the next token of the
// same grant and marks this one's refresh token rotated; a rotated one
// that comes again was stolen, and the whole grant is revoked.
type OIDCToken struct {
	ID       string
	GrantID  string // the login it came from
	ClientID string
	UserID   UserID
	SchoolID SchoolID
	Subject  string
	Scopes   []string
	AuthTime time.Time
	AMR      []string
	// ExpiresAt ends the access token.
	ExpiresAt time.Time
	// RefreshExpiresAt ends the refresh token; zero: none.
	RefreshExpiresAt time.Time
	Rotated          bool
}

// OIDCKey is a key the provider signs ID tokens with (RS256). The newest
// signs; an older one stays published until its last token expired.
type OIDCKey struct {
	ID string
	// PrivateKey is PKCS #8 DER.
	PrivateKey   []byte
	CreatedAt    time.Time
	PublishUntil time.Time // zero while it signs
}

// CanManageSignOn: register, change and remove the clients of a school
// (its admins), or of the installation (the operator, school 0).
func CanManageSignOn(a *User, school SchoolID) bool {
	if school == 0 {
		return CanManageSchools(a)
	}
	return CanManageUsers(a, school)
}

// HasRole and HasGroup are for the registration form.
func (c *OIDCClient) HasRole(r Role) bool { return slices.Contains(c.Roles, r) }

func (c *OIDCClient) HasGroup(g GroupID) bool { return slices.Contains(c.Groups, g) }

// OIDCConsent is what a user agreed to give a client, and when.
type OIDCConsent struct {
	ClientID   string    `json:"client_id"`
	ClientName string    `json:"client"`
	Scopes     []string  `json:"scopes"`
	GrantedAt  time.Time `json:"granted_at"`
}
