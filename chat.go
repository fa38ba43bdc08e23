package schulhof

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// RoomID identifies a chat room.
type RoomID int64

// The kinds of chat rooms.
const (
	// RoomGroup is a group's room: its members are the group's, its
	// leaders moderate it. Every group has one.
	RoomGroup = "group"
	// RoomDirect is a conversation of two; RoomChat one of a few people
	// who started it.
	RoomDirect = "direct"
	RoomChat   = "chat"
	// RoomSchool is the school-wide announcement channel: everyone at
	// the school reads it, its admins write.
	RoomSchool = "school"
)

// Room is a chat room as its reader sees it.
type Room struct {
	ID       RoomID   `json:"id"`
	SchoolID SchoolID `json:"-"`
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	GroupID  GroupID  `json:"group_id,omitempty"`
	Locked   bool     `json:"locked"`
	// For the reader: unread messages, whether they may write, whether
	// they moderate.
	Unread   int  `json:"unread"`
	CanWrite bool `json:"can_write"`
	Leader   bool `json:"leader"`
	// LastID is the newest message's id (0 without one).
	LastID int64 `json:"last_id"`
}

// RoomAudience is who reads a room: everyone at the school (Members nil)
// or the members.
type RoomAudience struct {
	School  SchoolID
	Kind    string
	Members map[UserID]bool
}

// Reads says whether the user reads the room (CanReadRoom).
func (a *RoomAudience) Reads(u *User) bool {
	return CanReadRoom(u, a.School, a.Kind, RoomRelation{Member: a.Members[u.ID]})
}

// Message is a chat message.
type Message struct {
	ID      int64      `json:"id"`
	RoomID  RoomID     `json:"room"`
	Sender  UserID     `json:"sender"`
	Name    string     `json:"sender_name"`
	Text    string     `json:"text"`
	ReplyTo int64      `json:"reply_to,omitempty"`
	Created time.Time  `json:"created_at"`
	Edited  *time.Time `json:"edited_at,omitempty"`
	// Deleted messages keep their place without text; ByModerator marks
	// those a moderator took away.
	Deleted     bool `json:"deleted,omitempty"`
	ByModerator bool `json:"deleted_by_moderator,omitempty"`
	// Reply is a glimpse of the message this one answers.
	Reply       *ReplyGlimpse `json:"reply,omitempty"`
	Reactions   []Reaction    `json:"reactions,omitempty"`
	Mentions    []UserID      `json:"mentions,omitempty"`
	Attachments []*Attachment `json:"attachments,omitempty"`
	// Repeated: PostMessage found the message stored before under its
	// client token; nothing new was stored.
	Repeated bool `json:"-"`
}

// ReplyGlimpse is what a reply shows of the message it answers.
type ReplyGlimpse struct {
	Sender string `json:"sender_name"`
	Text   string `json:"text"` // the first 120 characters; empty when deleted
}

// Reaction counts one emoji on a message; Mine says whether the reader
// gave it.
type Reaction struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine"`
}

// ReactionEmoji are the reactions a school messenger offers: a fixed,
// friendly set rather than any character.
var ReactionEmoji = []string{"👍", "❤️", "😂", "😮", "😢", "🎉", "✅", "❓"}

// ValidReaction reports whether the emoji is one of ReactionEmoji.
func ValidReaction(e string) bool {
	for _, r := range ReactionEmoji {
		if r == e {
			return true
		}
	}
	return false
}

// Attachment is a file on a message.
type Attachment struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	// Image says that browsers show it inline.
	Image   bool   `json:"image"`
	BlobKey string `json:"-"`
}

// InlineImageTypes are the attachment types shown inline; everything else
// is offered for download.
var InlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// MaxAttachment bounds one attachment's size; MaxAttachments their number
// on one message.
const (
	MaxAttachment  = 25 << 20
	MaxAttachments = 10
)

// NewMessage is what a writer sends.
type NewMessage struct {
	Text    string `json:"text"`
	ReplyTo int64  `json:"reply_to,omitempty"`
	// Mentions are readers of the room the message names (the client
	// offers them when "@" is typed); they are told even in a quiet room.
	Mentions []UserID `json:"mentions,omitempty"`
	// Attachments are ids of attachments the writer added to the room
	// and not yet sent.
	Attachments []int64 `json:"attachments,omitempty"`
	// ClientToken, chosen by the client for each message, makes sending
	// it again safe: after a broken connection the client does not know
	// whether it was stored, and a message with a token its sender used
	// before is not stored twice (see Message.Repeated).
	ClientToken string `json:"client_token,omitempty"`
}

