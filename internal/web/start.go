package web

import (
	"net/http"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web/examplan"
	"github.com/schulhof/schulhof/internal/web/kit"
	"github.com/schulhof/schulhof/internal/web/login"
)

// The start page is the assembly's own: it gathers a part of each
// module (the assignments due, the lessons that change, the next exams,
// the rooms with unread messages) beside who the user is.

// startPage is what start.html shows.
type startPage struct {
	User     *schulhof.User
	School   *schulhof.School
	Groups   []*schulhof.Group
	Children []*login.Child
	// Assignments are those open and recently due.
	Assignments any
	// Changes are today's and the next school day's changed lessons.
	Changes []timetable.Lesson
	// Exams are the next four weeks'.
	Exams []examplan.ExamView
	// Unread are the rooms with unread messages.
	Unread []*schulhof.Room
}

// showStartPage: GET /, the first thing everyone sees: who they are, their
// school, class and groups; admins get their shortcuts.
func (s *Server) showStartPage(w http.ResponseWriter, r *http.Request) {
	a := kit.AuthOf(r)
	me, err := s.login.Me(r.Context(), a.User, a.School)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	m := &startPage{User: me.User, School: me.School, Groups: me.Groups, Children: me.Children}
	if a.School != nil && a.User.SchoolID == a.School.ID {
		if m.Assignments, err = s.assignments.StartData(r, a.School); err != nil {
			s.Fail(w, r, err)
			return
		}
		if m.Changes, err = s.timetables.ChangesSoon(r, a.School); err != nil {
			s.Fail(w, r, err)
			return
		}
		if m.Exams, err = s.exams.Upcoming(r.Context(), a.User, a.School, 28); err != nil {
			s.Fail(w, r, err)
			return
		}
		// rooms not made yet have no messages: no need to make them here
		rooms, err := s.chat.UnreadRooms(r.Context(), a.User, kit.Info(r).Lang)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		m.Unread = rooms
	}
	v := s.NewView(r, "start.title")
	v.Data = m
	s.Render(w, r, http.StatusOK, "start", v)
}
