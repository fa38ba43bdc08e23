package kit

import (
	"cmp"
	"context"
	"net/http"
	"slices"

	"github.com/schulhof/schulhof"
)

// A school's settings page (the page "settings") has a section per
// module that has settings: each module adds what its section shows,
// under keys of its own in the page's Data, and the part of the
// template (define "...") that shows it. Each section's form posts to
// its module, which on an error shows the whole page again
// (RenderSettings).

// SettingsSection is a module's section of the settings page.
type SettingsSection struct {
	// Order places it on the page, smaller first.
	Order int
	// Part is the template part that shows it; empty for what only adds
	// data (the school's own section is the page itself).
	Part string
	// Fill adds the section's keys to the page's Data; nil for a part
	// that shows what another section of the module filled.
	Fill func(ctx context.Context, sc *schulhof.School, data map[string]any)
}

// AddSettings adds a module's section of the settings page.
func (d *Deps) AddSettings(s SettingsSection) {
	d.registryMu.Lock()
	defer d.registryMu.Unlock()
	d.settings = append(d.settings, s)
	slices.SortStableFunc(d.settings, func(a, b SettingsSection) int { return cmp.Compare(a.Order, b.Order) })
}

// SettingsData is the settings page's Data: every section's, and under
// "Sections" the parts that show them, in order.
func (d *Deps) SettingsData(ctx context.Context, sc *schulhof.School) map[string]any {
	d.registryMu.Lock()
	sections := d.settings
	d.registryMu.Unlock()
	data := map[string]any{}
	var parts []string
	for _, s := range sections {
		if s.Fill != nil {
			s.Fill(ctx, sc, data)
		}
		if s.Part != "" {
			parts = append(parts, s.Part)
		}
	}
	data["Sections"] = parts
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
