package schulhof

import (
	"strings"
	"time"
	"unicode/utf8"
)

// BoardID identifies a whiteboard ("Tafel").
type BoardID int64

// What a board's group may do with it.
const (
	BoardPrivate = "private" // only its owner (and the group's teachers)
	BoardView    = "view"    // the group follows
	BoardDraw    = "draw"    // the group draws too
)

// Board is a whiteboard as its reader sees it; its drawing is a
// board.Doc, kept as an operation log with snapshots.
type Board struct {
	ID       BoardID  `json:"id"`
	SchoolID SchoolID `json:"-"`
	Title    string   `json:"title"`
	OwnerID  UserID   `json:"owner"`
	GroupID  GroupID  `json:"group,omitempty"`
	// GroupName is the group's, for names of Tafelbilder.
	GroupName string `json:"group_name,omitempty"`
	Access    string `json:"access"`
	// Drawers are the group's members whose drawing the teacher set one
	// by one, overriding Access: true may draw, false may not.
	Drawers   map[UserID]bool `json:"drawers,omitempty"`
	Seq       int64           `json:"seq"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// For the reader: whether they lead it (owner, the group's teachers,
	// the school's admins) and whether they may draw.
	Leader  bool `json:"leader"`
	CanDraw bool `json:"can_draw"`
}

// Normalize trims the title.
func (b *Board) Normalize() { b.Title = strings.TrimSpace(b.Title) }

// Validate checks title and access.
func (b *Board) Validate() error {
	var v Validation
	if b.Title == "" {
		v.Add("title", "board.title.required")
	} else if utf8.RuneCountInString(b.Title) > 200 {
		v.Add("title", "field.too_long", 200)
	}
	if b.Access != BoardPrivate && b.Access != BoardView && b.Access != BoardDraw {
		v.Add("access", "board.access.invalid")
	}
	return v.Err()
}

// BoardAudience is what decides who may see, lead and draw on a board
// (BoardRights), for the API, the pages and every live delivery.
type BoardAudience struct {
	School  SchoolID
	Owner   UserID
	Access  string
	Members map[UserID]MemberRole // of the board's group
	Drawers map[UserID]bool
	Deleted bool
}

// BoardUpdate changes a board's settings; nil fields stay.
type BoardUpdate struct {
	Title  *string
	Access *string
	// Drawer sets one member's drawing: true, false, or nil for the
	// group's setting again.
	Drawer      UserID
	DrawerAllow *bool
}

// BoardImage is a picture on a board.
type BoardImage struct {
	ID          int64
	BoardID     BoardID
	ContentType string
	Size        int64
	BlobKey     string
	Shared      bool // from the files module, not counted again
	// RenderKey is the blob of the copy exports draw ("" until made).
	RenderKey string
}

// BoardDrawing is what the store keeps of a board's drawing, which
// internal/board reads and writes: a snapshot (the whole drawing as
// JSON, up to a seq) and the operations after it, each as JSON, in order.
type BoardDrawing struct {
	Snapshot []byte
	Ops      [][]byte
}

// BoardOp is an operation on a board's drawing as the store takes it:
// the store numbers the operations it appends, in order, and keeps each
// as JSON, with who sent it.
type BoardOp interface {
	Number(seq int64)
	SentBy() UserID
}