// MaxClientToken bounds NewMessage.ClientToken.
const MaxClientToken = 64

// Report is a member's report against a message, for the room's leaders
// and the school's admins.
type Report struct {
	ID       int64     `json:"id"`
	RoomID   RoomID    `json:"room"`
	RoomName string    `json:"room_name"`
	Message  *Message  `json:"message"`
	Reporter string    `json:"reporter_name"`
	Reason   string    `json:"reason"`
	Created  time.Time `json:"created_at"`
}

// MaxReportReason bounds the reason of a report, in characters.
const MaxReportReason = 500

// ChatSettings are a school's rules for the messenger.
type ChatSettings struct {
	// StartWith says per role whom its users may start conversations
	// with (direct or small group chats), by role. Teachers and admins
	// may always write to anyone at their school; students and parents as
	// the school sets. Everyone reads the rooms of their groups and the
	// school's channel regardless.
	StartWith map[Role][]Role `json:"start_with"`
	// RetentionDays: messages older than this are deleted every night; 0
	// keeps them.
	RetentionDays int `json:"retention_days"`
	// PushWithoutText keeps the message's words out of Web Push
	// notifications (they pass through the browser makers' push services,
	// encrypted): they then only say that a message came, and where.
	PushWithoutText bool `json:"push_without_text"`
}

// DefaultChatSettings: students may write to students and teachers of
// their school, parents to teachers; messages are kept a school year.
func DefaultChatSettings() *ChatSettings {
	return &ChatSettings{
		StartWith: map[Role][]Role{
			RoleStudent: {RoleStudent, RoleTeacher},
			RoleParent:  {RoleTeacher},
		},
		RetentionDays: 365,
	}
}

// MayStart says whether a user of one role may start a conversation with
// one of another.
func (s *ChatSettings) MayStart(from, to Role) bool {
	if from.IsStaff() {
		return true
	}
	for _, r := range s.StartWith[from] {
		if r == to {
			return true
		}
	}
	return false
}

// Check validates the settings.
func (s *ChatSettings) Check() error {
	if s.RetentionDays < 0 || s.RetentionDays > 3650 {
		return Invalid("retention_days", "chat.retention_range")
	}
	for from, to := range s.StartWith {
		if from != RoleStudent && from != RoleParent {
			return Invalid("start_with", "chat.start_with_role")
		}
		for _, r := range to {
			if r < RoleStudent || r > RoleSchoolAdmin {
				return Invalid("start_with", "chat.start_with_role")
			}
		}
	}
	return nil
}

// MaxChatMembers bounds a small group chat someone starts; larger groups
// are the school's groups, with their rooms.
const MaxChatMembers = 50

// MaxMessageLength bounds a message's text, in characters.
const MaxMessageLength = 4000

// CleanMessageText trims the text and checks its length.
func CleanMessageText(s string) (string, error) {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	if s == "" {
		return "", Invalid("text", "chat.empty")
	}
	if utf8.RuneCountInString(s) > MaxMessageLength {
		return "", Invalid("text", "chat.too_long", MaxMessageLength)
	}
	return s, nil
}

// ChatService keeps rooms and messages.
type ChatService interface {
	// EnsureRooms makes the rooms every school has: one per group and
	// the school's channel.
	EnsureRooms(ctx context.Context, school SchoolID) error
	// FindRooms returns the rooms the user reads, with their unread
	// counts, newest activity first.
	FindRooms(ctx context.Context, u *User) ([]*Room, error)
	// FindRoom returns a room the user reads, or ENotFound.
	FindRoom(ctx context.Context, u *User, id RoomID) (*Room, error)
	// PostMessage stores a message in a room the user may write in.
	PostMessage(ctx context.Context, u *User, room RoomID, m *NewMessage) (*Message, error)
	// FindMessages returns up to limit messages after the id (0: the
	// newest limit), oldest first.
	FindMessages(ctx context.Context, u *User, room RoomID, after int64, limit int) ([]*Message, error)
	// FindMessagesBefore returns up to limit messages older than the id,
	// newest first: scrolling back through a room's history.
	FindMessagesBefore(ctx context.Context, u *User, room RoomID, before int64, limit int) ([]*Message, error)
	// MarkRead records that the user has read the room up to the id.
	MarkRead(ctx context.Context, u *User, room RoomID, upTo int64) error
}

// PushSubscription is a browser's Web Push subscription (from the
// browser's PushManager): where to send, and the keys to encrypt for it.
type PushSubscription struct {
	User     UserID `json:"-"`
	Endpoint string `json:"endpoint"`
	P256dh   string `json:"p256dh"`
	Auth     string `json:"auth"`
}
