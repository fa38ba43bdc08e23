package devices

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/devicepdf"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Loans: lend a device to a student or teacher, take it back with its
// condition, the agreement to sign, the histories.

type lendInput struct {
	User  schulhof.UserID `json:"user"`
	Start schulhof.Day    `json:"start"`
	Until schulhof.Day    `json:"until"`
}

// endOfSchoolYear is the usual planned return: the 15th of July of the
// school year the day is in.
func endOfSchoolYear(today time.Time) schulhof.Day {
	y := today.Year()
	if today.Month() > time.July || (today.Month() == time.July && today.Day() > 15) {
		y++
	}
	return schulhof.Day(strconv.Itoa(y) + "-07-15")
}

// lend starts a loan of the path's device; the start is today unless
// given, the planned return the end of the school year.
func (m *Module) lend(r *http.Request, u *schulhof.User, sc *schulhof.School, in lendInput) (*schulhof.Loan, error) {
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	if in.Start == "" {
		in.Start = schulhof.DayOf(m.Today())
	}
	if in.Until == "" {
		in.Until = endOfSchoolYear(m.Today())
	}
	l := &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: in.User, Start: in.Start, Until: in.Until}
	if err := m.db.LendDevice(r.Context(), u, l); err != nil {
		return nil, err
	}
	return l, nil
}

// apiLend: POST /api/v1/schools/{school}/devices/{device}/loans {"user",
// "until", "start"}.
func (m *Module) apiLend(r *http.Request) (any, error) {
	u, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	var in lendInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	l, err := m.lend(r, u, sc, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(l), nil
}

// loginInName finds the login in "Name (login)", as the form's list
// offers people.
var loginInName = regexp.MustCompile(`\(([^()\s]+)\)\s*$`)

// lendFromForm: POST /s/{school}/devices/{device}/lend (borrower, until):
// the borrower by login, or as the list offers them.
func (m *Module) lendFromForm(w http.ResponseWriter, r *http.Request) {
	u, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	in := lendInput{Start: kit.ParseGermanDay(r.PostFormValue("start")), Until: kit.ParseGermanDay(r.PostFormValue("until"))}
	who := strings.TrimSpace(r.PostFormValue("borrower"))
	if sub := loginInName.FindStringSubmatch(who); sub != nil {
		who = sub[1]
	}
	var l *schulhof.Loan
	borrower, err := m.db.FindUserByLogin(r.Context(), sc.ID, who)
	if err != nil || who == "" {
		err = schulhof.Invalid("borrower", "loan.borrower.unknown")
	} else {
		in.User = borrower.ID
		l, err = m.lend(r, u, sc, in)
		if schulhof.Match(err, schulhof.EInvalid) {
			// the store names the field "user"; the form calls it borrower
			if e := kit.DomainError(err); len(e.Fields) > 0 && e.Fields[0].Field == "user" {
				e.Fields[0].Field = "borrower"
			}
		}
	}
	if err != nil {
		m.showDeviceAgain(w, r, sc, err, func(v *kit.View) {
			v.Form["borrower"], v.Form["until"] = r.PostFormValue("borrower"), r.PostFormValue("until")
		})
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+strconv.FormatInt(int64(l.DeviceID), 10)+"?flash=device_lent", http.StatusSeeOther)
}

type returnInput struct {
	Condition schulhof.DeviceCondition `json:"condition"`
	Note      string                   `json:"note"`
}

// loanIDOf is the path's {loan}.
func loanIDOf(r *http.Request) (schulhof.LoanID, error) {
	n, err := strconv.ParseInt(r.PathValue("loan"), 10, 64)
	if err != nil {
		return 0, schulhof.Errorf(schulhof.ENotFound, "loan.not_found")
	}
	return schulhof.LoanID(n), nil
}

// apiReturn: POST /api/v1/schools/{school}/loans/{loan}/return
// {"condition": "good"|"worn"|"damaged", "note"}.
func (m *Module) apiReturn(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	id, err := loanIDOf(r)
	if err != nil {
		return nil, err
	}
	var in returnInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	return m.db.ReturnDevice(r.Context(), sc.ID, id, in.Condition, in.Note)
}

// returnFromForm: POST /s/{school}/loans/{loan}/return (condition, note).
func (m *Module) returnFromForm(w http.ResponseWriter, r *http.Request) {
	_, sc, err := m.managed(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	id, err := loanIDOf(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	l, err := m.db.ReturnDevice(r.Context(), sc.ID, id, schulhof.DeviceCondition(r.PostFormValue("condition")), r.PostFormValue("note"))
	if err != nil {
		if loan, ferr := m.db.FindLoan(r.Context(), sc.ID, id); ferr == nil {
			r.SetPathValue("device", strconv.FormatInt(int64(loan.DeviceID), 10))
			m.showDeviceAgain(w, r, sc, err, func(v *kit.View) { v.Form["note"] = r.PostFormValue("note") })
			return
		}
		m.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/devices/"+strconv.FormatInt(int64(l.DeviceID), 10)+"?flash=device_returned", http.StatusSeeOther)
}

// apiDeviceLoans: GET /api/v1/schools/{school}/devices/{device}/loans:
// the device's loans, newest first.
func (m *Module) apiDeviceLoans(r *http.Request) (any, error) {
	_, sc, err := m.managed(r)
	if err != nil {
		return nil, err
	}
	d, err := m.deviceOf(r, sc)
	if err != nil {
		return nil, err
	}
	ls, err := m.db.FindLoans(r.Context(), sc.ID, d.ID, 0)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ls, ""), nil
}

// apiMyLoans: GET /api/v1/schools/{school}/loans?user=ID: a person's
// loans, newest first: one's own and one's children's without user;
// who keeps the devices asks for anyone's.
func (m *Module) apiMyLoans(r *http.Request) (any, error) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	u := kit.AuthOf(r).User
	if q := r.URL.Query().Get("user"); q != "" {
		n, err := strconv.ParseInt(q, 10, 64)
		if err != nil {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "user.not_found")
		}
		who := schulhof.UserID(n)
		if ok, err := m.maySeeLoansOf(r.Context(), u, sc, who); err != nil || !ok {
			if err == nil {
				err = schulhof.Errorf(schulhof.ENotFound, "user.not_found")
			}
			return nil, err
		}
		ls, err := m.db.FindLoans(r.Context(), sc.ID, 0, who)
		if err != nil {
			return nil, err
		}
		return kit.NewList(ls, ""), nil
	}
	ls, err := m.ownLoans(r.Context(), u, sc)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ls, ""), nil
}

