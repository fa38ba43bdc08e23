package devices

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Stock-takes ("Inventur"): the scan page in its mode "Inventur" scans a
// room's devices (or the whole school's); the stock-take lists what was
// kept there and not seen, and what turned up from elsewhere, and notes
// when the next is due.

type auditInput struct {
	Room    string              `json:"room"`
	Devices []schulhof.DeviceID `json:"devices"`
	NextDue schulhof.Day        `json:"next_due"`
}

// apiRecordAudit: POST /api/v1/schools/{school}/audits {"room",
// "devices", "next_due"}.
func (m *Module) apiRecordAudit(r *http.Request) (any, error) {
	u, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in auditInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	a, err := m.db.RecordAudit(r.Context(), u, sc.ID, in.Room, in.Devices, in.NextDue)
	if err != nil {
		return nil, err
	}
	return kit.Created(a), nil
}

// apiAudits: GET /api/v1/schools/{school}/audits.
func (m *Module) apiAudits(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	as, err := m.db.FindAudits(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(as, ""), nil
}

// auditOf is the path's {audit} of the school.
func (m *Module) auditOf(r *http.Request, sc *schulhof.School) (*schulhof.DeviceAudit, error) {
	n, err := strconv.ParseInt(r.PathValue("audit"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "stocktake.not_found")
	}
	return m.db.FindAudit(r.Context(), sc.ID, schulhof.AuditID(n))
}

// apiAudit: GET /api/v1/schools/{school}/audits/{audit}.
func (m *Module) apiAudit(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	return m.auditOf(r, sc)
}

type auditsPage struct {
	Audits []*schulhof.DeviceAudit
	Audit  *schulhof.DeviceAudit // the one shown
}

// showAuditsPage: GET /s/{school}/audits: the stock-takes.
func (m *Module) showAuditsPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	as, err := m.db.FindAudits(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "stocktake.title")
	v.Data = &auditsPage{Audits: as}
	return v, nil
}

// showAuditPage: GET /s/{school}/audits/{audit}: what a stock-take missed.
func (m *Module) showAuditPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	a, err := m.auditOf(r, sc)
	if err != nil {
		return nil, err
	}
	v := m.SchoolView(r, sc, "stocktake.title")
	v.Data = &auditsPage{Audit: a}
	return v, nil
}
