package devices

import (
	"bytes"
	"image"
	_ "image/jpeg" // the camera's frames
	_ "image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Scan sessions: many labels one after another, by a hand-held scanner
// (it types the code and Enter) or the camera of an iPad, and then one
// action for all of them: a class brings its iPads back in June, or gets
// them in September. The page keeps the session; the server looks each
// code up, reads codes from camera frames where the browser cannot,
// and lends or takes back all in one go (or none).

// tagOfCode is the asset tag a scanned code holds: the label's address
// (…/s/SCHOOL/d/TAG) or the tag itself, as a scanner types it.
func tagOfCode(code string) string {
	code = strings.TrimSpace(code)
	if i := strings.LastIndex(code, "/d/"); i >= 0 {
		tag := code[i+3:]
		if j := strings.IndexAny(tag, "?#/"); j >= 0 {
			tag = tag[:j]
		}
		if t, err := url.PathUnescape(tag); err == nil {
			tag = t
		}
		return strings.TrimSpace(tag)
	}
	return code
}

type lookupInput struct {
	Code string `json:"code"`
}

// apiLookup: POST /api/v1/schools/{school}/devices/lookup {"code"}: the
// device of a scanned label, with its running loan.
func (m *Module) apiLookup(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in lookupInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	tag := tagOfCode(in.Code)
	if tag == "" {
		return nil, schulhof.Invalid("code", "device.scan.empty")
	}
	return m.db.FindDeviceByTag(r.Context(), sc.ID, tag)
}

// maxFrame bounds a camera frame sent to be read.
const maxFrame = 4 << 20

type decoded struct {
	Code string `json:"code"` // "" when the frame holds none
}

// apiDecode: POST /api/v1/schools/{school}/devices/decode (a JPEG or PNG
// frame of the camera): the QR code in it, for browsers that cannot read
// one themselves (Safari on the iPad has no BarcodeDetector).
func (m *Module) apiDecode(w http.ResponseWriter, r *http.Request) {
	if _, _, err := m.managed(r); err != nil {
		m.Fail(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFrame))
	if err != nil {
		m.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "device.scan.frame_too_large"))
		return
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		m.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "device.scan.not_an_image"))
		return
	}
	kit.WriteJSON(w, http.StatusOK, decoded{Code: readQR(img)})
}

// readQR is the text of the QR code in the picture, "" if none is found.
func readQR(img image.Image) string {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return ""
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return ""
	}
	return res.GetText()
}

// batchLend is many loans at once, all until the same day.
type batchLend struct {
	Until schulhof.Day `json:"until"`
	Loans []struct {
		Device schulhof.DeviceID `json:"device"`
		User   schulhof.UserID   `json:"user"`
	} `json:"loans"`
}

// apiLendAll: POST /api/v1/schools/{school}/loans {"until", "loans":
// [{"device", "user"}]}: all lent, or none.
func (m *Module) apiLendAll(r *http.Request) (any, error) {
	u, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in batchLend
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if len(in.Loans) == 0 {
		return nil, schulhof.Invalid("loans", "device.scan.nothing")
	}
	if in.Until == "" {
		in.Until = endOfSchoolYear(m.Today())
	}
	loans := make([]*schulhof.Loan, len(in.Loans))
	for i, l := range in.Loans {
		loans[i] = &schulhof.Loan{SchoolID: sc.ID, DeviceID: l.Device, UserID: l.User, Start: schulhof.DayOf(m.Today()), Until: in.Until}
	}
	if err := m.db.LendDevices(r.Context(), u, loans); err != nil {
		return nil, err
	}
	return kit.Created(kit.NewList(loans, "")), nil
}

type batchReturn struct {
	Returns []schulhof.DeviceReturn `json:"returns"`
}

// apiReturnAll: POST /api/v1/schools/{school}/returns {"returns":
// [{"loan", "condition", "note"}]}: all back, or none.
func (m *Module) apiReturnAll(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in batchReturn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if len(in.Returns) == 0 {
		return nil, schulhof.Invalid("returns", "device.scan.nothing")
	}
	ls, err := m.db.ReturnDevices(r.Context(), sc.ID, in.Returns)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ls, ""), nil
}

// scanPage is the scan session's page: the classes to choose from, and
// the chosen class's students with the device each has now, for the
// list of what is missing.
type scanPage struct {
	Classes []*schulhof.Group
	Rooms   []string // where devices are kept, for a stock-take
	NextDue string   // a year from today, the next stock-take's default
	Class   schulhof.GroupID
	Until   string
	// Roster is the class for the page's script: [{"user", "name",
	// "login", "device", "tag", "loan"}].
	Roster []rosterEntry
}

type rosterEntry struct {
	User  schulhof.UserID   `json:"user"`
	Name  string            `json:"name"`
	Login string            `json:"login"`
	Tag   string            `json:"tag,omitempty"` // the device lent to them now
	Loan  schulhof.LoanID   `json:"loan,omitempty"`
	Dev   schulhof.DeviceID `json:"device,omitempty"`
}

// showScanPage: GET /s/{school}/devices/scan?class=ID.
func (m *Module) showScanPage(r *http.Request) (*kit.View, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	p := &scanPage{Until: string(endOfSchoolYear(m.Today())), Roster: []rosterEntry{}}
	if p.Classes, err = m.db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupClass}); err != nil {
		return nil, err
	}
	schulhof.SortGroups(p.Classes)
	if p.Rooms, err = m.db.FindDeviceRooms(ctx, sc.ID); err != nil {
		return nil, err
	}
	p.NextDue = string(schulhof.DayOf(m.Today().AddDate(1, 0, 0)))
	if n, perr := strconv.ParseInt(r.URL.Query().Get("class"), 10, 64); perr == nil {
		members, err := m.db.FindMembers(ctx, sc.ID, schulhof.GroupID(n))
		if err != nil {
			return nil, err
		}
		p.Class = schulhof.GroupID(n)
		for _, mb := range members {
			if mb.User.Role != schulhof.RoleStudent || !mb.User.Active {
				continue
			}
			e := rosterEntry{User: mb.User.ID, Name: mb.User.Name(), Login: mb.User.Login}
			ls, err := m.db.FindLoans(ctx, sc.ID, 0, mb.User.ID)
			if err != nil {
				return nil, err
			}
			for _, l := range ls {
				if l.ReturnedAt == nil {
					e.Tag, e.Loan, e.Dev = l.Device.AssetTag, l.ID, l.DeviceID
					break
				}
			}
			p.Roster = append(p.Roster, e)
		}
	}
	v := m.SchoolView(r, sc, "device.scan")
	v.Data = p
	return v, nil
}
