package chat

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/push"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The messenger beyond rooms and messages: conversations people start,
// reactions, reports, search, typing, attachments, the school's rules,
// and Web Push.

// userTopic is the topic of events for one user (a conversation that
// includes them now).
func userTopic(id schulhof.UserID) string { return "user." + strconv.FormatInt(int64(id), 10) }

// apiStartConversation: POST /api/v1/rooms {"members": [ids], "name"?}: a
// direct conversation (one other member, no name) or a group chat.
func (s *Module) apiStartConversation(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Members []schulhof.UserID `json:"members"`
		Name    string            `json:"name"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	room, err := s.db.StartConversation(r.Context(), u, in.Members, in.Name)
	if err != nil {
		return nil, err
	}
	s.audiences.Clear() // the new room's readers, at once
	for _, m := range append(in.Members, u.ID) {
		s.publishTopic(r.Context(), u.SchoolID, userTopic(m), "room.new", map[string]any{"room": room.ID})
	}
	return kit.Created(room), nil
}

// apiChatContacts: GET /api/v1/chat/contacts?q=: people of the school
// whose names match and whom the actor may start a conversation with.
func (s *Module) apiChatContacts(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	us, err := s.db.ChatContacts(r.Context(), u, r.URL.Query().Get("q"))
	if err != nil {
		return nil, err
	}
	out := make([]memberView, 0, len(us))
	for _, x := range us {
		out = append(out, memberView{x.ID, x.Name(), x.Role})
	}
	return kit.NewList(out, ""), nil
}

// memberView is a room's member as the mention picker lists them.
type memberView struct {
	ID   schulhof.UserID `json:"id"`
	Name string          `json:"name"`
	Role schulhof.Role   `json:"role"`
}

// apiRoomMembers: GET /api/v1/rooms/{room}/members, whom one may mention
// (the school's channel lists nobody).
func (s *Module) apiRoomMembers(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	us, err := s.db.RoomMembers(r.Context(), u, room)
	if err != nil {
		return nil, err
	}
	out := make([]memberView, 0, len(us))
	for _, x := range us {
		out = append(out, memberView{x.ID, x.Name(), x.Role})
	}
	return kit.NewList(out, ""), nil
}

// apiReact: PUT and DELETE /api/v1/rooms/{room}/messages/{message}/reactions/{emoji}.
func (s *Module) apiReact(r *http.Request) (any, error) {
	u, room, id, err := chatMessage(r)
	if err != nil {
		return nil, err
	}
	emoji := r.PathValue("emoji")
	on := r.Method == http.MethodPut
	m, err := s.db.React(r.Context(), u, room, id, emoji, on)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, x := range m.Reactions {
		counts[x.Emoji] = x.Count
	}
	s.publishChat(r.Context(), u.SchoolID, room, "message.reactions",
		map[string]any{"id": id, "user": u.ID, "emoji": emoji, "on": on, "counts": counts})
	return m, nil
}

// apiReportMessage: POST /api/v1/rooms/{room}/messages/{message}/report {"reason"}.
func (s *Module) apiReportMessage(r *http.Request) (any, error) {
	u, room, id, err := chatMessage(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if err := s.db.ReportMessage(r.Context(), u, room, id, in.Reason); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiChatReports: GET /api/v1/chat/reports, the open reports the actor
// handles (leaders of rooms, the school's admins).
func (s *Module) apiChatReports(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	rs, err := s.db.FindReports(r.Context(), u)
	if err != nil {
		return nil, err
	}
	return kit.NewList(rs, ""), nil
}

// apiHandleReport: POST /api/v1/chat/reports/{report}/handled.
func (s *Module) apiHandleReport(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("report"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_report")
	}
	if err := s.db.HandleReport(r.Context(), u, id); err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiSearchMessages: GET /api/v1/chat/search?q=&room=: messages with all
// the words, in the rooms the actor reads, newest first.
func (s *Module) apiSearchMessages(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	var room int64
	if v := q.Get("room"); v != "" {
		if room, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
		}
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	ms, err := s.db.SearchMessages(r.Context(), u, q.Get("q"), schulhof.RoomID(room), limit)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ms, ""), nil
}

// typingLimiter passes one typing signal per user and room every two
// seconds; the rest are dropped quietly.

// apiTyping: POST /api/v1/rooms/{room}/typing: the actor is writing; the
// room's readers see it for a few seconds.
func (s *Module) apiTyping(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	rm, err := s.db.RoomAccess(r.Context(), u, room)
	if err != nil {
		return nil, err
	}
	if rm.CanWrite && s.typing.Take([2]int64{int64(u.ID), int64(room)}, 1, s.Now()) == 0 {
		s.publishChat(r.Context(), u.SchoolID, room, "typing", map[string]any{"user": u.ID, "name": u.Name()})
	}
	return kit.None{}, nil
}

// apiAddChatAttachment: POST /api/v1/rooms/{room}/attachments: a file for the
// next message, uploaded (multipart, field "file") or taken from the
// files module ({"school", "node"}, a file the actor may read; its bytes
// are shared, not copied).
func (s *Module) apiAddChatAttachment(w http.ResponseWriter, r *http.Request) {
	u, room, err := chatTarget(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	a := &schulhof.Attachment{}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
		var in struct {
			Node schulhof.NodeID `json:"node"`
		}
		if err := kit.ReadJSON(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		sc, err := s.db.FindSchoolByID(r.Context(), u.SchoolID)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		n, err := s.files.ReadableFile(r, sc, in.Node)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		a.Name, a.ContentType, a.Size, a.BlobKey = n.Name, n.ContentType, n.Size, n.BlobKey
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, schulhof.MaxAttachment+1<<20)
		f, hdr, err := r.FormFile("file")
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			s.Fail(w, r, schulhof.Invalid("file", "chat.attachment_too_large", blob.FormatSize(schulhof.MaxAttachment)))
			return
		}
		if err != nil {
			s.Fail(w, r, schulhof.Invalid("file", "chat.attachment_missing"))
			return
		}
		defer f.Close()
		if hdr.Size > schulhof.MaxAttachment {
			s.Fail(w, r, schulhof.Invalid("file", "chat.attachment_too_large", blob.FormatSize(schulhof.MaxAttachment)))
			return
		}
		sc, err := s.db.FindSchoolByID(r.Context(), u.SchoolID)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		// what the bytes are decides whether it shows inline: a page named
		// .png stays a download
		br := bufio.NewReader(f)
		head, _ := br.Peek(512)
		info, err := s.files.PutBlob(r, sc, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}, br, hdr.Size, 0)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		a.Name, a.Size, a.BlobKey = path.Base(strings.ReplaceAll(hdr.Filename, `\`, "/")), info.Size, string(info.Key)
		a.ContentType = sniffType(a.Name, hdr.Header.Get("Content-Type"))
		if sniffed := http.DetectContentType(head); schulhof.InlineImageTypes[a.ContentType] && sniffed != a.ContentType {
			a.ContentType = "application/octet-stream"
		}
	}
	if err := s.db.AddChatAttachment(r.Context(), u, room, a); err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, a)
}

// sniffType is the attachment's type by its name, as the files module
// stores it; what the browser claimed counts only where the name says
// nothing.
func sniffType(name, claimed string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		t, _, _ = mime.ParseMediaType(t)
		return t
	}
	if t, _, err := mime.ParseMediaType(claimed); err == nil && t != "" {
		return t
	}
	return "application/octet-stream"
}

// apiChatAttachment: GET /api/v1/rooms/{room}/attachments/{attachment}: the
// file, images inline, everything else as a download.
func (s *Module) apiChatAttachment(r *http.Request) (any, error) {
	u, room, err := chatTarget(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("attachment"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_attachment")
	}
	a, err := s.db.FindChatAttachment(r.Context(), u, room, id)
	if err != nil {
		return nil, err
	}
	return kit.Stored{Key: a.BlobKey, Name: a.Name, ContentType: a.ContentType, Inline: a.Image, MaxAge: 24 * time.Hour}, nil
}

// apiChatSettings: GET and PUT /api/v1/schools/{school}/chat-settings,
// whom students and parents may write to, and how long messages stay.
func (s *Module) apiChatSettings(r *http.Request) (any, error) {
	var sc *schulhof.School
	var err error
	if r.Method == http.MethodPut {
		sc, err = s.ManagedSchool(r)
	} else {
		sc, err = s.SchoolFromPath(r)
	}
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPut {
		var in schulhof.ChatSettings
		if err := kit.ReadJSON(r, &in); err != nil {
			return nil, err
		}
		if err := s.db.SetChatSettings(r.Context(), sc.ID, &in); err != nil {
			return nil, err
		}
	}
	set, err := s.db.ChatSettings(r.Context(), sc.ID)
	if err != nil {
		return nil, err
	}
	return set, nil
}

// publishTopic sends an event of any topic (not a room's) to every node.
func (s *Module) publishTopic(ctx context.Context, school schulhof.SchoolID, topic, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	e, _ := json.Marshal(chatEvent{School: school, Topic: topic, Event: event, Data: b})
	if err := s.Bus.Publish(ctx, "chat."+strconv.FormatInt(int64(school), 10)+"."+strings.ReplaceAll(topic, ".", "-"), e); err != nil {
		s.Log.Warn("publish event", "topic", topic, "err", err)
	}
}

// Web Push.

// pushKeysSetting holds the installation's VAPID key pair, made at first
// use; every node reads the same.
const pushKeysSetting = "push.vapid"

// pusher returns the sender with the installation's keys.
func (s *Module) pusher(ctx context.Context) (*push.Sender, error) {
	s.pushMu.Lock()
	defer s.pushMu.Unlock()
	if s.pushSender != nil {
		return s.pushSender, nil
	}
	raw, err := s.db.Setting(ctx, pushKeysSetting)
	if err != nil {
		return nil, err
	}
	var keys push.Keys
	if raw == "" {
		if keys, err = push.GenerateKeys(); err != nil {
			return nil, err
		}
		b, _ := json.Marshal(keys)
		// another node may have made a pair meanwhile: the first one stays
		if raw, err = s.db.SettingOnce(ctx, pushKeysSetting, string(b)); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal([]byte(raw), &keys); err != nil || keys.Public == "" {
		return nil, errors.New("the stored VAPID keys are unreadable")
	}
	subscriber := "https://schulhof.invalid"
	if o, err := s.db.FindOperator(ctx); err == nil && strings.Contains(o.Contact, "@") && !strings.ContainsAny(o.Contact, " <>") {
		subscriber = o.Contact
	} else if u := strings.TrimRight(s.PublicURL, "/"); strings.HasPrefix(u, "https://") {
		subscriber = u
	}
	s.pushSender = &push.Sender{Keys: keys, Subscriber: subscriber, Hosts: s.cfg.PushHosts, AllowHTTP: s.cfg.PushAllowHTTP}
	return s.pushSender, nil
}

// apiPushKey: GET /api/v1/push/key, the server's public VAPID key that
// the browser subscribes with.
func (s *Module) apiPushKey(r *http.Request) (any, error) {
	p, err := s.pusher(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]string{"public_key": p.Keys.Public}, nil
}

// apiPushSubscribe: PUT /api/v1/push/subscription {"endpoint", "p256dh",
// "auth"} keeps the browser's subscription; DELETE {"endpoint"} drops it.
func (s *Module) apiPushSubscribe(r *http.Request) (any, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	var in schulhof.PushSubscription
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	p, err := s.pusher(r.Context())
	if err != nil {
		return nil, err
	}
	switch err = p.CheckEndpoint(in.Endpoint); {
	case err != nil: // nothing stored has such an address, to keep or to drop
	case r.Method == http.MethodDelete:
		err = s.db.DeletePushSubscription(r.Context(), u.ID, in.Endpoint)
	case len(in.P256dh) < 80 || len(in.P256dh) > 100 || len(in.Auth) < 16 || len(in.Auth) > 32:
		err = schulhof.Invalid("p256dh", "push.bad_keys")
	default:
		if err = s.db.SavePushSubscription(r.Context(), u, &in); err == nil {
			s.pushSchools.Clear() // the school has one now
		}
	}
	if err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// pushPayload is what the service worker shows.
type pushPayload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url"`
	Tag   string `json:"tag"`
}

