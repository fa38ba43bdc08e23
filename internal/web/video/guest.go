package video

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Guests: a moderator makes a call's guest link (an external speaker, a
// parent without an account); whoever opens it gives a name and waits
// in the lobby until a moderator lets them in. A guest has no account:
// the store keeps them for twelve hours under the hash of their cookie,
// which names them on every node; the module serves their socket itself.

const (
	guestCookie = "schulhof_guest"
	guestFor    = 12 * time.Hour
	// guestIDs start far above any user's id, so that a guest's own
	// topic ("user.ID") is never a user's
	guestIDs = 1 << 50
)

// guestHash is what the store keeps of a guest's cookie.
func guestHash(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// guestUser is the made-up user a guest is: an id of guestIDs and up,
// the name they gave.
func guestUser(g *schulhof.CallGuest) *schulhof.User {
	return &schulhof.User{ID: schulhof.UserID(guestIDs + g.ID), SchoolID: g.SchoolID, FirstName: g.Name, Language: g.Language}
}

// guestOf is the guest whose cookie is key, while their time holds.
func (m *Module) guestOf(ctx context.Context, key string) *schulhof.CallGuest {
	g, err := m.guests.Get(key, func() (*schulhof.CallGuest, error) {
		return m.db.FindCallGuest(ctx, guestHash(key))
	})
	if err != nil || m.Now().After(g.Until) {
		return nil
	}
	return g
}

// guestByUser is the guest a made-up user is, while their time holds.
func (m *Module) guestByUser(ctx context.Context, u *schulhof.User) *schulhof.CallGuest {
	id := int64(u.ID) - guestIDs
	g, err := m.guestIDs.Get(id, func() (*schulhof.CallGuest, error) { return m.db.FindCallGuestByID(ctx, id) })
	if err != nil || m.Now().After(g.Until) {
		return nil
	}
	return g
}

// sessionKey is the key of a guest's socket (kit.SessionKind).
const sessionPrefix = "guest:"

// guestAlive: a guest's socket holds while the guest does.
func (m *Module) guestAlive(ctx context.Context, key []byte) (time.Time, bool) {
	g := m.guestOf(ctx, strings.TrimPrefix(string(key), sessionPrefix))
	if g == nil {
		return time.Time{}, false
	}
	return g.Until, true
}

// isGuest says whether the user is a made-up guest.
func isGuest(u *schulhof.User) bool { return u.ID >= guestIDs }

// guestLink is the secret address of a call's guests.
type guestLink struct {
	URL string `json:"url"`
}

// apiGuestLink: POST /api/v1/calls/{call}/guest-link: a new guest link
// (the one before stops working); DELETE: none any more.
func (m *Module) apiGuestLink(r *http.Request) (any, error) {
	_, cr, err := m.moderated(r)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodDelete {
		return nil, m.db.SetCallGuestKey(r.Context(), cr.call.SchoolID, cr.call.ID, nil)
	}
	tok := make([]byte, 18)
	rand.Read(tok)
	secret := strconv.FormatInt(int64(cr.call.ID), 10) + "-" + base64.RawURLEncoding.EncodeToString(tok)
	h := sha256.Sum256([]byte(secret))
	if err := m.db.SetCallGuestKey(r.Context(), cr.call.SchoolID, cr.call.ID, h[:]); err != nil {
		return nil, err
	}
	m.rights.Clear()
	return kit.Created(guestLink{URL: m.BaseURL(r) + "/calls/guest/" + secret}), nil
}

// callOfLink is the open call whose guest link the path's {link} is.
func (m *Module) callOfLink(r *http.Request) (*schulhof.Call, error) {
	secret := r.PathValue("link")
	id, _, ok := strings.Cut(secret, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.guest_link_invalid")
	}
	c, err := m.db.FindCallAnySchool(r.Context(), schulhof.CallID(n))
	if err != nil || c.Ended() || len(c.GuestKey) == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.guest_link_invalid")
	}
	h := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(h[:], c.GuestKey) != 1 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.guest_link_invalid")
	}
	return c, nil
}

// guestPage is the call page of a guest, and before it the form that
// asks their name.
type guestPage struct {
	callPage
	Link  string
	Guest *schulhof.User // who they are, once named
}

// showGuestPage: GET /calls/guest/{link}: the guest's name, then the
// call (they wait in the lobby first).
func (m *Module) showGuestPage(w http.ResponseWriter, r *http.Request) {
	c, err := m.callOfLink(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	v := m.guestView(r, c)
	m.Render(w, r, http.StatusOK, "guest", v)
}

// guestView is the guest page of the call: the call if the request's
// cookie names one of its guests, else the form for the name.
func (m *Module) guestView(r *http.Request, c *schulhof.Call) *kit.View {
	v := m.NewView(r, "call.title")
	v.Title = c.Title + " – " + v.Title
	p := &guestPage{callPage: callPage{Call: &callOut{Call: c, Lobby: true}}, Link: r.PathValue("link")}
	if ck, err := r.Cookie(guestCookie); err == nil {
		if g := m.guestOf(r.Context(), ck.Value); g != nil && g.CallID == c.ID {
			p.Guest = guestUser(g)
			p.Me, p.MyName, p.T = p.Guest.ID, p.Guest.Name(), map[string]string{}
			p.Socket = "/api/v1/calls/" + strconv.FormatInt(int64(c.ID), 10) + "/guest-socket"
			for _, k := range callScriptKeys {
				p.T[k] = i18n.T(v.Lang, k)
			}
		}
	}
	v.Data = p
	return v
}

// nameGuestFromForm: POST /calls/guest/{link} (name): the guest, with
// their cookie, goes on to the call; a name that will not do shows the
// form again with what is wrong.
func (m *Module) nameGuestFromForm(w http.ResponseWriter, r *http.Request) {
	c, err := m.callOfLink(r)
	if err != nil {
		m.Fail(w, r, err)
		return
	}
	name := strings.Join(strings.Fields(r.FormValue("name")), " ")
	if name == "" || utf8.RuneCountInString(name) > 60 {
		v := m.guestView(r, c)
		v.Error = v.T("error.invalid")
		v.Fields["name"] = v.T("call.guest_name", 60)
		m.Render(w, r, http.StatusUnprocessableEntity, "guest", v)
		return
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	key := base64.RawURLEncoding.EncodeToString(tok)
	g := &schulhof.CallGuest{CallID: c.ID, SchoolID: c.SchoolID, Name: name, Language: kit.Info(r).Lang, Until: m.Now().Add(guestFor)}
	if err := m.db.AddCallGuest(r.Context(), g, guestHash(key)); err != nil {
		m.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: guestCookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: m.SecureCookie(r), MaxAge: int(guestFor.Seconds())})
	http.Redirect(w, r, "/calls/guest/"+r.PathValue("link"), http.StatusSeeOther)
}

// serveGuestSocket: GET /api/v1/calls/{call}/guest-socket: a guest's live
// socket, as /api/v1/ws is a user's; it follows only the call and the
// guest's own topic.
func (m *Module) serveGuestSocket(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(guestCookie)
	var g *schulhof.CallGuest
	if err == nil {
		g = m.guestOf(r.Context(), ck.Value)
	}
	if g == nil || strconv.FormatInt(int64(g.CallID), 10) != r.PathValue("call") {
		m.Fail(w, r, schulhof.Errorf(schulhof.EUnauthorized, "call.guest_link_invalid"))
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	go m.Hub.Serve(context.WithoutCancel(r.Context()), ws, realtime.Session{User: guestUser(g), Key: []byte(sessionPrefix + ck.Value), Until: g.Until})
}
