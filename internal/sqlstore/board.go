package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

const boardColumns = `b.id, b.school_id, b.owner_id, COALESCE(b.group_id, 0), COALESCE(g.name, ''), b.title, b.access, b.seq, b.created_at, b.updated_at`

func scanBoard(row interface{ Scan(...any) error }) (*schulhof.Board, error) {
	b := &schulhof.Board{}
	var created, updated int64
	if err := row.Scan(&b.ID, &b.SchoolID, &b.OwnerID, &b.GroupID, &b.GroupName, &b.Title, &b.Access, &b.Seq, &created, &updated); err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	return b, nil
}

// boardAudience loads who may see, lead and draw on a board.
func boardAudience(ctx context.Context, q querier, b *schulhof.Board, deleted bool) (*schulhof.BoardAudience, error) {
	a := &schulhof.BoardAudience{School: b.SchoolID, Owner: b.OwnerID, Access: b.Access, Deleted: deleted,
		Members: map[schulhof.UserID]schulhof.MemberRole{}, Drawers: map[schulhof.UserID]bool{}}
	if b.GroupID != 0 {
		rows, err := q.QueryContext(ctx, `SELECT user_id, role FROM memberships WHERE group_id = $1 AND school_id = $2`, b.GroupID, b.SchoolID)
		if err != nil {
			return nil, fmt.Errorf("board members: %w", err)
		}
		for rows.Next() {
			var id schulhof.UserID
			var role string
			if err := rows.Scan(&id, &role); err != nil {
				rows.Close()
				return nil, err
			}
			a.Members[id] = schulhof.MemberRole(role)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id, allowed FROM board_drawers WHERE board_id = $1`, b.ID)
	if err != nil {
		return nil, fmt.Errorf("board drawers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id schulhof.UserID
		var allowed bool
		if err := rows.Scan(&id, &allowed); err != nil {
			return nil, err
		}
		a.Drawers[id] = allowed
	}
	return a, rows.Err()
}

// boardAccess fills in what the reader may do with the board, or says
// ENotFound when they may not see it.
func boardAccess(ctx context.Context, q querier, u *schulhof.User, b *schulhof.Board) error {
	if u.SchoolID != b.SchoolID {
		return schulhof.Errorf(schulhof.ENotFound, "board.not_found")
	}
	a, err := boardAudience(ctx, q, b, false)
	if err != nil {
		return err
	}
	sees, leads, draws := schulhof.BoardRights(u, a)
	if !sees {
		return schulhof.Errorf(schulhof.ENotFound, "board.not_found")
	}
	b.Leader, b.CanDraw = leads, draws
	if leads && len(a.Drawers) > 0 {
		b.Drawers = a.Drawers
	}
	return nil
}

// BoardAudience is who may see, lead and draw on a board, for the live
// deliveries (which keep it a few seconds); a deleted board has none.
func (db *DB) BoardAudience(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (*schulhof.BoardAudience, error) {
	var a *schulhof.BoardAudience
	err := db.view(ctx, func(tx *sql.Tx) error {
		var deleted sql.NullInt64
		b := &schulhof.Board{}
		err := tx.QueryRowContext(ctx, `SELECT id, school_id, owner_id, COALESCE(group_id, 0), access, deleted_at FROM boards WHERE id = $1 AND school_id = $2`,
			id, school).Scan(&b.ID, &b.SchoolID, &b.OwnerID, &b.GroupID, &b.Access, &deleted)
		if err != nil {
			return notFound(err, "board.not_found")
		}
		a, err = boardAudience(ctx, tx, b, deleted.Valid)
		return err
	})
	return a, err
}

func findBoard(ctx context.Context, q querier, u *schulhof.User, id schulhof.BoardID) (*schulhof.Board, error) {
	b, err := scanBoard(q.QueryRowContext(ctx, `SELECT `+boardColumns+` FROM boards b LEFT JOIN groups g ON g.id = b.group_id
		WHERE b.id = $1 AND b.school_id = $2 AND b.deleted_at IS NULL`, id, u.SchoolID))
	if err != nil {
		return nil, notFound(err, "board.not_found")
	}
	if err := boardAccess(ctx, q, u, b); err != nil {
		return nil, err
	}
	return b, nil
}

// FindBoardByID returns a board the user may see, with what they may do.
func (db *DB) FindBoardByID(ctx context.Context, u *schulhof.User, id schulhof.BoardID) (*schulhof.Board, error) {
	return findBoard(ctx, readQuerier{db}, u, id)
}

// FindBoards lists the boards the user may see, newest change first.
func (db *DB) FindBoards(ctx context.Context, u *schulhof.User) ([]*schulhof.Board, error) {
	rows, err := db.readRows(ctx, `SELECT `+boardColumns+` FROM boards b LEFT JOIN groups g ON g.id = b.group_id
		WHERE b.school_id = $1 AND b.deleted_at IS NULL AND (b.owner_id = $2 OR $3
			OR b.group_id IN (SELECT group_id FROM memberships WHERE user_id = $2))
		ORDER BY b.updated_at DESC, b.id DESC`, u.SchoolID, u.ID, u.Role == schulhof.RoleSchoolAdmin)
	if err != nil {
		return nil, fmt.Errorf("find boards: %w", err)
	}
	var candidates []*schulhof.Board
	for rows.Next() {
		b, err := scanBoard(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		candidates = append(candidates, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*schulhof.Board
	for _, b := range candidates {
		if err := boardAccess(ctx, readQuerier{db}, u, b); err == nil {
			out = append(out, b)
		} else if !schulhof.Match(err, schulhof.ENotFound) {
			return nil, err
		}
	}
	return out, nil
}

// CreateBoard makes a board owned by the user, for a group they teach
// (any group, for the school's admins) or for themself, with its empty
// drawing (internal/board.Create); only staff make boards.
func (db *DB) CreateBoard(ctx context.Context, u *schulhof.User, b *schulhof.Board, drawing []byte) error {
	b.Normalize()
	if b.Access == "" {
		b.Access = schulhof.BoardView
		if b.GroupID == 0 {
			b.Access = schulhof.BoardPrivate
		}
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if u.Role != schulhof.RoleTeacher && u.Role != schulhof.RoleSchoolAdmin {
		return schulhof.Errorf(schulhof.EForbidden, "board.staff_only")
	}
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if err := checkBoardGroup(ctx, tx, u, b.GroupID); err != nil {
			return err
		}
		return db.insertBoard(ctx, tx, u, b, drawing, 0)
	})
}

// checkBoardGroup: a board's group is one the user teaches (any, for
// the school's admins).
func checkBoardGroup(ctx context.Context, tx *sql.Tx, u *schulhof.User, group schulhof.GroupID) error {
	if group == 0 {
		return nil
	}
	var role string
	err := tx.QueryRowContext(ctx, `SELECT COALESCE((SELECT role FROM memberships WHERE group_id = g.id AND user_id = $3), '')
		FROM groups g WHERE g.id = $1 AND g.school_id = $2`, group, u.SchoolID, u.ID).Scan(&role)
	if err == sql.ErrNoRows {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: "group", Key: "board.group.unknown"}}}
	}
	if err != nil {
		return fmt.Errorf("board group: %w", err)
	}
	if role != string(schulhof.MemberRoleLeader) && u.Role != schulhof.RoleSchoolAdmin {
		return &schulhof.Error{Code: schulhof.EForbidden, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: "group", Key: "board.group.not_yours"}}}
	}
	return nil
}

// insertBoard stores a board with its drawing: the snapshot at seq.
func (db *DB) insertBoard(ctx context.Context, tx *sql.Tx, u *schulhof.User, b *schulhof.Board, snapshot []byte, seq int64) error {
	now := db.now()
	b.SchoolID, b.OwnerID, b.Seq = u.SchoolID, u.ID, seq
	b.CreatedAt, b.UpdatedAt = time.Unix(now, 0), time.Unix(now, 0)
	var group any
	if b.GroupID != 0 {
		group = int64(b.GroupID)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO boards (school_id, owner_id, group_id, title, access, seq, snapshot, snapshot_seq, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $8) RETURNING id`,
		b.SchoolID, b.OwnerID, group, b.Title, b.Access, seq, string(snapshot), now).Scan(&b.ID); err != nil {
		return fmt.Errorf("insert board: %w", err)
	}
	if b.GroupID != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM groups WHERE id = $1`, b.GroupID).Scan(&b.GroupName); err != nil {
			return err
		}
	}
	b.Leader, b.CanDraw = true, true
	return nil
}

// UpdateBoard changes a board's settings, for its leaders.
func (db *DB) UpdateBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID, up schulhof.BoardUpdate) (*schulhof.Board, error) {
	var out *schulhof.Board
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		b, err := findBoard(ctx, tx, u, id)
		if err != nil {
			return err
		}
		if !b.Leader {
			return schulhof.Errorf(schulhof.EForbidden, "board.leaders_only")
		}
		if up.Title != nil {
			b.Title = *up.Title
		}
		if up.Access != nil {
			b.Access = *up.Access
		}
		b.Normalize()
		if err := b.Validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE boards SET title = $1, access = $2, updated_at = $3 WHERE id = $4`,
			b.Title, b.Access, db.now(), b.ID); err != nil {
			return fmt.Errorf("update board: %w", err)
		}
		if up.Drawer != 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM board_drawers WHERE board_id = $1 AND user_id = $2`, b.ID, up.Drawer); err != nil {
				return err
			}
			if up.DrawerAllow != nil {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND user_id = $2`, b.GroupID, up.Drawer).Scan(&n); err != nil {
					return err
				}
				if n == 0 {
					return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: "user", Key: "board.drawer.not_member"}}}
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO board_drawers (board_id, user_id, allowed) VALUES ($1, $2, $3)`, b.ID, up.Drawer, *up.DrawerAllow); err != nil {
					return err
				}
			}
		}
		out, err = findBoard(ctx, tx, u, id)
		return err
	})
	return out, err
}

// DeleteBoard puts a board in the trash (its leaders'); RestoreBoard
// takes it out.
func (db *DB) DeleteBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID) error {
	return db.setBoardDeleted(ctx, u, id, true)
}

// RestoreBoard brings a deleted board back.
func (db *DB) RestoreBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID) error {
	return db.setBoardDeleted(ctx, u, id, false)
}

func (db *DB) setBoardDeleted(ctx context.Context, u *schulhof.User, id schulhof.BoardID, deleted bool) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		var owner schulhof.UserID
		var deletedAt sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT owner_id, deleted_at FROM boards WHERE id = $1 AND school_id = $2`, id, u.SchoolID).Scan(&owner, &deletedAt)
		if err != nil {
			return notFound(err, "board.not_found")
		}
		if owner != u.ID && u.Role != schulhof.RoleSchoolAdmin {
			return schulhof.Errorf(schulhof.ENotFound, "board.not_found")
		}
		var at any
		if deleted {
			at = db.now()
		}
		_, err = tx.ExecContext(ctx, `UPDATE boards SET deleted_at = $1 WHERE id = $2`, at, id)
		return err
	})
}

