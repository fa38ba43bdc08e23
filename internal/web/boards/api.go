package boards

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// boardUser is the actor, who must belong to a school.
func boardUser(r *http.Request) (*schulhof.User, error) {
	a := kit.AuthOf(r)
	if a.User == nil || a.User.SchoolID == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "board.not_found")
	}
	return a.User, nil
}

// boardTarget is the actor and the path's {board}.
func boardTarget(r *http.Request) (*schulhof.User, schulhof.BoardID, error) {
	u, err := boardUser(r)
	if err != nil {
		return nil, 0, err
	}
	n, err := strconv.ParseInt(r.PathValue("board"), 10, 64)
	if err != nil {
		return nil, 0, schulhof.Errorf(schulhof.ENotFound, "board.not_found")
	}
	return u, schulhof.BoardID(n), nil
}

// boardFromPath is the actor and the path's {board}, which they must see.
func (s *Module) boardFromPath(r *http.Request) (*schulhof.User, *schulhof.Board, error) {
	u, id, err := boardTarget(r)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.db.FindBoardByID(r.Context(), u, id)
	return u, b, err
}

// apiBoards: GET /api/v1/boards: the boards the user sees.
func (s *Module) apiBoards(r *http.Request) (any, error) {
	u, err := boardUser(r)
	if err != nil {
		return nil, err
	}
	bs, err := s.db.FindBoards(r.Context(), u)
	if err != nil {
		return nil, err
	}
	return kit.NewList(bs, ""), nil
}

// boardInput is what makes or changes a board.
type boardInput struct {
	Title  *string          `json:"title"`
	Group  schulhof.GroupID `json:"group"`
	Access *string          `json:"access"`
}

func (in *boardInput) board() *schulhof.Board {
	b := &schulhof.Board{GroupID: in.Group}
	if in.Title != nil {
		b.Title = *in.Title
	}
	if in.Access != nil {
		b.Access = *in.Access
	}
	return b
}

// apiCreateBoard: POST /api/v1/boards {"title", "group"?, "access"?}.
func (s *Module) apiCreateBoard(r *http.Request) (any, error) {
	u, err := boardUser(r)
	if err != nil {
		return nil, err
	}
	var in boardInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	b := in.board()
	if err := board.Create(r.Context(), s.db, u, b); err != nil {
		return nil, err
	}
	return kit.Created(b), nil
}

// boardWithDoc is a board with its drawing, all a client needs to show it.
type boardWithDoc struct {
	*schulhof.Board
	Doc        json.RawMessage `json:"doc"`
	Presenting json.RawMessage `json:"presenting,omitempty"`
}

