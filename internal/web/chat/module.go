// Package chat is the module of the messenger: a room per group, the
// school's announcement channel, direct and small group conversations as
// the school allows; messages with replies, reactions, mentions and
// attachments; moderation and reports; live over the socket (topic
// "room.ID") and as Web Push notifications.
package chat

import (
	"context"
	"embed"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/push"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	AddChatAttachment(ctx context.Context, u *schulhof.User, room schulhof.RoomID, a *schulhof.Attachment) error
	ChatContacts(ctx context.Context, u *schulhof.User, query string) ([]*schulhof.User, error)
	ChatSettings(ctx context.Context, school schulhof.SchoolID) (*schulhof.ChatSettings, error)
	DeleteMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) error
	DeletePushSubscription(ctx context.Context, user schulhof.UserID, endpoint string) error
	EditMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64, text string) error
	EnsureRooms(ctx context.Context, school schulhof.SchoolID) error
	FindChatAttachment(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) (*schulhof.Attachment, error)
	FindMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) (*schulhof.Message, error)
	FindMessages(ctx context.Context, u *schulhof.User, room schulhof.RoomID, after int64, limit int) ([]*schulhof.Message, error)
	FindMessagesBefore(ctx context.Context, u *schulhof.User, room schulhof.RoomID, before int64, limit int) ([]*schulhof.Message, error)
	FindOperator(ctx context.Context) (*schulhof.Operator, error)
	FindReports(ctx context.Context, u *schulhof.User) ([]*schulhof.Report, error)
	FindRoom(ctx context.Context, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error)
	FindRooms(ctx context.Context, u *schulhof.User) ([]*schulhof.Room, error)
	FindMessagesBy(ctx context.Context, u *schulhof.User) ([]*schulhof.Message, error)
	FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error)
	HandleReport(ctx context.Context, u *schulhof.User, id int64) error
	HasPushSubscriptions(ctx context.Context, school schulhof.SchoolID) (bool, error)
	LockRoom(ctx context.Context, u *schulhof.User, room schulhof.RoomID, locked bool) error
	MarkRead(ctx context.Context, u *schulhof.User, room schulhof.RoomID, upTo int64) error
	MessageReads(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64) (read, unread []*schulhof.User, err error)
	MuteMember(ctx context.Context, u *schulhof.User, room schulhof.RoomID, member schulhof.UserID, until time.Time) error
	PostMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, in *schulhof.NewMessage) (*schulhof.Message, error)
	PurgeOldMessages(ctx context.Context, now time.Time) (int64, error)
	React(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64, emoji string, on bool) (*schulhof.Message, error)
	ReportMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64, reason string) error
	RoomAccess(ctx context.Context, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error)
	RoomAudience(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID) (*schulhof.RoomAudience, error)
	RoomMembers(ctx context.Context, u *schulhof.User, room schulhof.RoomID) ([]*schulhof.User, error)
	RoomPushSubscriptions(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID, except schulhof.UserID) ([]*schulhof.PushSubscription, error)
	SavePushSubscription(ctx context.Context, u *schulhof.User, s *schulhof.PushSubscription) error
	SearchMessages(ctx context.Context, u *schulhof.User, query string, room schulhof.RoomID, limit int) ([]*schulhof.Message, error)
	SetChatSettings(ctx context.Context, school schulhof.SchoolID, s *schulhof.ChatSettings) error
	Setting(ctx context.Context, key string) (string, error)
	SettingOnce(ctx context.Context, key, value string) (string, error)
	StartConversation(ctx context.Context, u *schulhof.User, members []schulhof.UserID, name string) (*schulhof.Room, error)
}

// Files is what the messenger needs of the files module: storing an
// attachment against the sender's quota, and a file the sender may read
// (shared into a room, not copied).
type Files interface {
	PutBlob(r *http.Request, sc *schulhof.School, space schulhof.Space, body io.Reader, size, pending int64) (blob.Info, error)
	ReadableFile(r *http.Request, sc *schulhof.School, id schulhof.NodeID) (*schulhof.Node, error)
}

// Config is what the messenger takes of the configuration.
type Config struct {
	// Every is how often a user may post once their burst of ten is
	// spent; 0 means every two seconds (load tests set it lower).
	Every time.Duration
	// PushHosts are the push services the server posts Web Push
	// notifications to (push.DefaultHosts when empty); PushAllowHTTP
	// allows plain http endpoints, for tests on loopback.
	PushHosts     []string
	PushAllowHTTP bool
}

// Module serves the messenger's pages, API and live topic.
type Module struct {
	*kit.Deps
	db    Store
	files Files
	cfg   Config

	sub       bus.Subscription
	audiences *kit.Cache[schulhof.RoomID, *schulhof.RoomAudience]
	limits    kit.RateLimit[schulhof.UserID]
	typing    kit.RateLimit[[2]int64] // user and room: one notice in two seconds

	pushMu     sync.Mutex
	pushSender *push.Sender
	pushWG     sync.WaitGroup // pushes under way, for tests and shutdown
	// the messages whose pushes are pending (at most pushLimit; past it
	// they go without), pushSlots those sent at once, pushDropped those
	// that went without
	pushPending atomic.Int64
	pushLimit   int64
	pushSlots   chan struct{}
	pushDropped atomic.Int64
	// pushSchools says per school whether any browser asked for
	// notifications (kept ten seconds)
	pushSchools *kit.Cache[schulhof.SchoolID, bool]
}