// opsPerInsert bounds the rows of one INSERT of a board's operations (the
// databases bound a statement's parameters).
const opsPerInsert = 200

// AppendBoardOps stores operations clients sent, in order, and numbers
// them: each gets the board's next seq (set in the ops). The board's row
// is the lock: two nodes appending at once take turns.
func (db *DB) AppendBoardOps(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, ops []schulhof.BoardOp) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		var last int64
		err := tx.QueryRowContext(ctx, `UPDATE boards SET seq = seq + $1, updated_at = $2 WHERE id = $3 AND school_id = $4 AND deleted_at IS NULL RETURNING seq`,
			len(ops), db.now(), id, school).Scan(&last)
		if err != nil {
			return notFound(err, "board.not_found")
		}
		first := last - int64(len(ops)) + 1
		// many rows to a statement: a class's operations stored together
		// cost one round trip, not one each
		for start := 0; start < len(ops); start += opsPerInsert {
			chunk := ops[start:min(start+opsPerInsert, len(ops))]
			var q strings.Builder
			q.WriteString(`INSERT INTO board_ops (board_id, seq, author_id, op) VALUES `)
			args := make([]any, 0, 4*len(chunk))
			for i, op := range chunk {
				seq := first + int64(start+i)
				op.Number(seq)
				b, err := json.Marshal(op)
				if err != nil {
					return err
				}
				if i > 0 {
					q.WriteString(", ")
				}
				n := len(args)
				fmt.Fprintf(&q, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
				args = append(args, id, seq, op.SentBy(), string(b))
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("insert board ops: %w", err)
			}
		}
		return nil
	})
}

