package video

import (
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/rtc"
)

// Breakout rooms: the moderator splits the class into small rooms for a
// while (automatically or by hand), each with its own media room of the
// unit; when the time is up, or the moderator says so, everyone comes
// back. A peer that is moved is told ("call.moved") and its client
// comes back into the call on new connections, as after a drop.

// breakout is a call's breakout rooms while they last.
type breakout struct {
	Rooms  int       `json:"rooms"`
	EndsAt time.Time `json:"ends_at,omitzero"` // zero: until the moderator ends them
	timer  *time.Timer
}

// stop stops the timer of the breakout, if there is one.
func (b *breakout) stop() {
	if b != nil && b.timer != nil {
		b.timer.Stop()
	}
}

// Limits of breakout rooms.
const (
	maxBreakoutRooms = 20
	maxBreakoutTime  = 3 * time.Hour
)

// rtcRoom is the unit's room of the call's main room (0) or a breakout
// room.
func (lc *liveCall) rtcRoom(n int) *rtc.Room {
	if n == 0 {
		return lc.room
	}
	return lc.m.sfu.Room(callTopic(lc.id) + "/" + strconv.Itoa(n))
}

// startBreakouts splits the call into rooms: the peers in assign go to
// theirs, everyone else who does not moderate is dealt round the rooms
// in random order; moderators stay in the main room unless assigned.
func (lc *liveCall) startBreakouts(rooms int, d time.Duration, assign map[string]int) error {
	if rooms < 1 || rooms > maxBreakoutRooms {
		return schulhof.Invalid("rooms", "call.breakout.rooms", maxBreakoutRooms)
	}
	if d < 0 || d > maxBreakoutTime {
		return schulhof.Invalid("seconds", "call.breakout.time")
	}
	lc.mu.Lock()
	for id, n := range assign {
		if lc.peers[id] == nil {
			lc.mu.Unlock()
			return schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
		}
		if n < 0 || n > rooms {
			lc.mu.Unlock()
			return schulhof.Invalid("assign", "call.breakout.no_room")
		}
	}
	lc.breakout.stop()
	b := &breakout{Rooms: rooms}
	if d > 0 {
		b.EndsAt = lc.m.Now().Add(d)
		b.timer = time.AfterFunc(d, func() { lc.endBreakouts(b) })
	}
	lc.breakout = b
	var rest []*peer
	for _, p := range lc.peers {
		if n, ok := assign[p.ID]; ok {
			lc.moveLocked(p, n)
		} else if !p.Moderator {
			rest = append(rest, p)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].ID < rest[j].ID })
	rand.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	for i, p := range rest {
		lc.moveLocked(p, 1+i%rooms)
	}
	lc.mu.Unlock()
	lc.announce()
	return nil
}

// moveLocked puts the peer into room n and tells its client; lc.mu is
// held.
func (lc *liveCall) moveLocked(p *peer, n int) {
	if p.Room == n {
		return
	}
	p.Room = n
	lc.tell(p.User, "call.moved", map[string]any{"peer": p.ID, "room": n})
}

// move puts one peer into a room of the running breakout (0: the main
// room).
func (lc *liveCall) move(peerID string, n int) error {
	lc.mu.Lock()
	p := lc.peers[peerID]
	rooms := 0
	if lc.breakout != nil {
		rooms = lc.breakout.Rooms
	}
	switch {
	case p == nil:
		lc.mu.Unlock()
		return schulhof.Errorf(schulhof.ENotFound, "call.no_peer")
	case n < 0 || n > rooms:
		lc.mu.Unlock()
		return schulhof.Invalid("room", "call.breakout.no_room")
	}
	lc.moveLocked(p, n)
	lc.mu.Unlock()
	lc.announce()
	return nil
}

// endBreakouts brings everyone back into the main room; b is the
// breakout to end (nil: whichever runs), so that an old timer ends no
// newer one.
func (lc *liveCall) endBreakouts(b *breakout) {
	lc.mu.Lock()
	if lc.breakout == nil || (b != nil && lc.breakout != b) {
		lc.mu.Unlock()
		return
	}
	lc.breakout.stop()
	lc.breakout = nil
	for _, p := range lc.peers {
		lc.moveLocked(p, 0)
	}
	lc.mu.Unlock()
	lc.announce()
}

type breakoutIn struct {
	Rooms   int            `json:"rooms"`
	Seconds int            `json:"seconds"`
	Assign  map[string]int `json:"assign"`
}

// apiStartBreakouts: POST /api/v1/calls/{call}/breakouts {"rooms",
// "seconds", "assign"}.
func (m *Module) apiStartBreakouts(r *http.Request) (any, error) {
	return m.moderate(r, "breakouts", &breakoutIn{})
}

type moveIn struct {
	Peer string `json:"peer"`
	Room int    `json:"room"`
}

// apiMoveToBreakout: POST /api/v1/calls/{call}/breakouts/move {"peer",
// "room"}.
func (m *Module) apiMoveToBreakout(r *http.Request) (any, error) {
	return m.moderate(r, "move", &moveIn{})
}

// apiEndBreakouts: DELETE /api/v1/calls/{call}/breakouts: everyone back.
func (m *Module) apiEndBreakouts(r *http.Request) (any, error) {
	return m.moderate(r, "back", nil)
}
