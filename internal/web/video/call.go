package video

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

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

// mayFollow: the topic "call.ID" is for who is in the call.
func (m *Module) mayFollow(_ context.Context, u *schulhof.User, id int64) bool {
	lc := m.existing(schulhof.CallID(id))
	return lc != nil && lc.hasUser(u)
}

// callOut is a call as the API gives it to a user.
type callOut struct {
	*schulhof.Call
	JoinURL   string `json:"join_url"`
	Moderator bool   `json:"moderator"`
	// Lobby: the user waits to be let in when joining.
	Lobby bool `json:"lobby"`
	// Participants are those in it now (on this node).
	Participants int     `json:"participants"`
	Roster       *roster `json:"roster,omitempty"`
}

func (m *Module) out(r *http.Request, cr callRights, withRoster bool) *callOut {
	o := &callOut{Call: cr.call, JoinURL: m.BaseURL(r) + "/calls/" + strconv.FormatInt(int64(cr.call.ID), 10),
		Moderator: cr.moderates, Lobby: !cr.enters && !cr.moderates}
	if lc := m.existing(cr.call.ID); lc != nil {
		lc.mu.Lock()
		o.Participants = len(lc.peers)
		if withRoster && (cr.enters || cr.moderates) {
			ro := lc.rosterLocked()
			o.Roster = &ro
		}
		lc.mu.Unlock()
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
			out = append(out, m.out(r, cr, false))
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
	return kit.Created(m.out(r, cr, false)), nil
}

// apiGetCall: GET /api/v1/calls/{call}: the call, what the user may do
// in it, and who is in it.
func (m *Module) apiGetCall(r *http.Request) (any, error) {
	_, cr, err := m.callFromPath(r)
	if err != nil {
		return nil, err
	}
	return m.out(r, cr, true), nil
}

// update stores a moderator's change and brings it to the live call.
func (m *Module) update(r *http.Request, cr callRights, up schulhof.CallUpdate) (*schulhof.Call, error) {
	c, err := m.db.UpdateCall(r.Context(), cr.call.SchoolID, cr.call.ID, up)
	if err != nil {
		return nil, err
	}
	m.rights.Clear() // who may enter has changed
	if lc := m.existing(c.ID); lc != nil {
		if c.Ended() {
			// on each one's own topic: the call's is gone with the call
			for _, u := range lc.users() {
				lc.tell(u, "call.ended", map[string]any{})
			}
			lc.closeAll()
		} else {
			lc.settle(c)
		}
	}
	return c, nil
}

// apiUpdateCall: PATCH /api/v1/calls/{call} {"locked", "allow"}.
func (m *Module) apiUpdateCall(r *http.Request) (any, error) {
	_, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	var up schulhof.CallUpdate
	if err := kit.ReadJSON(r, &up); err != nil {
		return nil, err
	}
	return m.update(r, cr, up)
}

// apiEndCall: POST /api/v1/calls/{call}/end: the call ends for all.
func (m *Module) apiEndCall(r *http.Request) (any, error) {
	_, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	return m.update(r, cr, schulhof.CallUpdate{End: true})
}

// liveOf is the path's call as it is on this node, for a moderator.
func (m *Module) liveOf(r *http.Request) (*liveCall, error) {
	_, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	lc := m.existing(cr.call.ID)
	if lc == nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	}
	return lc, nil
}

type muteIn struct {
	Peer   string `json:"peer"`
	Source string `json:"source"`
}

// apiMute: POST /api/v1/calls/{call}/mute {"peer", "source"}: a peer's
// microphone, camera or screen off (all but the moderators' without
// "peer").
func (m *Module) apiMute(r *http.Request) (any, error) {
	lc, err := m.liveOf(r)
	if err != nil {
		return nil, err
	}
	var in muteIn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = rtc.Microphone
	}
	if forbidden[in.Source] == "" {
		return nil, schulhof.Invalid("source", "call.bad_source")
	}
	return nil, lc.mute(in.Peer, in.Source)
}

// apiRemove: POST /api/v1/calls/{call}/remove {"peer"}.
func (m *Module) apiRemove(r *http.Request) (any, error) {
	lc, err := m.liveOf(r)
	if err != nil {
		return nil, err
	}
	var in peerIn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	return nil, lc.remove(in.Peer)
}

type admitIn struct {
	User  schulhof.UserID `json:"user"`
	Admit bool            `json:"admit"`
}

// apiAdmit: POST /api/v1/calls/{call}/admit {"user", "admit"}: lets one
// who waits in the lobby in, or sends them away.
func (m *Module) apiAdmit(r *http.Request) (any, error) {
	lc, err := m.liveOf(r)
	if err != nil {
		return nil, err
	}
	var in admitIn
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	return nil, lc.admit(in.User, in.Admit)
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
func (m *Module) iceServers(u *schulhof.User) []iceServer {
	if len(m.cfg.TURN) == 0 {
		return nil
	}
	name := fmt.Sprintf("%d:%d", m.Now().Add(m.cfg.TURNFor).Unix(), u.ID)
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
	return map[string]any{"ice_servers": m.iceServers(u)}, nil
}

// guestRights: a guest may ask to be let into the call of their link,
// while it has one, and into nothing else.
func (m *Module) guestRights(ctx context.Context, u *schulhof.User, id schulhof.CallID) (callRights, error) {
	g := m.guests.byUser(u.ID)
	if g == nil || g.call != id || m.Now().After(g.until) {
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
