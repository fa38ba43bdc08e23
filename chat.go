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

// Reads says whether the user reads the room.
func (a *RoomAudience) Reads(u *User) bool {
	if u.SchoolID != a.School {
		return false
	}
	return a.Kind == RoomSchool || a.Members[u.ID]
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
}

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
	PostMessage(ctx context.Context, u *User, room RoomID, text string, replyTo int64) (*Message, error)
	// FindMessages returns up to limit messages after the id (0: the
	// newest limit), oldest first.
	FindMessages(ctx context.Context, u *User, room RoomID, after int64, limit int) ([]*Message, error)
	// MarkRead records that the user has read the room up to the id.
	MarkRead(ctx context.Context, u *User, room RoomID, upTo int64) error
}