// notifyMessage sends a new message to the browsers of the room's other
// readers that asked for notifications, in the background: at most a few
// pushes at a time, each bounded in time. Mentioned readers are told too
// (they are readers). The posting node sends; the others do not.
func (s *Module) notifyMessage(sender *schulhof.User, m *schulhof.Message) {
	// bounded: a slow push service must not gather a goroutine per
	// message; past the bound a message goes without a push (it is
	// stored, and the socket or the next visit shows it)
	if s.pushPending.Add(1) > s.pushLimit {
		s.pushPending.Add(-1)
		s.pushDropped.Add(1)
		return
	}
	s.pushWG.Add(1)
	go func() {
		defer s.pushWG.Done()
		defer s.pushPending.Add(-1)
		s.pushSlots <- struct{}{}
		defer func() { <-s.pushSlots }()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if has, err := s.pushSchools.Get(sender.SchoolID, func() (bool, error) {
			return s.db.HasPushSubscriptions(ctx, sender.SchoolID)
		}); err != nil || !has {
			return
		}
		subs, err := s.db.RoomPushSubscriptions(ctx, sender.SchoolID, m.RoomID, sender.ID)
		if err != nil {
			s.Log.Warn("push: subscriptions", "room", m.RoomID, "err", err)
			return
		}
		if len(subs) == 0 {
			return
		}
		p, err := s.pusher(ctx)
		if err != nil {
			s.Log.Warn("push: keys", "err", err)
			return
		}
		room, err := s.db.FindRoom(ctx, sender, m.RoomID)
		if err != nil {
			return
		}
		title := room.Name
		switch room.Kind {
		case schulhof.RoomDirect:
			title = m.Name
		case schulhof.RoomSchool:
			title = i18n.T("de", "chat.school_room")
		}
		body := m.Text
		if body == "" && len(m.Attachments) > 0 {
			body = "📎 " + m.Attachments[0].Name
		}
		if set, err := s.db.ChatSettings(ctx, sender.SchoolID); err != nil || set.PushWithoutText {
			body = i18n.T("de", "chat.push_new")
		}
		if room.Kind != schulhof.RoomDirect {
			body = m.Name + ": " + body
		}
		if utf8.RuneCountInString(body) > 140 {
			body = string([]rune(body)[:140]) + "…"
		}
		tag := "room-" + strconv.FormatInt(int64(m.RoomID), 10)
		payload, _ := json.Marshal(pushPayload{Title: title, Body: body, URL: "/chat?room=" + strconv.FormatInt(int64(m.RoomID), 10), Tag: tag})
		sem := make(chan struct{}, 8)
		var wg sync.WaitGroup
		for _, sub := range subs {
			wg.Add(1)
			sem <- struct{}{}
			go func(sub *schulhof.PushSubscription) {
				defer func() { <-sem; wg.Done() }()
				err := p.Send(ctx, sub, payload, tag, 24*time.Hour)
				if errors.Is(err, push.ErrGone) {
					s.db.DeletePushSubscription(ctx, 0, sub.Endpoint)
				} else if err != nil {
					s.Log.Warn("push", "err", err)
				}
			}(sub)
		}
		wg.Wait()
	}()
}