// New is the module on the server's Deps, its store and the files
// module; it takes the rooms' events from the bus.
func New(d *kit.Deps, db Store, files Files, cfg Config) (*Module, error) {
	s := &Module{Deps: d, db: db, files: files, cfg: cfg,
		audiences:   kit.Shared(d, "chat.audiences", kit.NewCache[schulhof.RoomID, *schulhof.RoomAudience](5*time.Second, 20_000)),
		limits:      kit.RateLimit[schulhof.UserID]{Burst: chatBurst, Every: chatRefill, Strikes: chatStrikes, Mute: chatMute},
		typing:      kit.RateLimit[[2]int64]{Burst: 1, Every: 2 * time.Second},
		pushLimit:   1000,
		pushSlots:   make(chan struct{}, 4),
		pushSchools: kit.Shared(d, "chat.push_schools", kit.NewCache[schulhof.SchoolID, bool](10*time.Second, 10_000)),
	}
	if cfg.Every > 0 {
		s.limits.Every = cfg.Every
	}
	kit.ShareLimit(d, "chat.messages", &s.limits)
	d.AddSettings(kit.SettingsSection{Order: 40, Part: "settings-chat", Fill: func(ctx context.Context, sc *schulhof.School, data map[string]any) {
		data["Chat"] = s.chatSettingsForm(ctx, sc)
	}})
	d.AddStartCard(kit.StartCard{Order: 20, Part: "start-unread", Fill: func(r *http.Request, sc *schulhof.School, data map[string]any) (err error) {
		data["Unread"], err = s.unreadRooms(r.Context(), kit.AuthOf(r).User, kit.Info(r).Lang)
		return err
	}})
	d.Metrics.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "schulhof_push_pending", Help: "Messages whose Web Push is pending."},
			func() float64 { return float64(s.pushPending.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_push_dropped_total", Help: "Messages that went without Web Push, the node's pushes being full."},
			func() float64 { return float64(s.pushDropped.Load()) }))
	d.AddExportPart(kit.ExportPart{Order: 40, Folder: "nachrichten", About: "export.messages", Write: s.exportMessages})
	return s, s.start()
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /chat", "chat", s.showChatPage)
	rt.Form("POST /chat/{room}", s.postChatForm)
	rt.Page("POST /s/{school}/settings/chat", s.saveChatSettingsFromForm)
	rt.JSON("GET /api/v1/rooms", s.apiRooms)
	rt.JSON("GET /api/v1/rooms/{room}/messages", s.apiRoomMessages)
	rt.JSON("POST /api/v1/rooms/{room}/messages", s.apiPostMessage)
	rt.JSON("POST /api/v1/rooms/{room}/read", s.apiMarkRead)
	rt.JSON("GET /api/v1/rooms/{room}/messages/{message}/reads", s.apiMessageReads)
	rt.JSON("PATCH /api/v1/rooms/{room}/messages/{message}", s.apiEditMessage)
	rt.JSON("DELETE /api/v1/rooms/{room}/messages/{message}", s.apiDeleteMessage)
	rt.JSON("PUT /api/v1/rooms/{room}/lock", s.apiLockRoom)
	rt.JSON("PUT /api/v1/rooms/{room}/mutes/{user}", s.apiMuteMember)
	rt.JSON("POST /api/v1/rooms", s.apiStartConversation)
	rt.JSON("GET /api/v1/rooms/{room}/members", s.apiRoomMembers)
	rt.JSON("PUT /api/v1/rooms/{room}/messages/{message}/reactions/{emoji}", s.apiReact)
	rt.JSON("DELETE /api/v1/rooms/{room}/messages/{message}/reactions/{emoji}", s.apiReact)
	rt.JSON("POST /api/v1/rooms/{room}/messages/{message}/report", s.apiReportMessage)
	rt.JSON("POST /api/v1/rooms/{room}/typing", s.apiTyping)
	rt.API("POST /api/v1/rooms/{room}/attachments", s.apiAddChatAttachment)
	rt.JSON("GET /api/v1/rooms/{room}/attachments/{attachment}", s.apiChatAttachment)
	rt.JSON("GET /api/v1/chat/reports", s.apiChatReports)
	rt.JSON("POST /api/v1/chat/reports/{report}/handled", s.apiHandleReport)
	rt.JSON("GET /api/v1/chat/search", s.apiSearchMessages)
	rt.JSON("GET /api/v1/chat/contacts", s.apiChatContacts)
	rt.JSON("GET /api/v1/schools/{school}/chat-settings", s.apiChatSettings)
	rt.JSON("PUT /api/v1/schools/{school}/chat-settings", s.apiChatSettings)
	rt.JSON("GET /api/v1/push/key", s.apiPushKey)
	rt.JSON("PUT /api/v1/push/subscription", s.apiPushSubscribe)
	rt.JSON("DELETE /api/v1/push/subscription", s.apiPushSubscribe)
}

// Housekeeping deletes the messages older than their school keeps them.
func (s *Module) Housekeeping(ctx context.Context) {
	if n, err := s.db.PurgeOldMessages(ctx, s.Now()); err != nil {
		s.Log.Error("purge old chat messages", "err", err)
	} else if n > 0 {
		s.Log.Info("purged old chat messages", "count", n)
	}
}

// unreadRooms are the user's rooms with unread messages, named in lang,
// for the start page (rooms not made yet have no messages: no need to
// make them here).
func (s *Module) unreadRooms(ctx context.Context, u *schulhof.User, lang string) ([]*schulhof.Room, error) {
	rooms, err := s.db.FindRooms(ctx, u)
	if err != nil {
		return nil, err
	}
	var unread []*schulhof.Room
	for _, room := range rooms {
		if room.Unread > 0 {
			nameRoom(room, lang)
			unread = append(unread, room)
		}
	}
	return unread, nil
}

// SetPushLimit bounds the messages whose pushes may be pending; for tests.
func (s *Module) SetPushLimit(n int64) { s.pushLimit = n }

// PushDropped is how many messages went without a push.
func (s *Module) PushDropped() int64 { return s.pushDropped.Load() }