// FindBoardDrawing reads a board of the school's drawing: its snapshot
// and the operations after it (internal/board.LoadDoc makes the drawing
// of them).
func (db *DB) FindBoardDrawing(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (*schulhof.BoardDrawing, error) {
	d := &schulhof.BoardDrawing{}
	err := db.view(ctx, func(tx *sql.Tx) error {
		var snapshot string
		var from int64
		if err := tx.QueryRowContext(ctx, `SELECT snapshot, snapshot_seq FROM boards WHERE id = $1 AND school_id = $2`, id, school).Scan(&snapshot, &from); err != nil {
			return notFound(err, "board.not_found")
		}
		d.Snapshot = []byte(snapshot)
		var err error
		d.Ops, err = boardOps(ctx, tx, id, from, 0)
		return err
	})
	return d, err
}

// FindBoardOps returns up to limit operations of a board of the school
// after seq (0: all), each as the JSON it was stored as.
func (db *DB) FindBoardOps(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, after int64, limit int) ([][]byte, error) {
	var ops [][]byte
	err := db.view(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM boards WHERE id = $1 AND school_id = $2`, id, school).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "board.not_found")
		}
		var err error
		ops, err = boardOps(ctx, tx, id, after, limit)
		return err
	})
	return ops, err
}

func boardOps(ctx context.Context, q querier, id schulhof.BoardID, after int64, limit int) ([][]byte, error) {
	query := `SELECT op FROM board_ops WHERE board_id = $1 AND seq > $2 ORDER BY seq`
	if limit > 0 {
		query += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := q.QueryContext(ctx, query, id, after)
	if err != nil {
		return nil, fmt.Errorf("board ops: %w", err)
	}
	defer rows.Close()
	var ops [][]byte
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		ops = append(ops, []byte(s))
	}
	return ops, rows.Err()
}

// SaveBoardSnapshot keeps the drawing up to its seq, so that loading the
// board reads it and the operations after it only; the operations before
// it stay in the log (a later snapshot never goes back).
func (db *DB) SaveBoardSnapshot(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, doc []byte, seq int64) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE boards SET snapshot = $1, snapshot_seq = $2 WHERE id = $3 AND school_id = $4 AND snapshot_seq < $2`,
			string(doc), seq, id, school)
		return err
	})
}

