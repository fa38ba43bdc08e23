package video

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The calls as a resource of the API: open, read, and what moderators do.

type rightsKey struct {
	user schulhof.UserID
	call schulhof.CallID
}

// callRights is a call and what a user may do in it (schulhof.CallRights).
type callRights struct {
	call                    *schulhof.Call
	enters, asks, moderates bool
}

// rightsOf is the call of the user's school and what they may do in it;
// ENotFound for a call that is not theirs at all.
func (m *Module) rightsOf(ctx context.Context, u *schulhof.User, id schulhof.CallID) (callRights, error) {
	if isGuest(u) {
		return m.guestRights(ctx, u, id)
	}
	return m.rights.Get(rightsKey{u.ID, id}, func() (callRights, error) {
		c, err := m.db.FindCall(ctx, u.SchoolID, id)
		if err != nil {
			return callRights{}, err
		}
		var role schulhof.MemberRole
		if c.GroupID != 0 {
			if role, err = m.db.FindMemberRole(ctx, u.SchoolID, c.GroupID, u.ID); err != nil {
				return callRights{}, err
			}
		}
		cr := callRights{call: c}
		cr.enters, cr.asks, cr.moderates = schulhof.CallRights(u, c, role)
		if c.Ended() {
			return cr, schulhof.Errorf(schulhof.EConflict, "call.ended")
		}
		if !cr.enters && !cr.asks && !cr.moderates {
			return cr, schulhof.Errorf(schulhof.ENotFound, "call.not_found")
		}
		return cr, nil
	})
}

// mayFollow: the topic "call.ID" is for who is in the call. The hub
// asks at every event: the call's host knows, the other nodes know from
// the rosters that went by, and ask the host only for one who was not in
// the last (one who joined just now).
func (m *Module) mayFollow(ctx context.Context, u *schulhof.User, id int64) bool {
	call := schulhof.CallID(id)
	if lc := m.existing(call); lc != nil {
		return lc.hasUser(u.SchoolID, u.ID)
	}
	if m.seen.has(call, u.ID) {
		return true
	}
	out, err := m.ask(ctx, hostOp{Call: call, School: u.SchoolID, Kind: "follows", Actor: actor{User: u.ID}})
	var yes bool
	return err == nil && json.Unmarshal(out, &yes) == nil && yes
}

// callOut is a call as the API gives it to a user.
type callOut struct {
	*schulhof.Call
	JoinURL   string `json:"join_url"`
	Moderator bool   `json:"moderator"`
	// Lobby: the user waits to be let in when joining.
	Lobby bool `json:"lobby"`
	// Participants are those in it now.
	Participants int     `json:"participants"`
	Roster       *roster `json:"roster,omitempty"`
}

// out is the call for the user; withRoster asks its host who is in it,
// else the count is what this node knows (the last roster that went by).
func (m *Module) out(r *http.Request, u *schulhof.User, cr callRights, withRoster bool) *callOut {
	id := cr.call.ID
	o := &callOut{Call: cr.call, JoinURL: m.BaseURL(r) + "/calls/" + strconv.FormatInt(int64(id), 10),
		Moderator: cr.moderates, Lobby: !cr.enters && !cr.moderates}
	switch lc := m.existing(id); {
	case withRoster:
		var ro rosterOut
		op, err := opOf("roster", u, cr, nil)
		if err == nil {
			var out json.RawMessage
			if out, err = m.ask(r.Context(), op); err == nil {
				err = json.Unmarshal(out, &ro)
			}
		}
		if err != nil {
			m.Log.Warn("video: who is in a call", "call", id, "err", err)
		}
		o.Participants, o.Roster = ro.Participants, ro.Roster
	case lc != nil:
		lc.mu.Lock()
		o.Participants = len(lc.peers)
		lc.mu.Unlock()
	default:
		o.Participants = m.seen.count(id)
	}
	return o
}

// callFromPath is the acting user and what they may do in the path's
// {call}.
func (m *Module) callFromPath(r *http.Request) (*schulhof.User, callRights, error) {
	u, err := userOf(r)
	if err != nil {
		return nil, callRights{}, err
	}
	n, err := strconv.ParseInt(r.PathValue("call"), 10, 64)
	if err != nil {
		return nil, callRights{}, schulhof.Errorf(schulhof.ENotFound, "call.not_found")
	}
	cr, err := m.rightsOf(r.Context(), u, schulhof.CallID(n))
	return u, cr, err
}

// moderated is the path's call, which the acting user must moderate.
func (m *Module) moderated(r *http.Request) (*schulhof.User, callRights, error) {
	u, cr, err := m.callFromPath(r)
	if err == nil && !cr.moderates {
		err = schulhof.Errorf(schulhof.EForbidden, "call.moderators_only")
	}
	return u, cr, err
}

