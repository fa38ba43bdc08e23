package chat

import (
	"context"
	"fmt"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// exportedMessage is one message the user wrote, as the export gives it.
type exportedMessage struct {
	Room        string     `json:"room"`
	At          time.Time  `json:"at"`
	Text        string     `json:"text"`
	EditedAt    *time.Time `json:"edited_at,omitempty"`
	Deleted     bool       `json:"deleted,omitempty"`
	Attachments []string   `json:"attachments,omitempty"` // files in anhaenge/
}

// exportMessages writes every message the user wrote, with the files
// they attached; what others wrote is theirs.
func (s *Module) exportMessages(ctx context.Context, u *schulhof.User, x *kit.Export) error {
	if u.SchoolID == 0 {
		return nil
	}
	msgs, err := s.db.FindMessagesBy(ctx, u)
	if err != nil {
		return err
	}
	rooms, err := s.db.FindRooms(ctx, u)
	if err != nil {
		return err
	}
	names := map[schulhof.RoomID]string{}
	for _, r := range rooms {
		names[r.ID] = r.Name
	}
	out := []exportedMessage{}
	for _, m := range msgs {
		e := exportedMessage{Room: names[m.RoomID], At: m.Created, Text: m.Text, EditedAt: m.Edited, Deleted: m.Deleted}
		if e.Room == "" {
			e.Room = fmt.Sprint(m.RoomID) // a room the user left
		}
		for _, a := range m.Attachments {
			name, err := x.Blob(ctx, fmt.Sprintf("anhaenge/%d-%s", a.ID, a.Name), a.BlobKey)
			if err != nil {
				return err
			}
			e.Attachments = append(e.Attachments, name)
		}
		out = append(out, e)
	}
	return x.JSON("nachrichten.json", out)
}
