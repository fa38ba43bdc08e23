package login

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// A user's data, all of it, as one ZIP (DSGVO Art. 15 and 20): every
// module writes its part (kit.AddExportPart); this one the account.

// account is the account's part of the export.
type account struct {
	User         *schulhof.User          `json:"user"`
	Groups       []exportGroup           `json:"groups"`
	Children     []string                `json:"children,omitempty"`
	Sessions     []exportSession         `json:"sessions"`
	AppPasswords []*schulhof.AppPassword `json:"app_passwords"`
}

type exportGroup struct {
	Name string             `json:"name"`
	Kind schulhof.GroupKind `json:"kind"`
}

type exportSession struct {
	Since     time.Time `json:"since"`
	LastSeen  time.Time `json:"last_seen"`
	Until     time.Time `json:"until"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
}

func (s *Module) exportAccount(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	a := account{User: u, Groups: []exportGroup{}, Sessions: []exportSession{}}
	if u.SchoolID != 0 {
		groups, err := s.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: u.SchoolID, UserID: u.ID})
		if err != nil {
			return err
		}
		for _, g := range groups {
			a.Groups = append(a.Groups, exportGroup{Name: g.Name, Kind: g.Kind})
		}
		if u.Role == schulhof.RoleParent {
			kids, err := s.db.FindChildren(ctx, u.SchoolID, u.ID)
			if err != nil {
				return err
			}
			for _, k := range kids {
				a.Children = append(a.Children, strings.TrimSpace(k.Name()+" "+k.Class))
			}
		}
	}
	sessions, err := s.db.FindSessionsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, ss := range sessions {
		a.Sessions = append(a.Sessions, exportSession{Since: ss.CreatedAt, LastSeen: ss.LastSeenAt, Until: ss.ExpiresAt, IP: ss.IP, UserAgent: ss.UserAgent})
	}
	if a.AppPasswords, err = s.db.FindAppPasswords(ctx, u.ID); err != nil {
		return err
	}
	return x.JSON("konto.json", a)
}

// apiExport: GET /api/v1/me/export, the user's data as a ZIP.
func (s *Module) apiExport(w http.ResponseWriter, r *http.Request) {
	u := kit.AuthOf(r).User
	// the user as stored, with every field (the list forms leave some out)
	full, err := s.db.FindUserByID(r.Context(), u.SchoolID, u.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="schulhof-`+full.Login+`-`+s.Now().In(kit.Berlin).Format("2006-01-02")+`.zip"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := s.WriteExport(r.Context(), full, kit.Info(r).Lang, w); err != nil {
		// the ZIP is cut off: the browser shows the download as failed
		kit.Info(r).Log().Error("export", "err", err)
	}
}