// apiListCalls: GET /api/v1/calls: the calls the user may enter now.
func (m *Module) apiListCalls(r *http.Request) (any, error) {
	u, err := userOf(r)
	if err != nil {
		return nil, err
	}
	calls, err := m.db.FindOpenCalls(r.Context(), u)
	if err != nil {
		return nil, err
	}
	out := make([]*callOut, 0, len(calls))
	for _, c := range calls {
		if cr, err := m.rightsOf(r.Context(), u, c.ID); err == nil {
			out = append(out, m.out(r, u, cr, false))
		}
	}
	return kit.NewList(out, ""), nil
}

type openIn struct {
	Group schulhof.GroupID `json:"group"`
	Title string           `json:"title"`
}

// open is a group's room (made if it has none open) or a new ad-hoc
// call.
func (m *Module) open(r *http.Request, u *schulhof.User, in openIn) (callRights, error) {
	var c *schulhof.Call
	var err error
	if in.Group != 0 {
		c, err = m.db.OpenGroupCall(r.Context(), u, in.Group)
	} else {
		c = &schulhof.Call{Title: in.Title}
		err = m.db.CreateCall(r.Context(), u, c)
	}
	if err != nil {
		return callRights{}, err
	}
	return m.rightsOf(r.Context(), u, c.ID)
}

// apiOpenCall: POST /api/v1/calls {"group": ID} or {"title": "..."}.
func (m *Module) apiOpenCall(r *http.Request) (any, error) {
	u, err := userOf(r)
	if err != nil {
		return nil, err
	}
	var in openIn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	cr, err := m.open(r, u, in)
	if err != nil {
		return nil, err
	}
	return kit.Created(m.out(r, u, cr, false)), nil
}

// apiGetCall: GET /api/v1/calls/{call}: the call, what the user may do
// in it, and who is in it.
func (m *Module) apiGetCall(r *http.Request) (any, error) {
	u, cr, err := m.callFromPath(r)
	if err != nil {
		return nil, err
	}
	return m.out(r, u, cr, true), nil
}

// update stores a moderator's change and has the call's host bring it
// to those in the call.
func (m *Module) update(r *http.Request, u *schulhof.User, cr callRights, up schulhof.CallUpdate) (*schulhof.Call, error) {
	c, err := m.db.UpdateCall(r.Context(), cr.call.SchoolID, cr.call.ID, up)
	if err != nil {
		return nil, err
	}
	m.rights.Clear() // who may enter has changed
	cr.call = c
	op, err := opOf("settle", u, cr, nil)
	if err == nil {
		_, err = m.ask(r.Context(), op)
	}
	if err != nil {
		// stored: those who join next get it; who is in it now may not
		m.Log.Warn("video: bring a call's settings to its host", "call", c.ID, "err", err)
	}
	return c, nil
}

// settle brings a call's new settings, or its end, to those in it.
func (m *Module) settle(ctx context.Context, op hostOp) error {
	lc := m.existing(op.Call)
	if lc == nil {
		return nil
	}
	c := op.call
	if c == nil {
		var err error
		if c, err = m.db.FindCall(ctx, op.School, op.Call); err != nil {
			return err
		}
	}
	if !c.Ended() {
		lc.settle(c)
		return nil
	}
	// on each one's own topic: the call's is gone with the call
	for _, u := range lc.users() {
		lc.tell(u, "call.ended", map[string]any{})
	}
	lc.closeAll()
	return nil
}

// apiUpdateCall: PATCH /api/v1/calls/{call} {"locked", "allow"}.
func (m *Module) apiUpdateCall(r *http.Request) (any, error) {
	u, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	var up schulhof.CallUpdate
	if err := kit.ReadJSON(r, &up); err != nil {
		return nil, err
	}
	return m.update(r, u, cr, up)
}

// apiEndCall: POST /api/v1/calls/{call}/end: the call ends for all.
func (m *Module) apiEndCall(r *http.Request) (any, error) {
	u, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	return m.update(r, u, cr, schulhof.CallUpdate{End: true})
}

// moderate has the call's host do a moderator's action (kind) with the
// request's body, read into in (nil: none).
func (m *Module) moderate(r *http.Request, kind string, in any) (any, error) {
	u, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	if in != nil {
		if err := kit.ReadJSON(r, in); err != nil {
			return nil, err
		}
	}
	op, err := opOf(kind, u, cr, in)
	if err != nil {
		return nil, err
	}
	out, err := m.ask(r.Context(), op)
	if err != nil || out == nil {
		return nil, err
	}
	return out, nil
}

