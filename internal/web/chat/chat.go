package chat

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The messenger: rooms and messages by REST, live events over the one
// WebSocket of each tab (internal/realtime). A message is stored first,
// then published on the bus ("chat.SCHOOL.ROOM"); every node delivers it
// to the sockets it holds that follow the room ("room.ID") and may still
// read it.

// chatEvent is what goes over the bus.
type chatEvent struct {
	School schulhof.SchoolID `json:"school"`
	Room   schulhof.RoomID   `json:"room"`
	// Topic, where set, is where the event goes instead of the room's.
	Topic string          `json:"topic,omitempty"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// start takes the rooms' events from the bus to the hub, and adds the
// topic kind "room" to it.
func (s *Module) start() error {
	s.AddTopic("room", kit.TopicKind{MayFollow: s.mayFollowRoom})
	sub, err := s.Bus.Subscribe("chat.>", func(_ string, data []byte) {
		var e chatEvent
		if json.Unmarshal(data, &e) != nil {
			return
		}
		topic := e.Topic
		if topic == "" {
			topic = "room." + strconv.FormatInt(int64(e.Room), 10)
		}
		s.Hub.Deliver(context.Background(), topic, e.Event, e.Data)
	})
	s.sub = sub
	return err
}

// Wait waits for the Web Push notifications under way, each bounded in
// time (at shutdown, in tests).
func (s *Module) Wait() { s.pushWG.Wait() }

// Stop leaves the bus.
func (s *Module) Stop() { s.sub.Unsubscribe() }

// mayFollowRoom says whether the user may follow a room: one they read.
// Every delivery asks, so a room's readers are loaded once and kept five
// seconds: who leaves a class stops getting its messages that much later.
func (s *Module) mayFollowRoom(ctx context.Context, u *schulhof.User, id int64) bool {
	a, err := s.audiences.Get(schulhof.RoomID(id), func() (*schulhof.RoomAudience, error) {
		return s.db.RoomAudience(ctx, u.SchoolID, schulhof.RoomID(id))
	})
	return err == nil && a.Reads(u)
}

// publishChat sends an event of a room to every node.
func (s *Module) publishChat(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	e, _ := json.Marshal(chatEvent{School: school, Room: room, Event: event, Data: b})
	subject := "chat." + strconv.FormatInt(int64(school), 10) + "." + strconv.FormatInt(int64(room), 10)
	if err := s.Bus.Publish(ctx, subject, e); err != nil {
		// stored already: readers get it by cursor on their next fetch
		s.Log.Warn("publish chat event", "room", room, "err", err)
	}
}

// chatUser is the actor, who must belong to a school to chat.
func chatUser(r *http.Request) (*schulhof.User, error) {
	a := kit.AuthOf(r)
	if a.User == nil || a.User.SchoolID == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	return a.User, nil
}

// chatTarget is the actor and the path's {room}.
func chatTarget(r *http.Request) (*schulhof.User, schulhof.RoomID, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, 0, err
	}
	room, err := roomFromPath(r)
	return u, room, err
}

// chatMessage is the actor, the path's {room} and its {message}.
func chatMessage(r *http.Request) (*schulhof.User, schulhof.RoomID, int64, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, 0, 0, err
	}
	id, err := strconv.ParseInt(r.PathValue("message"), 10, 64)
	if err != nil {
		return nil, 0, 0, schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
	}
	return u, room, id, nil
}

// roomsOf are the user's rooms, the school's channel named.
func (s *Module) roomsOf(ctx context.Context, u *schulhof.User, lang string) ([]*schulhof.Room, error) {
	if err := s.db.EnsureRooms(ctx, u.SchoolID); err != nil {
		return nil, err
	}
	rooms, err := s.db.FindRooms(ctx, u)
	for _, r := range rooms {
		nameRoom(r, lang)
	}
	if rooms == nil {
		rooms = []*schulhof.Room{}
	}
	return rooms, err
}

func nameRoom(r *schulhof.Room, lang string) {
	if r.Kind == schulhof.RoomSchool && r.Name == "" {
		r.Name = i18n.T(lang, "chat.school_room")
	}
}

// apiRooms: GET /api/v1/rooms.
func (s *Module) apiRooms(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	rooms, err := s.roomsOf(r.Context(), u, kit.Info(r).Lang)
	if err != nil {
		return nil, err
	}
	return kit.NewList(rooms, ""), nil
}

func roomFromPath(r *http.Request) (schulhof.RoomID, error) {
	n, err := strconv.ParseInt(r.PathValue("room"), 10, 64)
	if err != nil {
		return 0, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	return schulhof.RoomID(n), nil
}

// apiRoomMessages: GET /api/v1/rooms/{room}/messages?after=CURSOR&limit=N:
// the messages after the cursor (the newest without one), oldest first;
// next is the cursor to ask with for what comes after them. With
// ?before=ID instead, the page before that message (see olderMessages).
func (s *Module) apiRoomMessages(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	after, err := messageCursor(q.Get("after"))
	if err != nil {
		return nil, err
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if v := q.Get("before"); v != "" {
		before, err := messageCursor(v)
		if err != nil || before == 0 || after != 0 {
			return nil, schulhof.Errorf(schulhof.EBadRequest, "cursor.invalid")
		}
		return s.olderMessages(r, u, room, before, limit)
	}
	ms, err := s.db.FindMessages(r.Context(), u, room, after, limit)
	if err != nil {
		return nil, err
	}
	next := after
	if len(ms) > 0 {
		next = ms[len(ms)-1].ID
	}
	return map[string]any{"items": ms, "next": strconv.FormatInt(next, 10)}, nil
}

// olderMessages is a page of the room's history before the id, newest
// first, with next the cursor of the page before it ("" at the first
// message): scrolling back, and the page of a search hit.
func (s *Module) olderMessages(r *http.Request, u *schulhof.User, room schulhof.RoomID, before int64, limit int) (any, error) {
	if limit <= 0 || limit > maxPage {
		limit = defaultPage
	}
	ms, err := s.db.FindMessagesBefore(r.Context(), u, room, before, limit+1) // one more: is there a page before?
	if err != nil {
		return nil, err
	}
	next := ""
	if len(ms) > limit {
		ms = ms[:limit]
		next = strconv.FormatInt(ms[limit-1].ID, 10)
	}
	return map[string]any{"items": ms, "next": next}, nil
}

// Pages of messages: the newest 50 at first, at most 200 at once.
const (
	defaultPage = 50
	maxPage     = 200
)

// messageCursor reads a message id of the query ("" is 0).
func messageCursor(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, schulhof.Errorf(schulhof.EBadRequest, "cursor.invalid")
	}
	return id, nil
}

// apiPostMessage: POST /api/v1/rooms/{room}/messages {"text", "reply_to"?,
// "mentions"?, "attachments"?}.
func (s *Module) apiPostMessage(r *http.Request) (any, error) {
	var in schulhof.NewMessage
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	m, err := s.postMessage(r, &in)
	if err != nil {
		return nil, err
	}
	if m.Repeated {
		return m, nil // stored before: 200, not 201
	}
	return kit.Created(m), nil
}

// postMessage stores a message of the actor in the path's room and
// publishes it.
func (s *Module) postMessage(r *http.Request, in *schulhof.NewMessage) (*schulhof.Message, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	if wait := s.limits.Take(u.ID, 1, s.Now()); wait > 0 {
		return nil, &schulhof.Error{Code: schulhof.ERateLimited, Key: "chat.slow_down", Args: []any{kit.Seconds(wait)}, RetryAfter: kit.Seconds(wait)}
	}
	m, err := s.db.PostMessage(r.Context(), u, room, in)
	if err != nil {
		return nil, err
	}
	// published again when sent again: the node that stored it may have
	// died before it published (clients drop an id they show already)
	s.publishChat(r.Context(), u.SchoolID, room, "message.new", m)
	if st, ok := s.Bus.(bus.Settler); ok {
		// the answer is not ahead of the event: a node that dies after
		// answering has published what it answered for
		if err := st.Settle(r.Context()); err != nil {
			s.Log.Warn("settle chat event", "room", room, "err", err)
		}
	}
	if !m.Repeated {
		s.notifyMessage(u, m)
	}
	return m, nil
}

// apiMarkRead: POST /api/v1/rooms/{room}/read {"up_to"}.
func (s *Module) apiMarkRead(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		UpTo int64 `json:"up_to"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.db.MarkRead(r.Context(), u, room, in.UpTo); err != nil {
		return nil, err
	}
	s.publishChat(r.Context(), u.SchoolID, room, "read", map[string]any{"user": u.ID, "up_to": in.UpTo})
	return kit.None{}, nil
}

