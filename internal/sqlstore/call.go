package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
)

const callColumns = `c.id, c.school_id, COALESCE(c.group_id, 0), COALESCE(g.name, ''), c.title, c.created_by, c.created_at, c.ended_at,
	c.locked, c.allow_camera, c.allow_mic, c.allow_screen, c.guest_key`

func scanCall(row interface{ Scan(...any) error }) (*schulhof.Call, error) {
	c := &schulhof.Call{}
	var created int64
	var ended sql.NullInt64
	if err := row.Scan(&c.ID, &c.SchoolID, &c.GroupID, &c.GroupName, &c.Title, &c.CreatedBy, &created, &ended,
		&c.Locked, &c.Allow.Camera, &c.Allow.Microphone, &c.Allow.Screen, &c.GuestKey); err != nil {
		return nil, err
	}
	c.CreatedAt = time.Unix(created, 0)
	if ended.Valid {
		t := time.Unix(ended.Int64, 0)
		c.EndedAt = &t
	}
	return c, nil
}

// FindCall returns a call of the school, ended or not.
func (db *DB) FindCall(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID) (*schulhof.Call, error) {
	c, err := scanCall(db.readRow(ctx, `SELECT `+callColumns+` FROM calls c LEFT JOIN groups g ON g.id = c.group_id
		WHERE c.id = $1 AND c.school_id = $2`, id, school))
	return c, notFound(err, "call.not_found")
}

// FindCallAnySchool returns a call by its id alone: for its guest link,
// which the link's secret guards (and no school is known yet).
func (db *DB) FindCallAnySchool(ctx context.Context, id schulhof.CallID) (*schulhof.Call, error) {
	c, err := scanCall(db.readRow(ctx, `SELECT `+callColumns+` FROM calls c LEFT JOIN groups g ON g.id = c.group_id WHERE c.id = $1`, id))
	return c, notFound(err, "call.not_found")
}

// OpenGroupCall returns the group's open room, made now if it has none;
// the user must be in the group or the school's admin.
func (db *DB) OpenGroupCall(ctx context.Context, u *schulhof.User, group schulhof.GroupID) (*schulhof.Call, error) {
	var name, role string
	err := db.readRow(ctx, `SELECT g.name, COALESCE((SELECT role FROM memberships WHERE group_id = g.id AND user_id = $3), '')
		FROM groups g WHERE g.id = $1 AND g.school_id = $2`, group, u.SchoolID, u.ID).Scan(&name, &role)
	if err == sql.ErrNoRows || (err == nil && role == "" && u.Role != schulhof.RoleSchoolAdmin) {
		return nil, &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: "group", Key: "call.group.unknown"}}}
	}
	if err != nil {
		return nil, fmt.Errorf("call group: %w", err)
	}
	for range 2 { // once more when another opened it at the same moment
		c, err := scanCall(db.readRow(ctx, `SELECT `+callColumns+` FROM calls c LEFT JOIN groups g ON g.id = c.group_id
			WHERE c.group_id = $1 AND c.ended_at IS NULL`, group))
		if err == nil {
			return c, nil
		}
		if err != sql.ErrNoRows {
			return nil, err
		}
		c = &schulhof.Call{SchoolID: u.SchoolID, GroupID: group, GroupName: name, Title: name, Allow: schulhof.DefaultCallAllow}
		err = db.insertCall(ctx, u, c)
		if err == nil {
			return c, nil
		}
		if !isUnique(err) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("open call of group %d: raced twice", group)
}

// CreateCall makes an ad-hoc call; only the school's staff make them.
func (db *DB) CreateCall(ctx context.Context, u *schulhof.User, c *schulhof.Call) error {
	c.Normalize()
	c.GroupID, c.SchoolID, c.Allow = 0, u.SchoolID, schulhof.DefaultCallAllow
	if err := c.Validate(); err != nil {
		return err
	}
	if u.Role != schulhof.RoleTeacher && u.Role != schulhof.RoleSchoolAdmin {
		return schulhof.Errorf(schulhof.EForbidden, "call.staff_only")
	}
	return db.insertCall(ctx, u, c)
}

