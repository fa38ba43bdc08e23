package chat

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The messenger's page: the user's rooms with their unread counts, and
// the chosen room's latest messages with a form to write. It works as
// plain HTML; static/chat.js makes it live over the socket.

type chatPage struct {
	Rooms    []*schulhof.Room
	Room     *schulhof.Room
	Messages []*schulhof.Message
	LastID   int64
	// Found is the message the page was opened at (a search hit), shown
	// with the messages around it; Older: there are messages before the
	// first one shown.
	Found  int64
	Older  bool
	Me     schulhof.UserID
	Unread int // over all rooms, for the title
	// T are the sentences the script shows, in the reader's language
	T map[string]string
}

// chatScriptKeys are the sentences of static/chat.js.
var chatScriptKeys = []string{"chat.edited", "chat.deleted", "chat.deleted_by_moderator", "chat.react", "chat.reply", "chat.report",
	"chat.delete", "chat.report_prompt", "chat.reported", "chat.delete_confirm", "chat.reads", "chat.typing", "chat.replying",
	"chat.offline", "chat.no_results", "chat.reported_by", "chat.handled", "chat.notify_on", "chat.notify_off", "chat.notify_denied",
	"chat.edit", "chat.mute_hour", "chat.muted_hour", "chat.older", "chat.history_start", "chat.newer"}

// showChatPage: GET /chat[?room=ID].
func (s *Module) showChatPage(r *http.Request) (*kit.View, error) {
	u, err := chatUser(r)
	if err != nil {
		return nil, err
	}
	v := s.NewView(r, "chat.title")
	p := &chatPage{Me: u.ID, T: map[string]string{}}
	for _, k := range chatScriptKeys {
		p.T[k] = i18n.T(v.Lang, k)
	}
	if p.Rooms, err = s.roomsOf(r.Context(), u, v.Lang); err != nil {
		return nil, err
	}
	for _, room := range p.Rooms {
		p.Unread += room.Unread
	}
	if id := r.URL.Query().Get("room"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
		}
		if p.Room, err = s.db.FindRoom(r.Context(), u, schulhof.RoomID(n)); err != nil {
			return nil, err
		}
		nameRoom(p.Room, v.Lang)
		if p.Messages, err = s.pageMessages(r, u, p.Room.ID, &p.Found); err != nil {
			return nil, err
		}
		if len(p.Messages) > 0 {
			older, err := s.db.FindMessagesBefore(r.Context(), u, p.Room.ID, p.Messages[0].ID, 1)
			if err != nil {
				return nil, err
			}
			p.Older = len(older) > 0
			p.LastID = p.Messages[len(p.Messages)-1].ID
			// opening the room reads it
			if err := s.db.MarkRead(r.Context(), u, p.Room.ID, p.LastID); err != nil {
				return nil, err
			}
			p.Unread -= p.Room.Unread
		}
	}
	v.Data = p
	if p.Unread > 0 {
		v.Title = "(" + strconv.Itoa(p.Unread) + ") " + v.Title
	}
	return v, nil
}

// pageMessages are the messages the room's page opens with: the newest,
// or with ?message=ID those around that one (a search hit, or the page
// before for a browser without script), which found is set to.
func (s *Module) pageMessages(r *http.Request, u *schulhof.User, room schulhof.RoomID, found *int64) ([]*schulhof.Message, error) {
	at, err := messageCursor(r.URL.Query().Get("message"))
	if err != nil || at == 0 {
		return s.db.FindMessages(r.Context(), u, room, 0, defaultPage)
	}
	*found = at
	older, err := s.db.FindMessagesBefore(r.Context(), u, room, at+1, defaultPage/2)
	if err != nil {
		return nil, err
	}
	slices.Reverse(older)
	newer, err := s.db.FindMessages(r.Context(), u, room, at, defaultPage/2)
	if err != nil {
		return nil, err
	}
	return append(older, newer...), nil
}

// postChatForm: POST /chat/{room}, the form without script.
func (s *Module) postChatForm(r *http.Request) (string, error) {
	if _, err := s.postMessage(r, &schulhof.NewMessage{Text: r.PostFormValue("text")}); err != nil {
		return "", err
	}
	return "/chat?room=" + r.PathValue("room"), nil
}

// chatSettingsForm is the messenger's part of the settings page: per role
// (students, parents) the roles they may write to, and the retention.
type chatSettingsForm struct {
	Rules           []chatRoleRule
	RetentionDays   int
	PushWithoutText bool
}

type chatRoleRule struct {
	From    schulhof.Role
	Label   string // the sentence key
	Targets []chatRoleTarget
}

type chatRoleTarget struct {
	Role    schulhof.Role
	Allowed bool
}

func (s *Module) chatSettingsForm(ctx context.Context, sc *schulhof.School) *chatSettingsForm {
	set, err := s.db.ChatSettings(ctx, sc.ID)
	if err != nil {
		set = schulhof.DefaultChatSettings()
	}
	f := &chatSettingsForm{RetentionDays: set.RetentionDays, PushWithoutText: set.PushWithoutText}
	for _, from := range []schulhof.Role{schulhof.RoleStudent, schulhof.RoleParent} {
		rule := chatRoleRule{From: from, Label: "chat.settings_students"}
		if from == schulhof.RoleParent {
			rule.Label = "chat.settings_parents"
		}
		for _, to := range schulhof.Roles {
			rule.Targets = append(rule.Targets, chatRoleTarget{Role: to, Allowed: set.MayStart(from, to)})
		}
		f.Rules = append(f.Rules, rule)
	}
	return f
}

// saveChatSettingsFromForm: POST /s/{school}/settings/chat.
func (s *Module) saveChatSettingsFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SettingsSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	set := &schulhof.ChatSettings{StartWith: map[schulhof.Role][]schulhof.Role{}, PushWithoutText: r.PostFormValue("push_without_text") == "1"}
	for _, from := range []schulhof.Role{schulhof.RoleStudent, schulhof.RoleParent} {
		set.StartWith[from] = []schulhof.Role{}
		for _, v := range r.PostForm[from.String()] {
			if to, ok := schulhof.ParseRole(v); ok {
				set.StartWith[from] = append(set.StartWith[from], to)
			}
		}
	}
	if set.RetentionDays, err = strconv.Atoi(strings.TrimSpace(r.PostFormValue("retention_days"))); err != nil {
		err = schulhof.Invalid("retention_days", "chat.retention_range")
	}
	if err == nil {
		err = s.db.SetChatSettings(r.Context(), sc.ID, set)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "settings.title")
		s.RenderSettings(w, r, s.FormError(r, v, err), sc, v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/settings?flash=saved#chat", http.StatusSeeOther)
}