// moderate does a moderator's action on the call this node hosts.
func (lc *liveCall) moderate(op hostOp) (any, error) {
	switch op.Kind {
	case "mute":
		var in muteIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		if in.Source == "" {
			in.Source = rtc.Microphone
		}
		if forbidden[in.Source] == "" {
			return nil, schulhof.Invalid("source", "call.bad_source")
		}
		return nil, lc.mute(in.Peer, in.Source)
	case "remove":
		var in peerIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		return nil, lc.remove(in.Peer)
	case "admit":
		var in admitIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		return nil, lc.admit(in.User, in.Admit)
	case "breakouts":
		var in breakoutIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		if err := lc.startBreakouts(in.Rooms, time.Duration(in.Seconds)*time.Second, in.Assign); err != nil {
			return nil, err
		}
		lc.mu.Lock()
		defer lc.mu.Unlock()
		return lc.rosterLocked(), nil
	case "move":
		var in moveIn
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		return nil, lc.move(in.Peer, in.Room)
	case "back":
		lc.endBreakouts(nil)
		return nil, nil
	case "board":
		var in callBoard
		if err := decodeOp(op, &in); err != nil {
			return nil, err
		}
		if in.ID == 0 {
			lc.showBoard(nil)
		} else {
			lc.showBoard(&in)
		}
		return nil, nil
	}
	return nil, schulhof.Errorf(schulhof.EBadRequest, "call.unknown_event")
}

type muteIn struct {
	Peer   string `json:"peer"`
	Source string `json:"source"`
}

// apiMute: POST /api/v1/calls/{call}/mute {"peer", "source"}: a peer's
// microphone, camera or screen off (all but the moderators' without
// "peer").
func (m *Module) apiMute(r *http.Request) (any, error) {
	return m.moderate(r, "mute", &muteIn{})
}

// apiRemove: POST /api/v1/calls/{call}/remove {"peer"}.
func (m *Module) apiRemove(r *http.Request) (any, error) {
	return m.moderate(r, "remove", &peerIn{})
}

type admitIn struct {
	User  schulhof.UserID `json:"user"`
	Admit bool            `json:"admit"`
}

// apiAdmit: POST /api/v1/calls/{call}/admit {"user", "admit"}: lets one
// who waits in the lobby in, or sends them away.
func (m *Module) apiAdmit(r *http.Request) (any, error) {
	return m.moderate(r, "admit", &admitIn{})
}

// iceServer is an RTCIceServer of the browser's API.
type iceServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// iceServers are the TURN servers for the user, with credentials that
// hold for cfg.TURNFor: coturn's "REST API" scheme (use-auth-secret):
// the user name is the expiry and the user, the password its HMAC-SHA1
// with the shared secret, so coturn checks it without asking us.
func (m *Module) iceServers(user schulhof.UserID) []iceServer {
	if len(m.cfg.TURN) == 0 {
		return nil
	}
	name := fmt.Sprintf("%d:%d", m.Now().Add(m.cfg.TURNFor).Unix(), user)
	mac := hmac.New(sha1.New, []byte(m.cfg.TURNSecret))
	mac.Write([]byte(name))
	return []iceServer{{URLs: m.cfg.TURN, Username: name, Credential: base64.StdEncoding.EncodeToString(mac.Sum(nil))}}
}

// apiICEServers: GET /api/v1/calls/{call}/ice-servers: fresh TURN
// credentials, for a client that reconnects after they ran out.
func (m *Module) apiICEServers(r *http.Request) (any, error) {
	u, _, err := m.callFromPath(r)
	if err != nil {
		return nil, err
	}
	return map[string]any{"ice_servers": m.iceServers(u.ID)}, nil
}

// guestRights: a guest may ask to be let into the call of their link,
// while it has one, and into nothing else.
func (m *Module) guestRights(ctx context.Context, u *schulhof.User, id schulhof.CallID) (callRights, error) {
	g := m.guestByUser(ctx, u)
	if g == nil || g.CallID != id {
		return callRights{}, schulhof.Errorf(schulhof.ENotFound, "call.not_found")
	}
	c, err := m.db.FindCall(ctx, u.SchoolID, id)
	if err != nil {
		return callRights{}, err
	}
	if c.Ended() {
		return callRights{call: c}, schulhof.Errorf(schulhof.EConflict, "call.ended")
	}
	if len(c.GuestKey) == 0 {
		return callRights{}, schulhof.Errorf(schulhof.ENotFound, "call.guest_link_invalid")
	}
	return callRights{call: c, asks: true}, nil
}
