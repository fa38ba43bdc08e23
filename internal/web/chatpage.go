package web

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
)

// The messenger's page: the user's rooms with their unread counts, and
// the chosen room's latest messages with a form to write. It works as
// plain HTML; static/chat.js makes it live over the socket.

type chatPage struct {
	Rooms    []*schulhof.Room
	Room     *schulhof.Room
	Messages []*schulhof.Message
	LastID   int64
	Me       schulhof.UserID
	Unread   int // over all rooms, for the title
}

// showChatPage: GET /chat[?room=ID].
func (s *Server) showChatPage(w http.ResponseWriter, r *http.Request) {
	u, err := chatUser(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := s.newView(r, "chat.title")
	p := &chatPage{Me: u.ID}
	if p.Rooms, err = s.roomsOf(r.Context(), u, v.Lang); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, room := range p.Rooms {
		p.Unread += room.Unread
	}
	if id := r.URL.Query().Get("room"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			s.fail(w, r, schulhof.Errorf(schulhof.ENotFound, "chat.no_room"))
			return
		}
		if p.Room, err = s.db.FindRoom(r.Context(), u, schulhof.RoomID(n)); err != nil {
			s.fail(w, r, err)
			return
		}
		nameRoom(p.Room, v.Lang)
		if p.Messages, err = s.db.FindMessages(r.Context(), u, p.Room.ID, 0, 50); err != nil {
			s.fail(w, r, err)
			return
		}
		if len(p.Messages) > 0 {
			p.LastID = p.Messages[len(p.Messages)-1].ID
			// opening the room reads it
			if err := s.db.MarkRead(r.Context(), u, p.Room.ID, p.LastID); err != nil {
				s.fail(w, r, err)
				return
			}
			p.Unread -= p.Room.Unread
		}
	}
	v.Data = p
	if p.Unread > 0 {
		v.Title = "(" + strconv.Itoa(p.Unread) + ") " + v.Title
	}
	s.render(w, r, http.StatusOK, "chat", v)
}

// postChatForm: POST /chat/{room}, the form without script.
func (s *Server) postChatForm(w http.ResponseWriter, r *http.Request) {
	if _, err := s.postMessage(r, r.PostFormValue("text"), 0); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/chat?room="+r.PathValue("room"), http.StatusSeeOther)
}