func (db *DB) insertCall(ctx context.Context, u *schulhof.User, c *schulhof.Call) error {
	now := db.now()
	c.CreatedBy, c.CreatedAt = u.ID, time.Unix(now, 0)
	var group any
	if c.GroupID != 0 {
		group = int64(c.GroupID)
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO calls (school_id, group_id, title, created_by, created_at, locked, allow_camera, allow_mic, allow_screen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			c.SchoolID, group, c.Title, c.CreatedBy, now, c.Locked, c.Allow.Camera, c.Allow.Microphone, c.Allow.Screen).Scan(&c.ID)
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, c.SchoolID, "call.open", c.Title, strconv.FormatInt(int64(c.ID), 10))
	})
}

// UpdateCall changes a call's lock and what its participants may use, or
// ends it; an ended call changes no more.
func (db *DB) UpdateCall(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID, up schulhof.CallUpdate) (*schulhof.Call, error) {
	var c *schulhof.Call
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = scanCall(tx.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls c LEFT JOIN groups g ON g.id = c.group_id
			WHERE c.id = $1 AND c.school_id = $2`, id, school))
		if err != nil {
			return notFound(err, "call.not_found")
		}
		if c.Ended() {
			return schulhof.Errorf(schulhof.EConflict, "call.ended")
		}
		if up.Locked != nil {
			c.Locked = *up.Locked
		}
		if up.Allow != nil {
			c.Allow = *up.Allow
		}
		var ended any
		action := "call.settings"
		if up.End {
			now := db.now()
			t := time.Unix(now, 0)
			c.EndedAt, ended, action = &t, now, "call.end"
		}
		_, err = tx.ExecContext(ctx, `UPDATE calls SET locked = $1, allow_camera = $2, allow_mic = $3, allow_screen = $4, ended_at = $5 WHERE id = $6`,
			c.Locked, c.Allow.Camera, c.Allow.Microphone, c.Allow.Screen, ended, id)
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, school, action, c.Title, fmt.Sprintf("locked=%t camera=%t microphone=%t screen=%t",
			c.Locked, c.Allow.Camera, c.Allow.Microphone, c.Allow.Screen))
	})
	return c, err
}

// SetCallGuestKey keeps the hash of a call's new guest link (nil: no
// guest link), which makes the one before invalid.
func (db *DB) SetCallGuestKey(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID, key []byte) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var title string
		if err := tx.QueryRowContext(ctx, `SELECT title FROM calls WHERE id = $1 AND school_id = $2 AND ended_at IS NULL`, id, school).Scan(&title); err != nil {
			return notFound(err, "call.not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET guest_key = $1 WHERE id = $2`, key, id); err != nil {
			return err
		}
		action := "call.guest_link"
		if key == nil {
			action = "call.guest_link_removed"
		}
		return db.audit(ctx, tx, school, action, title, "")
	})
}

