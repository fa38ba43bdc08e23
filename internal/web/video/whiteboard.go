package video

import (
	"net/http"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The whiteboard of a call: a moderator shows one of the group's boards
// (or a new one) to everyone in the call, and the page shows it beside
// the videos, drawn live as on its own page. It is a board of the
// group, so everyone in a group's call may see it by the boards' own
// rights; an ad-hoc call (whose people share no group) has none: there
// the moderator shares the screen with a board.

// callBoard is the board a call shows.
type callBoard struct {
	ID    schulhof.BoardID `json:"id"`
	Title string           `json:"title"`
}

type boardIn struct {
	Board schulhof.BoardID `json:"board"`
	Title string           `json:"title"`
}

// apiShowBoard: POST /api/v1/calls/{call}/board {"board": ID} shows a
// board of the call's group to everyone in the call; {"title": ...} or
// {} makes a new one (the group sees it, the teachers draw).
func (m *Module) apiShowBoard(r *http.Request) (any, error) {
	u, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	if cr.call.GroupID == 0 {
		return nil, schulhof.Errorf(schulhof.EConflict, "call.board.group_only")
	}
	var in boardIn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	// nobody in the call: no board is made for nobody
	if o := m.out(r, u, cr, true); o.Participants == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	}
	var b *schulhof.Board
	if in.Board != 0 {
		if b, err = m.db.FindBoardByID(r.Context(), u, in.Board); err != nil {
			return nil, err
		}
		switch {
		case b.GroupID != cr.call.GroupID:
			return nil, schulhof.Invalid("board", "call.board.other_group")
		case b.Access == schulhof.BoardPrivate:
			return nil, schulhof.Invalid("board", "call.board.private")
		}
	} else {
		title := strings.TrimSpace(in.Title)
		if title == "" {
			title = i18n.T(kit.Info(r).Lang, "call.board.title", cr.call.Title, m.Now().In(kit.Berlin).Format("02.01.2006"))
		}
		b = &schulhof.Board{Title: title, GroupID: cr.call.GroupID, Access: schulhof.BoardView}
		if err := board.Create(r.Context(), m.db, u, b); err != nil {
			return nil, err
		}
	}
	shown := callBoard{ID: b.ID, Title: b.Title}
	op, err := opOf("board", u, cr, shown)
	if err != nil {
		return nil, err
	}
	if _, err := m.ask(r.Context(), op); err != nil {
		return nil, err
	}
	return shown, nil
}

// apiHideBoard: DELETE /api/v1/calls/{call}/board: the call shows no
// board any more (the board stays, with what was drawn).
func (m *Module) apiHideBoard(r *http.Request) (any, error) {
	return m.moderate(r, "board", nil)
}

// showBoard shows the board in the call (nil: none); the host does it.
func (lc *liveCall) showBoard(b *callBoard) {
	lc.mu.Lock()
	lc.board = b
	lc.mu.Unlock()
	lc.announce()
}
