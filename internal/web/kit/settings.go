package kit

import (
	"context"
	"net/http"

	"github.com/schulhof/schulhof"
)

// A school's settings page (the page "settings") has a section per
// module that has settings: each module adds what its section shows,
// under keys of its own in the page's Data, and defines the section in a
// template part of its own. Each section's form posts to its module,
// which on an error shows the whole page again (RenderSettings).

// SettingsSection fills a module's keys of the settings page's Data.
type SettingsSection func(ctx context.Context, sc *schulhof.School, data map[string]any)

// AddSettings adds a module's section of the settings page.
func (d *Deps) AddSettings(f SettingsSection) {
	d.settingsMu.Lock()
	defer d.settingsMu.Unlock()
	d.settings = append(d.settings, f)
}

// SettingsData is the settings page's Data: every section's.
func (d *Deps) SettingsData(ctx context.Context, sc *schulhof.School) map[string]any {
	d.settingsMu.Lock()
	sections := d.settings
	d.settingsMu.Unlock()
	data := map[string]any{}
	for _, f := range sections {
		f(ctx, sc, data)
	}
	return data
}

// RenderSettings shows the settings page with v (its error, the form as
// sent) and every section's data.
func (d *Deps) RenderSettings(w http.ResponseWriter, r *http.Request, status int, sc *schulhof.School, v *View) {
	v.Data = d.SettingsData(r.Context(), sc)
	d.Render(w, r, status, "settings", v)
}

// SettingsSchool is the school of the path, if the user may change its
// settings.
func (d *Deps) SettingsSchool(r *http.Request) (*schulhof.School, error) {
	sc, err := d.SchoolFromPath(r)
	if err == nil && !schulhof.CanManageSchool(AuthOf(r).User, sc.ID) {
		err = schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return sc, err
}

// ManagedSchool is the school of the path, if the user may manage its
// users and groups.
func (d *Deps) ManagedSchool(r *http.Request) (*schulhof.School, error) {
	sc, err := d.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	if !schulhof.CanManageUsers(AuthOf(r).User, sc.ID) {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return sc, nil
}
