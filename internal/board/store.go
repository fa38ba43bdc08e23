package board

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/schulhof/schulhof"
)

// The store keeps drawings as JSON (schulhof.BoardDrawing) and knows
// nothing of their shape; these read and write them through it.

// Store is what the drawing needs of the store.
type Store interface {
	CreateBoard(ctx context.Context, u *schulhof.User, b *schulhof.Board, drawing []byte) error
	AppendBoardOps(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, ops []schulhof.BoardOp) error
	FindBoardDrawing(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (*schulhof.BoardDrawing, error)
	FindBoardOps(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, after int64, limit int) ([][]byte, error)
	CopyBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID, b *schulhof.Board, drawing func(images map[int64]int64) ([]byte, int64, error)) error
}

// Number is the store's: the op's place in the board's log.
func (op *Op) Number(seq int64) { op.Seq = seq }

// SentBy is who sent the op (its Author).
func (op *Op) SentBy() schulhof.UserID { return schulhof.UserID(op.Author) }

// Maker is the part of the Store that makes boards.
type Maker interface {
	CreateBoard(ctx context.Context, u *schulhof.User, b *schulhof.Board, drawing []byte) error
}

// Create makes a board with an empty drawing (see Store.CreateBoard).
func Create(ctx context.Context, st Maker, u *schulhof.User, b *schulhof.Board) error {
	snapshot, err := json.Marshal(New())
	if err != nil {
		return err
	}
	return st.CreateBoard(ctx, u, b, snapshot)
}

// Append stores the author's operations, numbered in order (their Seq
// and Author are set).
func Append(ctx context.Context, st Store, school schulhof.SchoolID, id schulhof.BoardID, author schulhof.UserID, ops []*Op) error {
	for _, op := range ops {
		op.Author = int64(author)
	}
	return AppendSent(ctx, st, school, id, ops)
}

// AppendSent stores operations of whoever each names as its Author (the
// operations of several, in one transaction), numbered in order.
func AppendSent(ctx context.Context, st Store, school schulhof.SchoolID, id schulhof.BoardID, ops []*Op) error {
	out := make([]schulhof.BoardOp, len(ops))
	for i, op := range ops {
		out[i] = op
	}
	return st.AppendBoardOps(ctx, school, id, out)
}

// LoadDoc reads a board's drawing: its snapshot with the operations
// after it applied.
func LoadDoc(ctx context.Context, st Store, school schulhof.SchoolID, id schulhof.BoardID) (*Doc, error) {
	d, err := st.FindBoardDrawing(ctx, school, id)
	if err != nil {
		return nil, err
	}
	doc, err := Load(d.Snapshot)
	if err != nil {
		return nil, err
	}
	ops, err := decodeOps(d.Ops)
	if err != nil {
		return nil, err
	}
	for _, op := range ops {
		doc.Apply(op)
	}
	return doc, nil
}

// FindOps returns up to limit operations of a board after seq (0: all).
func FindOps(ctx context.Context, st Store, school schulhof.SchoolID, id schulhof.BoardID, after int64, limit int) ([]*Op, error) {
	raw, err := st.FindBoardOps(ctx, school, id, after, limit)
	if err != nil {
		return nil, err
	}
	return decodeOps(raw)
}

func decodeOps(raw [][]byte) ([]*Op, error) {
	ops := make([]*Op, 0, len(raw))
	for _, b := range raw {
		op := &Op{}
		if err := json.Unmarshal(b, op); err != nil {
			return nil, fmt.Errorf("board op: %w", err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// Copy makes a board of the user's from another with doc, its drawing;
// the copy's pictures are its own rows, and the drawing points at them.
func Copy(ctx context.Context, st Store, u *schulhof.User, id schulhof.BoardID, b *schulhof.Board, doc *Doc) error {
	snapshot, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return st.CopyBoard(ctx, u, id, b, func(images map[int64]int64) ([]byte, int64, error) {
		if len(images) == 0 {
			return snapshot, doc.Seq, nil
		}
		renamed, err := Load(snapshot) // doc stays as it is
		if err != nil {
			return nil, 0, err
		}
		renamed.renameImages(images)
		out, err := json.Marshal(renamed)
		return out, doc.Seq, err
	})
}

// renameImages points the drawing at the copies of its pictures
// ("i" and the picture's id).
func (d *Doc) renameImages(ids map[int64]int64) {
	renamed := map[string]string{}
	for from, to := range ids {
		renamed["i"+strconv.FormatInt(from, 10)] = "i" + strconv.FormatInt(to, 10)
	}
	for _, e := range d.Elements {
		if n, ok := renamed[e.Image]; ok {
			e.Image = n
		}
	}
	for _, p := range d.Pages {
		if n, ok := renamed[p.Image]; ok {
			p.Image = n
		}
	}
}

// RenameRefs rewrites a stored snapshot (a Doc) or operation (an Op)
// for a copy of the school it belongs to, whose rows have new ids:
// authors through users, pictures ("i" and the id) through images. A
// picture or author the copy lacks is left as it was: it shows as
// missing, as it did before.
func RenameRefs(raw []byte, users, images func(old int64) (int64, bool)) ([]byte, error) {
	var probe struct {
		Op *string `json:"op"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("board: %w", err)
	}
	author := func(a *int64) {
		if n, ok := users(*a); ok && *a != 0 {
			*a = n
		}
	}
	image := func(s *string) {
		if s == nil || len(*s) < 2 || (*s)[0] != 'i' {
			return
		}
		id, err := strconv.ParseInt((*s)[1:], 10, 64)
		if err != nil {
			return
		}
		if n, ok := images(id); ok {
			*s = "i" + strconv.FormatInt(n, 10)
		}
	}
	if probe.Op != nil {
		op := &Op{}
		if err := json.Unmarshal(raw, op); err != nil {
			return nil, fmt.Errorf("board op: %w", err)
		}
		author(&op.Author)
		if op.Set != nil {
			image(op.Set.Image)
		}
		return json.Marshal(op)
	}
	doc, err := Load(raw)
	if err != nil {
		return nil, err
	}
	for _, e := range doc.Elements {
		author(&e.Author)
		image(&e.Image)
	}
	for _, p := range doc.Pages {
		image(&p.Image)
	}
	return json.Marshal(doc)
}
