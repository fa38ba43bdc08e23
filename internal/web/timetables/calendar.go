package timetables

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/ical"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Every user's private iCalendar feed: their lessons of the next weeks
// with the substitutions applied, to subscribe to on the iPad. The
// address holds a secret token; a new one ends the old address.

// feedWeeks is how far ahead the feed reaches, from this week's Monday.
const feedWeeks = 4

func (s *Module) FeedURL(r *http.Request, tok string) string {
	return s.BaseURL(r) + "/ical/" + tok + ".ics"
}

// apiCalendarFeed: GET /api/v1/me/calendar-feed -> {"url"}; POST makes a
// new address and ends the old one.
func (s *Module) apiCalendarFeed(r *http.Request) (any, error) {
	u := kit.AuthOf(r).User
	if u.SchoolID == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "timetable.no_school")
	}
	if r.Method == http.MethodPost {
		if old, err := s.db.CalendarToken(r.Context(), u.ID, false); err == nil {
			s.forgetFeed(old)
		}
	}
	tok, err := s.db.CalendarToken(r.Context(), u.ID, r.Method == http.MethodPost)
	if err != nil {
		return nil, err
	}
	return map[string]string{"url": s.FeedURL(r, tok)}, nil
}

// renewCalendarFeed: POST /profile/calendar-feed.
func (s *Module) renewCalendarFeed(r *http.Request) (string, error) {
	if old, err := s.db.CalendarToken(r.Context(), kit.AuthOf(r).User.ID, false); err == nil {
		s.forgetFeed(old)
	}
	if _, err := s.db.CalendarToken(r.Context(), kit.AuthOf(r).User.ID, true); err != nil {
		return "", err
	}
	return "/profile?flash=saved#calendar", nil
}

// cachedFeed is a feed as it was made. Each is kept for a minute:
// calendar apps poll (and many devices of a school at the same hour),
// the feed says it changes at most hourly, and a poll answered from the
// cache costs a map lookup. Renewing an address drops its entry on this
// node; another node serves the old address for at most feedTTL.
type cachedFeed struct {
	etag string
	body []byte
}

const feedTTL = time.Minute

// serveCalendarFeed: GET /ical/{file} ("TOKEN.ics"), no login.
func (s *Module) serveCalendarFeed(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimSuffix(r.PathValue("file"), ".ics")
	c, err := s.feeds.Get(tok, func() (*cachedFeed, error) {
		body, err := s.makeFeed(r, tok)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		return &cachedFeed{etag: `"` + hex.EncodeToString(sum[:16]) + `"`, body: body}, nil
	})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("ETag", c.etag)
	h.Set("Cache-Control", "private, max-age=900")
	h.Set("Referrer-Policy", "no-referrer")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, c.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="stundenplan.ics"`)
	w.Write(c.body)
}

// forgetFeed drops the cached feeds of a user's old address.
func (s *Module) forgetFeed(tok string) { s.feeds.Forget(tok) }

// makeFeed builds the feed of the address's user.
func (s *Module) makeFeed(r *http.Request, tok string) ([]byte, error) {
	u, err := s.db.FindUserByCalendarToken(r.Context(), tok)
	if err != nil {
		return nil, err
	}
	sc, err := s.School(r.Context(), u.SchoolID)
	if err != nil {
		return nil, err
	}
	monday := s.ThisMonday()
	codes := u.Role >= schulhof.RoleTeacher || sc.ShowTeacherCodes
	lessons, off, err := s.lessonsOf(r.Context(), sc, u, codes, monday, 7*feedWeeks)
	if err != nil {
		return nil, err
	}
	lang := u.Language
	if lang == "" {
		lang = kit.Info(r).Lang
	}
	cal := &ical.Calendar{Name: u.Name() + " · " + sc.Name, Refresh: time.Hour, Stamp: monday}
	for _, l := range lessons {
		if l.PlannedExam == 0 { // the planned exam is one event of its own below
			cal.Events = append(cal.Events, lessonEvent(sc, lang, l))
		}
	}
	exams, err := s.exams.CalendarEvents(r.Context(), u, sc, lang, 7*feedWeeks)
	if err != nil {
		return nil, err
	}
	cal.Events = append(cal.Events, exams...)
	for _, h := range off {
		d, _ := time.Parse("2006-01-02", string(h.Date))
		cal.Events = append(cal.Events, ical.Event{UID: sc.Slug + "-frei-" + string(h.Date) + "@schulhof", Start: d, End: d.AddDate(0, 0, 1),
			Summary: h.Name, AllDay: true})
	}
	return cal.Bytes(), nil
}

// lessonEvent is a lesson as a calendar event; its UID stays the same
// across feeds (school, date, period, lesson), so calendars update it.
func lessonEvent(sc *schulhof.School, lang string, l timetable.Lesson) ical.Event {
	start, _ := time.ParseInLocation("2006-01-02 15:04", string(l.Date)+" "+l.Start, kit.Berlin)
	end, _ := time.ParseInLocation("2006-01-02 15:04", string(l.Date)+" "+l.End, kit.Berlin)
	summary := l.Subject
	if l.Group != "" {
		summary += " · " + l.Group
	}
	var desc []string
	if l.Status != timetable.Regular {
		key := "timetable.status." + l.Status
		summary += " (" + i18n.T(lang, key) + ")"
	}
	if l.Teacher != "" {
		desc = append(desc, i18n.T(lang, "substitutions.teacher")+": "+l.Teacher)
	}
	if l.PlannedRoom != "" {
		desc = append(desc, i18n.T(lang, "substitutions.room")+": "+l.Room+" ("+l.PlannedRoom+")")
	}
	if l.Note != "" {
		desc = append(desc, l.Note)
	}
	return ical.Event{UID: sc.Slug + "-" + string(l.Date) + "-" + strconv.Itoa(l.Period) + "-" + strconv.Itoa(l.Lesson) + "@schulhof",
		Start: start, End: end, Summary: summary, Location: l.Room, Description: strings.Join(desc, "\n"),
		Cancelled: l.Status == timetable.Cancelled}
}