// CopyBoard makes a board of the user's from another they may see, with
// its drawing (e.g. as the template for next year's class). The copy
// gets its own rows of the pictures (the blobs are shared, and counted
// once); drawing gives the copy's snapshot and its seq, with the pictures
// renamed (old id -> new id; none before they are copied).
func (db *DB) CopyBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID, b *schulhof.Board, drawing func(images map[int64]int64) ([]byte, int64, error)) error {
	b.Normalize()
	if b.Access == "" {
		b.Access = schulhof.BoardPrivate
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if u.Role != schulhof.RoleTeacher && u.Role != schulhof.RoleSchoolAdmin {
		return schulhof.Errorf(schulhof.EForbidden, "board.staff_only")
	}
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if _, err := findBoard(ctx, tx, u, id); err != nil {
			return err
		}
		if err := checkBoardGroup(ctx, tx, u, b.GroupID); err != nil {
			return err
		}
		snapshot, seq, err := drawing(nil)
		if err != nil {
			return err
		}
		if err := db.insertBoard(ctx, tx, u, b, snapshot, seq); err != nil {
			return err
		}
		renamed, err := copyBoardImages(ctx, tx, id, b.ID, db.now())
		if err != nil || len(renamed) == 0 {
			return err
		}
		if snapshot, _, err = drawing(renamed); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE boards SET snapshot = $1 WHERE id = $2`, string(snapshot), b.ID)
		return err
	})
}

// copyBoardImages gives the copy of a board its own rows of the pictures
// and says which new id each old one has.
func copyBoardImages(ctx context.Context, tx *sql.Tx, from, to schulhof.BoardID, now int64) (map[int64]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, uploaded_by, content_type, size, blob_key, render_key FROM board_images WHERE board_id = $1`, from)
	if err != nil {
		return nil, fmt.Errorf("board images: %w", err)
	}
	type image struct {
		id, by, size       int64
		ctype, key, render string
	}
	var images []image
	for rows.Next() {
		var i image
		if err := rows.Scan(&i.id, &i.by, &i.ctype, &i.size, &i.key, &i.render); err != nil {
			rows.Close()
			return nil, err
		}
		images = append(images, i)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	renamed := map[int64]int64{}
	for _, i := range images {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO board_images (board_id, uploaded_by, content_type, size, blob_key, shared, render_key, created_at)
			VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7) RETURNING id`, to, i.by, i.ctype, i.size, i.key, i.render, now).Scan(&id); err != nil {
			return nil, err
		}
		renamed[i.id] = id
	}
	return renamed, nil
}

// AddBoardImage records a picture for a board the user draws on.
func (db *DB) AddBoardImage(ctx context.Context, u *schulhof.User, img *schulhof.BoardImage) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		var school schulhof.SchoolID
		if err := tx.QueryRowContext(ctx, `SELECT school_id FROM boards WHERE id = $1 AND deleted_at IS NULL`, img.BoardID).Scan(&school); err != nil || school != u.SchoolID {
			return schulhof.Errorf(schulhof.ENotFound, "board.not_found")
		}
		return tx.QueryRowContext(ctx, `INSERT INTO board_images (board_id, uploaded_by, content_type, size, blob_key, shared, render_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, img.BoardID, u.ID, img.ContentType, img.Size, img.BlobKey, img.Shared, img.RenderKey, db.now()).Scan(&img.ID)
	})
}

