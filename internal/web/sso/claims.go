package sso

import (
	"context"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/text/language"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The claims: OpenID Connect's for "profile" and "email", Schulhof's own
// for "school" (the school's slug and name, the user's role) and
// "groups" (the names of the user's groups the client may see, and the
// class of a student).

// schoolClaim is the claim "school".
type schoolClaim struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// fillClaims writes the claims of the scopes about the user to info.
func (m *Module) fillClaims(ctx context.Context, info *oidc.UserInfo, subject string, school schulhof.SchoolID, id schulhof.UserID,
	clientID string, scopes []string) error {
	info.Subject = subject
	u, err := m.user(ctx, school, id)
	if err != nil {
		return err
	}
	if u == nil {
		return errUnknown
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.Name, info.GivenName, info.FamilyName = u.Name(), u.FirstName, u.LastName
		info.PreferredUsername = u.Login
		if u.Language != "" {
			info.Locale = oidc.NewLocale(language.Make(u.Language))
		}
	}
	if slices.Contains(scopes, oidc.ScopeEmail) && u.Email != "" {
		// the school office typed it; nobody confirmed it by mail
		info.Email, info.EmailVerified = u.Email, false
	}
	if slices.Contains(scopes, ScopeSchool) {
		sc, err := m.School(ctx, u.SchoolID)
		if err != nil {
			return err
		}
		info.AppendClaims("school", schoolClaim{Slug: sc.Slug, Name: sc.Name})
		info.AppendClaims("role", u.Role.String())
	}
	if slices.Contains(scopes, ScopeGroups) {
		c, _, err := m.client(ctx, clientID)
		if err != nil {
			return err
		}
		groups, err := m.groupsOf(ctx, u)
		if err != nil {
			return err
		}
		names := []string{}
		for _, g := range groups {
			if len(c.Groups) > 0 && !slices.Contains(c.Groups, g.ID) {
				continue
			}
			names = append(names, g.Name)
			if g.Kind == schulhof.GroupClass && u.Role == schulhof.RoleStudent {
				info.AppendClaims("class", g.Name)
			}
		}
		info.AppendClaims("groups", names)
	}
	return nil
}

// groupsOf are the user's groups.
func (m *Module) groupsOf(ctx context.Context, u *schulhof.User) ([]*schulhof.Group, error) {
	return m.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: u.SchoolID, UserID: u.ID})
}

func groupIDs(gs []*schulhof.Group) []schulhof.GroupID {
	out := make([]schulhof.GroupID, len(gs))
	for i, g := range gs {
		out[i] = g.ID
	}
	return out
}

// exportConsents writes to the user's export which services they
// agreed to give what, and the identifier services know them by.
func (m *Module) exportConsents(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	consents, err := m.db.FindOIDCConsents(ctx, u.ID)
	if err != nil {
		return err
	}
	if consents == nil {
		consents = []*schulhof.OIDCConsent{}
	}
	return x.JSON("zustimmungen.json", consents)
}