// FindOpenCalls are the calls the user may enter now: the open rooms of
// their groups (all of the school's, for its admins) and the ad-hoc calls
// they made or, as staff, may join; newest first.
func (db *DB) FindOpenCalls(ctx context.Context, u *schulhof.User) ([]*schulhof.Call, error) {
	staff := u.Role == schulhof.RoleTeacher || u.Role == schulhof.RoleSchoolAdmin
	rows, err := db.readRows(ctx, `SELECT `+callColumns+` FROM calls c LEFT JOIN groups g ON g.id = c.group_id
		WHERE c.school_id = $1 AND c.ended_at IS NULL AND (
			(c.group_id IS NOT NULL AND ($3 OR c.group_id IN (SELECT group_id FROM memberships WHERE user_id = $2)))
			OR (c.group_id IS NULL AND ($4 OR c.created_by = $2)))
		ORDER BY c.created_at DESC, c.id DESC`, u.SchoolID, u.ID, u.Role == schulhof.RoleSchoolAdmin, staff)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Call
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// The node that hosts a call (calls.node): claimed when the first one
// joins, renewed while anyone is in it, given up when it is empty. These
// writes keep the read cache: it holds nothing of them.

// ClaimCallNode is the node that hosts the call now: node itself, when
// the call had none, its host's claim ran out, or its host was gone (a
// node that answers no more); else the one that holds it. The claim
// holds for holdFor unless renewed.
func (db *DB) ClaimCallNode(ctx context.Context, id schulhof.CallID, node, gone string, holdFor time.Duration) (string, error) {
	now := db.now()
	var host string
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE calls SET node = $1, node_until = $2
			WHERE id = $3 AND ended_at IS NULL AND (node = '' OR node = $1 OR node = $4 OR node_until < $5) RETURNING node`,
			node, now+int64(holdFor/time.Second), id, gone, now).Scan(&host)
		if err == sql.ErrNoRows {
			err = tx.QueryRowContext(ctx, `SELECT node FROM calls WHERE id = $1 AND ended_at IS NULL`, id).Scan(&host)
		}
		return notFound(err, "call.not_found")
	})
	return host, err
}

// FindCallNode is the node that hosts the call, "" when none does.
func (db *DB) FindCallNode(ctx context.Context, id schulhof.CallID) (string, error) {
	var host string
	err := db.readRow(ctx, `SELECT node FROM calls WHERE id = $1 AND node_until >= $2`, id, db.now()).Scan(&host)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return host, err
}

// RenewCallNodes extends the node's claims on the calls it hosts by
// holdFor and returns the calls it still holds.
func (db *DB) RenewCallNodes(ctx context.Context, node string, holdFor time.Duration) ([]schulhof.CallID, error) {
	now := db.now()
	var held []schulhof.CallID
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		held = held[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE calls SET node_until = $1 WHERE node = $2 AND node_until >= $3 RETURNING id`,
			now+int64(holdFor/time.Second), node, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id schulhof.CallID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			held = append(held, id)
		}
		return rows.Err()
	})
	return held, err
}

// ReleaseCallNode gives up the node's claim on the call.
func (db *DB) ReleaseCallNode(ctx context.Context, id schulhof.CallID, node string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE calls SET node = '', node_until = 0 WHERE id = $1 AND node = $2`, id, node)
		return err
	})
}

// AddCallGuest keeps a guest of a call under the hash of their cookie
// and gives them their id; guests whose time ran out go.
func (db *DB) AddCallGuest(ctx context.Context, g *schulhof.CallGuest, keyHash []byte) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_guests WHERE until < $1`, db.now()); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO call_guests (call_id, school_id, key_hash, name, language, until)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, g.CallID, g.SchoolID, keyHash, g.Name, g.Language, g.Until.Unix()).Scan(&g.ID)
	})
}

const callGuestColumns = `id, call_id, school_id, name, language, until`

func scanCallGuest(row interface{ Scan(...any) error }) (*schulhof.CallGuest, error) {
	g := &schulhof.CallGuest{}
	var until int64
	if err := row.Scan(&g.ID, &g.CallID, &g.SchoolID, &g.Name, &g.Language, &until); err != nil {
		return nil, notFound(err, "call.guest_link_invalid")
	}
	g.Until = time.Unix(until, 0)
	return g, nil
}

// FindCallGuest is the guest whose cookie has the hash, while it holds.
func (db *DB) FindCallGuest(ctx context.Context, keyHash []byte) (*schulhof.CallGuest, error) {
	return scanCallGuest(db.readRow(ctx, `SELECT `+callGuestColumns+` FROM call_guests WHERE key_hash = $1 AND until >= $2`, keyHash, db.now()))
}

// FindCallGuestByID is the guest of the id, while their time holds.
func (db *DB) FindCallGuestByID(ctx context.Context, id int64) (*schulhof.CallGuest, error) {
	return scanCallGuest(db.readRow(ctx, `SELECT `+callGuestColumns+` FROM call_guests WHERE id = $1 AND until >= $2`, id, db.now()))
}