// FindBoardImage returns a picture of a board of the school (whose
// rights the caller checked).
func (db *DB) FindBoardImage(ctx context.Context, school schulhof.SchoolID, board schulhof.BoardID, id int64) (*schulhof.BoardImage, error) {
	img := &schulhof.BoardImage{ID: id, BoardID: board}
	err := db.readRow(ctx, `SELECT i.content_type, i.size, i.blob_key, i.shared, i.render_key FROM board_images i JOIN boards b ON b.id = i.board_id
		WHERE i.id = $1 AND i.board_id = $2 AND b.school_id = $3`, id, board, school).
		Scan(&img.ContentType, &img.Size, &img.BlobKey, &img.Shared, &img.RenderKey)
	if err != nil {
		return nil, notFound(err, "board.image_not_found")
	}
	return img, nil
}

// SetBoardImageRender records the copy of a board's picture that exports
// draw, made after the picture was added (pictures of before it had one).
func (db *DB) SetBoardImageRender(ctx context.Context, school schulhof.SchoolID, id int64, key string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE board_images SET render_key = $1
			WHERE id = $2 AND board_id IN (SELECT id FROM boards WHERE school_id = $3)`, key, id, school)
		return err
	})
}

// BoardSnapshotSeq is the seq the board's saved snapshot reaches.
func (db *DB) BoardSnapshotSeq(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (int64, error) {
	var seq int64
	err := db.readRow(ctx, `SELECT snapshot_seq FROM boards WHERE id = $1 AND school_id = $2`, id, school).Scan(&seq)
	return seq, notFound(err, "board.not_found")
}

// SetBoardPresenting keeps where user presents on a board of the school
// (view, as sent to the class), or that nobody presents (view nil).
func (db *DB) SetBoardPresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, user schulhof.UserID, view []byte) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if view == nil {
			_, err := tx.ExecContext(ctx, `DELETE FROM board_presenters WHERE board_id = $1
				AND board_id IN (SELECT id FROM boards WHERE school_id = $2)`, id, school)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO board_presenters (board_id, user_id, view, updated_at)
			SELECT id, $3, $4, $5 FROM boards WHERE id = $1 AND school_id = $2
			ON CONFLICT (board_id) DO UPDATE SET user_id = excluded.user_id, view = excluded.view, updated_at = excluded.updated_at`,
			id, school, user, string(view), db.now())
		return err
	})
}

// FindBoardPresenting returns where someone presents on a board of the
// school and since when they last moved; nil when nobody does.
func (db *DB) FindBoardPresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) ([]byte, time.Time, error) {
	var view string
	var at int64
	err := db.readRow(ctx, `SELECT p.view, p.updated_at FROM board_presenters p JOIN boards b ON b.id = p.board_id
		WHERE p.board_id = $1 AND b.school_id = $2`, id, school).Scan(&view, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	return []byte(view), time.Unix(at, 0), nil
}

// PurgeBoards deletes the boards in the trash since before, with their
// log and pictures' rows (the blob sweep then takes the bytes no row
// names any more).
func (db *DB) PurgeBoards(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM boards WHERE deleted_at IS NOT NULL AND deleted_at < $1`, before.Unix())
		if err != nil {
			return fmt.Errorf("purge boards: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// FindDeletedBoards lists the boards in the trash that the user may take
// out again: their own (every one of the school's, for its admins).
func (db *DB) FindDeletedBoards(ctx context.Context, u *schulhof.User) ([]*schulhof.Board, error) {
	rows, err := db.readRows(ctx, `SELECT `+boardColumns+` FROM boards b LEFT JOIN groups g ON g.id = b.group_id
		WHERE b.school_id = $1 AND b.deleted_at IS NOT NULL AND (b.owner_id = $2 OR $3)
		ORDER BY b.deleted_at DESC, b.id DESC`, u.SchoolID, u.ID, u.Role == schulhof.RoleSchoolAdmin)
	if err != nil {
		return nil, fmt.Errorf("find deleted boards: %w", err)
	}
	defer rows.Close()
	var out []*schulhof.Board
	for rows.Next() {
		b, err := scanBoard(rows)
		if err != nil {
			return nil, err
		}
		b.Leader = true
		out = append(out, b)
	}
	return out, rows.Err()
}
