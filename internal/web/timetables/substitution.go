package timetables

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The substitution plan ("Vertretungsplan"): the whole school's changes of
// a day, for everyone at the school, filterable by class; with the
// admin's day text. And the info screen in the school hall, opened by a
// secret address without login.

// dayPlan is one day's substitutions as a reader may see them.
type dayPlan struct {
	Date  schulhof.Day            `json:"date"`
	Text  string                  `json:"text"`
	Items []schulhof.Substitution `json:"items"`
}

// dayPlanOf is the day's plan of the school; codes says whether teachers'
// codes stay in it; the filters keep a class's, a teacher's, a room's.
func (s *Module) dayPlanOf(r *http.Request, sc *schulhof.School, day schulhof.Day, codes bool, class, teacher, room string) (*dayPlan, error) {
	subs, err := s.db.FindSubstitutions(r.Context(), sc.ID, day, day)
	if err != nil {
		return nil, err
	}
	texts, err := s.db.FindDayTexts(r.Context(), sc.ID, day, day)
	if err != nil {
		return nil, err
	}
	p := &dayPlan{Date: day, Text: texts[day], Items: []schulhof.Substitution{}}
	for _, sub := range subs {
		if class != "" && !hasFold(sub.Classes, class) && !hasFold(sub.NewClasses, class) {
			continue
		}
		if teacher != "" && !strings.EqualFold(sub.Teacher, teacher) && !strings.EqualFold(sub.AbsentTeacher, teacher) {
			continue
		}
		if room != "" && !strings.EqualFold(sub.Room, room) && !strings.EqualFold(sub.NewRoom, room) {
			continue
		}
		if !codes {
			sub.Teacher, sub.AbsentTeacher = "", ""
		}
		p.Items = append(p.Items, sub)
	}
	sort.SliceStable(p.Items, func(i, j int) bool {
		a, b := p.Items[i], p.Items[j]
		if ac, bc := strings.Join(a.Classes, ","), strings.Join(b.Classes, ","); ac != bc {
			return schulhof.NaturalLess(ac, bc)
		}
		return a.Period < b.Period
	})
	return p, nil
}

func hasFold(xs []string, v string) bool {
	for _, x := range xs {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// mayFilterTeachers: staff always; students and parents where the school
// shows teachers' codes.
func mayFilterTeachers(u *schulhof.User, sc *schulhof.School) bool {
	return u.Role >= schulhof.RoleTeacher || sc.ShowTeacherCodes
}

// apiSubstitutions: GET /api/v1/schools/{school}/substitutions?date=&class=&teacher=&room=.
func (s *Module) apiSubstitutions(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	d, err := s.ParseDay(q.Get("date"))
	if err != nil {
		return nil, err
	}
	codes := mayFilterTeachers(kit.AuthOf(r).User, sc)
	if q.Get("teacher") != "" && !codes {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	p, err := s.dayPlanOf(r, sc, schulhof.DayOf(d), codes, q.Get("class"), q.Get("teacher"), q.Get("room"))
	if err != nil {
		return nil, err
	}
	return p, nil
}

type substitutionsPage struct {
	*dayPlan
	SchoolSlug string
	DayName    string
	Prev, Next schulhof.Day // the school days before and after
	Class      string       // the class shown, "" for all
	// ClassQuery keeps the choice of class in the day links: "class=5a",
	// "class=" for all (a student starts on her own), "" for the default.
	ClassQuery template.URL
	Classes    []string
	Codes      bool
	CanEdit    bool
}

// showSubstitutionsPage: GET /s/{school}/substitutions?date=&class=.
func (s *Module) showSubstitutionsPage(r *http.Request) (*kit.View, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	d, err := s.ParseDay(r.URL.Query().Get("date"))
	if err != nil {
		return nil, err
	}
	u := kit.AuthOf(r).User
	q := r.URL.Query()
	class := q.Get("class")
	p := &substitutionsPage{SchoolSlug: sc.Slug, Codes: mayFilterTeachers(u, sc), CanEdit: schulhof.CanManageUsers(u, sc.ID)}
	if q.Has("class") {
		p.ClassQuery = template.URL("class=" + url.QueryEscape(class))
	} else if u.Role == schulhof.RoleStudent { // a student starts on her own class
		mine, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID, Kind: schulhof.GroupClass})
		if err != nil {
			return nil, err
		}
		if len(mine) > 0 {
			class = mine[0].Name
		}
	}
	p.Class = class
	if p.Prev, p.Next, err = s.schoolDaysAround(r.Context(), sc, d); err != nil {
		return nil, err
	}
	if p.dayPlan, err = s.dayPlanOf(r, sc, schulhof.DayOf(d), p.Codes, class, "", ""); err != nil {
		return nil, err
	}
	gs, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, Kind: schulhof.GroupClass})
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		p.Classes = append(p.Classes, g.Name)
	}
	slices.SortFunc(p.Classes, schulhof.NaturalCompare)
	v := s.SchoolView(r, sc, "substitutions.title")
	p.DayName = dayName(v, d)
	v.Data = p
	return v, nil
}