// apiBoard: GET /api/v1/boards/{board}: the board, its drawing and who
// presents; a client that joins late or reconnects has everything in one
// answer, and follows the live operations after the drawing's seq.
func (s *Module) apiBoard(r *http.Request) (any, error) {
	_, b, err := s.boardFromPath(r)
	if err != nil {
		return nil, err
	}
	var doc, present []byte
	err = s.onBoard(r.Context(), b.SchoolID, b.ID, func(lb *liveBoard) (err error) {
		doc, err = lb.docJSON()
		if s.Now().Sub(lb.presentAt) < presentFor {
			present = lb.present
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return boardWithDoc{Board: b, Doc: doc, Presenting: present}, nil
}

// apiUpdateBoard: PATCH /api/v1/boards/{board} {"title"?, "access"?}, for
// its leaders; followers learn the new access live.
func (s *Module) apiUpdateBoard(w http.ResponseWriter, r *http.Request) {
	u, id, err := boardTarget(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in boardInput
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Group != 0 {
		s.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "board.group.fixed"))
		return
	}
	s.updateBoard(w, r, u, id, schulhof.BoardUpdate{Title: in.Title, Access: in.Access})
}

// apiSetDrawer: PUT /api/v1/boards/{board}/drawers/{user} {"allowed":
// true|false|null}: one member's drawing on or off, or back to the
// group's setting.
func (s *Module) apiSetDrawer(w http.ResponseWriter, r *http.Request) {
	u, id, err := boardTarget(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	member, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil || member <= 0 {
		s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "error.not_found"))
		return
	}
	var in struct {
		Allowed *bool `json:"allowed"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.updateBoard(w, r, u, id, schulhof.BoardUpdate{Drawer: schulhof.UserID(member), DrawerAllow: in.Allowed})
}

func (s *Module) updateBoard(w http.ResponseWriter, r *http.Request, u *schulhof.User, id schulhof.BoardID, up schulhof.BoardUpdate) {
	b, err := s.db.UpdateBoard(r.Context(), u, id, up)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.audiences.Clear() // who draws, at once
	data, _ := json.Marshal(map[string]any{"title": b.Title, "access": b.Access, "drawers": b.Drawers})
	s.publishBoard(r.Context(), u.SchoolID, boardEvent{Board: id, Event: "settings", Data: data})
	kit.WriteJSON(w, http.StatusOK, b)
}

// trashBoard puts the path's board into the trash or takes it out (its
// owner, the school's admins); who may see it changes at once.
func (s *Module) trashBoard(r *http.Request, deleted bool) (*schulhof.User, schulhof.BoardID, error) {
	u, id, err := boardTarget(r)
	if err != nil {
		return nil, 0, err
	}
	if deleted {
		err = s.db.DeleteBoard(r.Context(), u, id)
	} else {
		err = s.db.RestoreBoard(r.Context(), u, id)
	}
	s.audiences.Clear()
	return u, id, err
}

// deleteBoard: DELETE /api/v1/boards/{board} and POST
// /boards/{board}/delete: into the trash.
func (s *Module) deleteBoard(r *http.Request) (kit.None, error) {
	_, _, err := s.trashBoard(r, true)
	return kit.None{}, err
}

// restoreBoard: POST /api/v1/boards/{board}/restore and
// /boards/{board}/restore: out of the trash.
func (s *Module) restoreBoard(r *http.Request) (*schulhof.Board, error) {
	u, id, err := s.trashBoard(r, false)
	if err != nil {
		return nil, err
	}
	return s.db.FindBoardByID(r.Context(), u, id)
}

// apiBoardOperations: POST /api/v1/boards/{board}/operations {"ops": [...]}
// for clients without a socket -> {"seq"}; GET ...?after=SEQ&limit=N ->
// {"ops", "next"}: the log after a seq, for catching up.
func (s *Module) apiBoardOperations(w http.ResponseWriter, r *http.Request) {
	u, id, err := boardTarget(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet {
		s.boardOpsAfter(w, r, u, id)
		return
	}
	var in struct {
		Ops []*board.Op `json:"ops"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	seq, err := s.submitBoardOps(r.Context(), u, id, in.Ops)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]int64{"seq": seq})
}

func (s *Module) boardOpsAfter(w http.ResponseWriter, r *http.Request, u *schulhof.User, id schulhof.BoardID) {
	if _, _, err := s.boardRights(r.Context(), u, id); err != nil {
		s.Fail(w, r, err)
		return
	}
	after, limit := int64(0), 1000
	if v := r.URL.Query().Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "cursor.invalid"))
			return
		}
		after = n
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "limit.invalid"))
			return
		}
		limit = n
	}
	ops, err := board.FindOps(r.Context(), s.db, u.SchoolID, id, after, limit)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	next := after
	if len(ops) > 0 {
		next = ops[len(ops)-1].Seq
	}
	if ops == nil {
		ops = []*board.Op{}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"ops": ops, "next": next})
}

// apiCopyBoard: POST /api/v1/boards/{board}/copy {"title", "group"?}: a
// board of the user's with the drawing, e.g. next year's template.
func (s *Module) apiCopyBoard(r *http.Request) (any, error) {
	u, id, err := boardTarget(r)
	if err != nil {
		return nil, err
	}
	var in boardInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if _, _, err := s.boardRights(r.Context(), u, id); err != nil {
		return nil, err
	}
	doc, err := board.LoadDoc(r.Context(), s.db, u.SchoolID, id)
	if err != nil {
		return nil, err
	}
	b := in.board()
	if err := board.Copy(r.Context(), s.db, u, id, b, doc); err != nil {
		return nil, err
	}
	return kit.Created(b), nil
}