// readerView is a reader as read receipts list them.
type readerView struct {
	ID   schulhof.UserID `json:"id"`
	Name string          `json:"name"`
}

// apiMessageReads: GET /api/v1/rooms/{room}/messages/{message}/reads, who
// has read a message and who not yet (its sender and the room's leaders).
func (s *Module) apiMessageReads(r *http.Request) (any, error) {
	u, room, msg, err := chatMessage(r)
	if err != nil {
		return nil, err
	}
	read, unread, err := s.db.MessageReads(r.Context(), u, room, msg)
	if err != nil {
		return nil, err
	}
	view := func(us []*schulhof.User) []readerView {
		out := []readerView{}
		for _, x := range us {
			out = append(out, readerView{x.ID, x.Name()})
		}
		return out
	}
	return map[string]any{"read": view(read), "unread": view(unread)}, nil
}

// how many messages a user may post: a burst of ten, then one every two
// seconds (Config.ChatEvery); five refusals in a row mute for five minutes
const (
	chatBurst   = 10
	chatRefill  = 2 * time.Second
	chatStrikes = 5
	chatMute    = 5 * time.Minute
)

// changedMessage publishes a message as it is now, after an edit or a
// deletion, and returns it.
func (s *Module) changedMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64, event string) (*schulhof.Message, error) {
	m, err := s.db.FindMessage(ctx, u, room, id)
	if err != nil {
		return nil, err
	}
	s.publishChat(ctx, u.SchoolID, room, event, m)
	return m, nil
}

