package video

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The pages: the calls one may enter (and the rooms of one's groups to
// open), and a call, which static/call.js runs.

type callsPage struct {
	Calls     []*callOut
	Groups    []*schulhof.Group // whose rooms the user may open
	CanCreate bool              // may open an ad-hoc call
}

// showCallsPage: GET /calls.
func (m *Module) showCallsPage(r *http.Request) (*kit.View, error) {
	u, err := userOf(r)
	if err != nil {
		return nil, err
	}
	v := m.NewView(r, "call.calls")
	p := &callsPage{CanCreate: u.Role == schulhof.RoleTeacher || u.Role == schulhof.RoleSchoolAdmin}
	calls, err := m.db.FindOpenCalls(r.Context(), u)
	if err != nil {
		return nil, err
	}
	open := map[schulhof.GroupID]bool{}
	for _, c := range calls {
		if cr, err := m.rightsOf(r.Context(), u, c.ID); err == nil {
			p.Calls = append(p.Calls, m.out(r, u, cr, false))
			open[c.GroupID] = true
		}
	}
	groups, err := m.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: u.SchoolID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	schulhof.SortGroups(groups)
	for _, g := range groups {
		if !open[g.ID] {
			p.Groups = append(p.Groups, g)
		}
	}
	v.Data = p
	return v, nil
}

// openCallFromForm: POST /calls (group, or title): into the call.
func (m *Module) openCallFromForm(r *http.Request) (string, error) {
	u, err := userOf(r)
	if err != nil {
		return "", err
	}
	in := openIn{Title: r.FormValue("title")}
	if g := r.FormValue("group"); g != "" {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return "", schulhof.Invalid("group", "call.group.unknown")
		}
		in.Group = schulhof.GroupID(n)
	}
	cr, err := m.open(r, u, in)
	if err != nil {
		return "", err
	}
	return "/calls/" + strconv.FormatInt(int64(cr.call.ID), 10), nil
}

type callPage struct {
	Call      *callOut
	Me        schulhof.UserID
	MyName    string
	Moderator bool
	// T are the sentences the script shows, in the reader's language
	T map[string]string
	// Socket is a guest's own socket ("": the tab's /api/v1/ws)
	Socket string
	// Boards: a moderator of a group's call may show a whiteboard (a new
	// one, or one of these: the group's boards it sees)
	Boards      []*schulhof.Board
	BoardsShown bool
}

// callScriptKeys are the sentences of static/call.js.
var callScriptKeys = []string{"call.connecting", "call.waiting", "call.refused", "call.removed", "call.ended_for_all", "call.reconnecting",
	"call.muted_by_moderator", "call.camera_off_by_moderator", "call.screen_off_by_moderator", "call.no_devices", "call.device_denied",
	"call.you", "call.hand_raised", "call.mute", "call.camera_off", "call.remove", "call.admit", "call.refuse", "call.lobby_waits",
	"call.speaking", "call.moderator", "call.left", "call.offline", "call.away",
	"call.room_n", "call.main_room", "call.breakout_left", "call.move_to", "call.guest_link_copied", "call.board.guests"}

// showCallPage: GET /calls/{call}.
func (m *Module) showCallPage(r *http.Request) (*kit.View, error) {
	u, cr, err := m.callFromPath(r)
	if err != nil {
		return nil, err
	}
	v := m.NewView(r, "call.title")
	v.Title = cr.call.Title + " – " + v.Title
	p := &callPage{Call: m.out(r, u, cr, false), Me: u.ID, MyName: u.Name(), Moderator: cr.moderates, T: map[string]string{}}
	for _, k := range callScriptKeys {
		p.T[k] = i18n.T(v.Lang, k)
	}
	if cr.moderates && cr.call.GroupID != 0 {
		p.BoardsShown = true
		boards, err := m.db.FindBoards(r.Context(), u)
		if err != nil {
			return nil, err
		}
		for _, b := range boards {
			if b.GroupID == cr.call.GroupID && b.Access != schulhof.BoardPrivate {
				p.Boards = append(p.Boards, b)
			}
		}
	}
	v.Data = p
	return v, nil
}