// schoolDaysAround are the school days before and after d: weekends and
// the school's holidays (public and its own) skipped, for "Vortag" and
// "Nächster Tag".
func (s *Module) schoolDaysAround(ctx context.Context, sc *schulhof.School, d time.Time) (schulhof.Day, schulhof.Day, error) {
	const reach = 60 // the longest holidays, and then some
	off, err := s.daysOff(ctx, sc, d.AddDate(0, 0, -reach), 2*reach+1)
	if err != nil {
		return "", "", err
	}
	closed := map[schulhof.Day]bool{}
	for _, o := range off {
		closed[o.Date] = true
	}
	next := func(step int) schulhof.Day {
		for i := 1; i <= reach; i++ {
			t := d.AddDate(0, 0, step*i)
			if t.Weekday() != time.Saturday && t.Weekday() != time.Sunday && !closed[schulhof.DayOf(t)] {
				return schulhof.DayOf(t)
			}
		}
		return schulhof.DayOf(d.AddDate(0, 0, step))
	}
	return next(-1), next(1), nil
}

// dayName writes "Montag, 30.11.2026" in the page's language.
func dayName(v *kit.View, d time.Time) string {
	names := strings.Split(v.T("substitutions.weekdays"), ",")
	return names[(int(d.Weekday())+6)%7] + ", " + d.Format("02.01.2006")
}

// saveDayText: POST /s/{school}/substitutions/day-text (admins).
func (s *Module) saveDayText(r *http.Request) (string, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return "", err
	}
	d, err := s.ParseDay(r.PostFormValue("date"))
	if err == nil {
		err = s.db.SetDayText(r.Context(), sc.ID, schulhof.DayOf(d), r.PostFormValue("text"))
	}
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/substitutions?date=" + string(schulhof.DayOf(d)) + "&flash=saved", nil
}

// renewInfoToken: POST /s/{school}/settings/info-screen gives the info
// screen a new secret address; the old one stops working.
func (s *Module) renewInfoToken(r *http.Request) (string, error) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		return "", err
	}
	if _, err := s.db.InfoToken(r.Context(), sc.ID, true); err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/settings?flash=saved#info-screen", nil
}

type infoPage struct {
	School *schulhof.School
	Days   []infoDay
	Stamp  int64
	Token  string
}

type infoDay struct {
	Name string
	Plan *dayPlan
}

// infoSchool finds the school of an info screen's secret address.
func (s *Module) infoSchool(r *http.Request) (*schulhof.School, error) {
	return s.db.FindSchoolByInfoToken(r.Context(), r.PathValue("token"))
}

// showInfoScreen: GET /info/{token}, no login: today's and tomorrow's
// (the next school day's) substitutions in large type; info.js pages
// through them and reloads when a new export arrives.
func (s *Module) showInfoScreen(w http.ResponseWriter, r *http.Request) {
	sc, err := s.infoSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	today, _ := s.ParseDay("")
	next := today.AddDate(0, 0, 1)
	for next.Weekday() == time.Saturday || next.Weekday() == time.Sunday {
		next = next.AddDate(0, 0, 1)
	}
	v := s.NewView(r, "substitutions.title")
	v.School = sc
	p := &infoPage{School: sc, Token: r.PathValue("token")}
	for _, d := range []time.Time{today, next} {
		plan, err := s.dayPlanOf(r, sc, schulhof.DayOf(d), sc.ShowTeacherCodes, "", "", "")
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.Days = append(p.Days, infoDay{Name: dayName(v, d), Plan: plan})
	}
	if p.Stamp, err = s.db.PlanStamp(r.Context(), sc.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	v.Data = p
	s.Render(w, r, http.StatusOK, "info", v)
}

// infoStamp: GET /info/{token}/stamp, when the plan last changed.
func (s *Module) infoStamp(w http.ResponseWriter, r *http.Request) {
	sc, err := s.infoSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	st, err := s.db.PlanStamp(r.Context(), sc.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(strconv.FormatInt(st, 10)))
}
