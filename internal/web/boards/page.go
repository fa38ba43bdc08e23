package boards

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The whiteboard's pages: the list of boards with a form to make one,
// and a board, which static/board.js draws and keeps live.

type boardsPage struct {
	Boards    []*schulhof.Board
	Trash     []*schulhof.Board // the user's deleted boards
	Groups    []*schulhof.Group // those the user may make boards for
	CanCreate bool
}

// showBoardsPage: GET /boards.
func (s *Module) showBoardsPage(r *http.Request) (*kit.View, error) {
	u, err := boardUser(r)
	if err != nil {
		return nil, err
	}
	v := s.NewView(r, "board.boards")
	p := &boardsPage{CanCreate: u.Role == schulhof.RoleTeacher || u.Role == schulhof.RoleSchoolAdmin}
	if p.Boards, err = s.db.FindBoards(r.Context(), u); err != nil {
		return nil, err
	}
	if p.CanCreate {
		if p.Groups, err = s.boardGroups(r, u); err != nil {
			return nil, err
		}
		if p.Trash, err = s.db.FindDeletedBoards(r.Context(), u); err != nil {
			return nil, err
		}
	}
	v.Data = p
	return v, nil
}

// boardGroups are the groups the user may make boards for: those they
// teach, every group for the school's admins.
func (s *Module) boardGroups(r *http.Request, u *schulhof.User) ([]*schulhof.Group, error) {
	f := schulhof.GroupFilter{SchoolID: u.SchoolID}
	if u.Role != schulhof.RoleSchoolAdmin {
		f.UserID = u.ID
	}
	gs, err := s.db.FindGroups(r.Context(), f)
	if err != nil {
		return nil, err
	}
	var out []*schulhof.Group
	for _, g := range gs {
		if u.Role == schulhof.RoleSchoolAdmin || g.MyRole == schulhof.MemberRoleLeader {
			out = append(out, g)
		}
	}
	return out, nil
}

// createBoardFromForm: POST /boards (title, group, access).
func (s *Module) createBoardFromForm(r *http.Request) (string, error) {
	u, err := boardUser(r)
	if err != nil {
		return "", err
	}
	b := &schulhof.Board{Title: r.FormValue("title"), Access: r.FormValue("access")}
	if g := r.FormValue("group"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return "", schulhof.Invalid("group", "board.group.unknown")
		}
		b.GroupID = schulhof.GroupID(n)
	}
	if b.GroupID == 0 && b.Access != "" {
		b.Access = schulhof.BoardPrivate
	}
	if err := board.Create(r.Context(), s.db, u, b); err != nil {
		return "", err
	}
	return "/boards/" + strconv.FormatInt(int64(b.ID), 10), nil
}

type boardPage struct {
	Tools   []boardTool
	Board   *schulhof.Board
	Me      schulhof.UserID
	Members []boardMember // the group's students, for the leader's drawing switches
	// T are the sentences the script shows, in the reader's language
	T map[string]string
}

// boardScriptKeys are the sentences of static/board.js.
var boardScriptKeys = []string{"board.offline", "board.saved_to", "board.text_prompt", "board.note_prompt", "board.may_draw",
	"board.watching", "board.following", "board.page_of", "board.saving", "board.image_uploading", "board.copy_prompt", "board.copied", "board.pdf_page"}

// showBoardPage: GET /boards/{board}.
func (s *Module) showBoardPage(r *http.Request) (*kit.View, error) {
	u, b, err := s.boardFromPath(r)
	if err != nil {
		return nil, err
	}
	v := s.NewView(r, "board.title")
	v.Title = b.Title + " – " + v.Title
	// a video lesson shows the board inside its page
	v.Framed = r.URL.Query().Get("framed") == "1"
	p := &boardPage{Board: b, Me: u.ID, T: map[string]string{}, Tools: boardTools}
	for _, k := range boardScriptKeys {
		p.T[k] = i18n.T(v.Lang, k)
	}
	if b.Leader && b.GroupID != 0 {
		ms, err := s.db.FindMembers(r.Context(), u.SchoolID, b.GroupID)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Role != schulhof.MemberRoleLeader {
				p.Members = append(p.Members, boardMember{ID: m.User.ID, Name: m.User.Name(), State: drawerState(b, m.User.ID)})
			}
		}
	}
	v.Data = p
	return v, nil
}

// boardTool is a tool of the toolbar and its icon (kit.Icon).
type boardTool struct{ Name, Icon string }

var boardTools = []boardTool{{"pen", "pen"}, {"highlighter", "marker"}, {"eraser", "eraser"}, {"area_eraser", "area-eraser"}, {"line", "line"},
	{"arrow", "arrow"}, {"rect", "rect"}, {"ellipse", "ellipse"}, {"text", "text"}, {"note", "note"}, {"select", "select"}, {"pan", "hand"}, {"laser", "laser"}}

// boardMember is a student of the board's group with their drawing
// switch.
type boardMember struct {
	ID    schulhof.UserID
	Name  string
	State string
}

// drawerState is a member's drawing switch for the page: "on", "off" or
// "" (the group's setting).
func drawerState(b *schulhof.Board, u schulhof.UserID) string {
	allowed, ok := b.Drawers[u]
	switch {
	case !ok:
		return ""
	case allowed:
		return "on"
	}
	return "off"
}