// apiEditMessage: PATCH /api/v1/rooms/{room}/messages/{message} {"text"}
// (one's own).
func (s *Module) apiEditMessage(r *http.Request) (any, error) {
	u, room, id, err := chatMessage(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Text string `json:"text"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.db.EditMessage(r.Context(), u, room, id, in.Text); err != nil {
		return nil, err
	}
	m, err := s.changedMessage(r.Context(), u, room, id, "message.edited")
	if err != nil {
		return nil, err
	}
	return m, nil
}

// apiDeleteMessage: DELETE /api/v1/rooms/{room}/messages/{message} (one's
// own, or any as the room's leader: "deleted by moderator" stays).
func (s *Module) apiDeleteMessage(r *http.Request) (any, error) {
	u, room, id, err := chatMessage(r)
	if err != nil {
		return nil, err
	}
	if err := s.db.DeleteMessage(r.Context(), u, room, id); err != nil {
		return nil, err
	}
	if _, err := s.changedMessage(r.Context(), u, room, id, "message.deleted"); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiLockRoom: PUT /api/v1/rooms/{room}/lock {"locked"} (the room's leaders).
func (s *Module) apiLockRoom(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Locked bool `json:"locked"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.db.LockRoom(r.Context(), u, room, in.Locked); err != nil {
		return nil, err
	}
	s.publishChat(r.Context(), u.SchoolID, room, "room.locked", map[string]bool{"locked": in.Locked})
	rm, err := s.db.FindRoom(r.Context(), u, room)
	if err != nil {
		return nil, err
	}
	nameRoom(rm, kit.Info(r).Lang)
	return rm, nil
}

// apiMuteMember: PUT /api/v1/rooms/{room}/mutes/{user} {"minutes"} (the
// room's leaders; 0 minutes lifts it).
func (s *Module) apiMuteMember(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	member, err := strconv.ParseInt(r.PathValue("user"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
	}
	var in struct {
		Minutes int `json:"minutes"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Minutes < 0 || in.Minutes > 7*24*60 {
		return nil, schulhof.Invalid("minutes", "chat.mute_minutes")
	}
	var until time.Time
	if in.Minutes > 0 {
		until = s.Now().Add(time.Duration(in.Minutes) * time.Minute)
	}
	if err := s.db.MuteMember(r.Context(), u, room, schulhof.UserID(member), until); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}