// maySeeLoansOf: a person's loans are theirs, their parents' and the
// device managers'.
func (m *Module) maySeeLoansOf(ctx context.Context, u *schulhof.User, sc *schulhof.School, who schulhof.UserID) (bool, error) {
	manager, err := m.isManager(ctx, u, sc.ID)
	if err != nil {
		return false, err
	}
	parent := false
	if u.Role == schulhof.RoleParent {
		if parent, err = m.db.IsParentOf(ctx, u.ID, who); err != nil {
			return false, err
		}
	}
	return schulhof.CanSeeLoan(u, sc.ID, &schulhof.Loan{UserID: who}, manager, parent), nil
}

// ownLoans are the user's loans and their children's.
func (m *Module) ownLoans(ctx context.Context, u *schulhof.User, sc *schulhof.School) ([]*schulhof.Loan, error) {
	if u.SchoolID != sc.ID {
		return []*schulhof.Loan{}, nil
	}
	out, err := m.db.FindLoans(ctx, sc.ID, 0, u.ID)
	if err != nil {
		return nil, err
	}
	if u.Role == schulhof.RoleParent {
		children, err := m.db.FindChildren(ctx, sc.ID, u.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range children {
			ls, err := m.db.FindLoans(ctx, sc.ID, 0, c.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, ls...)
		}
	}
	return out, nil
}

// agreementPDF: GET .../loans/{loan}/agreement.pdf: the loan agreement,
// for who keeps the devices, the borrower and the borrower's parents.
func (m *Module) agreementPDF(w http.ResponseWriter, r *http.Request) {
	sc, err := m.SchoolFromPath(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	id, err := loanIDOf(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	ctx, u := r.Context(), kit.AuthOf(r).User
	l, err := m.db.FindLoan(ctx, sc.ID, id)
	if err == nil {
		var ok bool
		if ok, err = m.maySeeLoansOf(ctx, u, sc, l.UserID); err == nil && !ok {
			err = schulhof.Errorf(schulhof.ENotFound, "loan.not_found")
		}
	}
	var a devicepdf.Agreement
	if err == nil {
		a, err = m.agreementOf(ctx, sc, l)
	}
	var buf bytes.Buffer
	if err == nil {
		err = devicepdf.Agreements(&buf, []devicepdf.Agreement{a})
	}
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="Leihvertrag-`+l.Device.AssetTag+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// agreementOf fills the agreement of a loan: the borrower with class and
// parents, the device, the dates, who lent it.
func (m *Module) agreementOf(ctx context.Context, sc *schulhof.School, l *schulhof.Loan) (devicepdf.Agreement, error) {
	borrower, err := m.db.FindUserByID(ctx, sc.ID, l.UserID)
	if err != nil {
		return devicepdf.Agreement{}, err
	}
	a := devicepdf.Agreement{School: sc.Name, Borrower: borrower.Name(), Class: borrower.Class,
		Device: deviceName(l.Device), Serial: l.Device.Serial, Tag: l.Device.AssetTag,
		Start: kit.GermanDate(l.Start), Until: kit.GermanDate(l.Until)}
	parents, err := m.db.FindParents(ctx, sc.ID, l.UserID)
	if err != nil {
		return a, err
	}
	for _, p := range parents {
		a.Parents = append(a.Parents, p.Name())
	}
	if by, err := m.db.FindUserByID(ctx, sc.ID, l.LentBy); err == nil {
		a.LentBy = by.Name()
	}
	return a, nil
}

// deviceName is the type and model ("iPad 10. Generation"; the model
// alone when it names the type).
func deviceName(d *schulhof.Device) string {
	if d.Type == "other" {
		return d.Model
	}
	t := d.Type
	if key, ok := typeKeys[d.Type]; ok {
		t = i18n.T("de", key) // labels and agreements are printed in German
	}
	if strings.HasPrefix(strings.ToLower(d.Model), strings.ToLower(t)) {
		return d.Model
	}
	return t + " " + d.Model
}
