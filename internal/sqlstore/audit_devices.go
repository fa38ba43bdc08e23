package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Stock-takes of devices. The devices a stock-take expects are those
// kept in its room (their location; the whole school: all) that are not
// retired, lost or lent out (a lent device is with its borrower).

// RecordAudit stores a stock-take of the room ("" the whole school) in
// which the devices seen were scanned, and when the next is due.
func (db *DB) RecordAudit(ctx context.Context, actor *schulhof.User, school schulhof.SchoolID, room string, seen []schulhof.DeviceID,
	nextDue schulhof.Day) (*schulhof.DeviceAudit, error) {
	room = strings.TrimSpace(room)
	if len([]rune(room)) > 100 {
		return nil, schulhof.Invalid("room", "field.too_long", 100)
	}
	if nextDue != "" && !nextDue.Valid() {
		return nil, schulhof.Invalid("next_due", "device.date")
	}
	a := &schulhof.DeviceAudit{SchoolID: school, Room: room, DoneBy: actor.ID, DoneByName: actor.Name(), NextDue: nextDue}
	err := db.update(ctx, func(tx *sql.Tx) error {
		a.Missing, a.Elsewhere, a.Expected, a.Seen = nil, nil, 0, 0
		q := `SELECT ` + deviceColumns + deviceFrom + ` WHERE d.school_id = $1 AND d.status NOT IN ('retired', 'lost', 'lent')`
		args := []any{school}
		if room != "" {
			q += ` AND d.location = $2`
			args = append(args, room)
		}
		rows, err := tx.QueryContext(ctx, q+` ORDER BY d.asset_tag`, args...)
		if err != nil {
			return err
		}
		var expected []*schulhof.Device
		for rows.Next() {
			d, err := scanDevice(rows)
			if err != nil {
				rows.Close()
				return err
			}
			expected = append(expected, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		isSeen := map[schulhof.DeviceID]bool{}
		for _, id := range seen {
			isSeen[id] = true
		}
		isExpected := map[schulhof.DeviceID]bool{}
		for _, d := range expected {
			isExpected[d.ID] = true
			if isSeen[d.ID] {
				a.Seen++
			} else {
				a.Missing = append(a.Missing, d)
			}
		}
		a.Expected = len(expected)
		for id := range isSeen {
			if isExpected[id] {
				continue
			}
			d, err := scanDevice(tx.QueryRowContext(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.id = $1 AND d.school_id = $2`, id, school))
			if err != nil {
				return notFound(err, "device.not_found")
			}
			a.Elsewhere = append(a.Elsewhere, d)
		}
		now := db.now()
		a.DoneAt, a.MissingN = time.Unix(now, 0), len(a.Missing)
		err = tx.QueryRowContext(ctx, `INSERT INTO device_audits (school_id, room, done_by, done_at, next_due, expected, seen, missing)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, school, room, actor.ID, now, string(nextDue), a.Expected, a.Seen+len(a.Elsewhere), a.MissingN).Scan(&a.ID)
		if err != nil {
			return err
		}
		for _, d := range expected {
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_audit_items (audit_id, device_id, expected, seen) VALUES ($1, $2, TRUE, $3)`,
				a.ID, d.ID, isSeen[d.ID]); err != nil {
				return err
			}
		}
		for _, d := range a.Elsewhere {
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_audit_items (audit_id, device_id, expected, seen) VALUES ($1, $2, FALSE, TRUE)`,
				a.ID, d.ID); err != nil {
				return err
			}
		}
		a.Seen += len(a.Elsewhere)
		where := room
		if where == "" {
			where = "school"
		}
		return db.audit(ctx, tx, school, "device.stocktake", where, fmt.Sprintf("expected=%d seen=%d missing=%d", a.Expected, a.Seen, a.MissingN))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

const auditColumns = `a.id, a.school_id, a.room, a.done_by, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), a.done_at, a.next_due,
	a.expected, a.seen, a.missing`

func scanAudit(row interface{ Scan(...any) error }) (*schulhof.DeviceAudit, error) {
	a := &schulhof.DeviceAudit{}
	var first, last string
	var done int64
	if err := row.Scan(&a.ID, &a.SchoolID, &a.Room, &a.DoneBy, &first, &last, &done, &a.NextDue, &a.Expected, &a.Seen, &a.MissingN); err != nil {
		return nil, err
	}
	a.DoneByName, a.DoneAt = strings.TrimSpace(first+" "+last), time.Unix(done, 0)
	return a, nil
}

// FindAudits returns the school's stock-takes, newest first.
func (db *DB) FindAudits(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DeviceAudit, error) {
	rows, err := db.readRows(ctx, `SELECT `+auditColumns+` FROM device_audits a LEFT JOIN users u ON u.id = a.done_by
		WHERE a.school_id = $1 ORDER BY a.done_at DESC, a.id DESC LIMIT 200`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*schulhof.DeviceAudit{}
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// FindAudit returns a stock-take of the school with the devices it
// missed and those found out of their room.
func (db *DB) FindAudit(ctx context.Context, school schulhof.SchoolID, id schulhof.AuditID) (*schulhof.DeviceAudit, error) {
	a, err := scanAudit(db.readRow(ctx, `SELECT `+auditColumns+` FROM device_audits a LEFT JOIN users u ON u.id = a.done_by
		WHERE a.id = $1 AND a.school_id = $2`, id, school))
	if err != nil {
		return nil, notFound(err, "stocktake.not_found")
	}
	rows, err := db.readRows(ctx, `SELECT `+deviceColumns+`, i.expected, i.seen`+deviceFrom+` JOIN device_audit_items i ON i.device_id = d.id
		WHERE i.audit_id = $1 AND (NOT i.seen OR NOT i.expected) ORDER BY d.asset_tag`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var expected, seen bool
		d, err := scanDevice(scanWith{rows, []any{&expected, &seen}})
		if err != nil {
			return nil, err
		}
		if !seen {
			a.Missing = append(a.Missing, d)
		} else {
			a.Elsewhere = append(a.Elsewhere, d)
		}
	}
	return a, rows.Err()
}

// scanWith scans a row into a scanner's columns and more after them.
type scanWith struct {
	row  interface{ Scan(...any) error }
	more []any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more...)...) }

// FindDeviceRooms are the rooms the school keeps devices in.
func (db *DB) FindDeviceRooms(ctx context.Context, school schulhof.SchoolID) ([]string, error) {
	rows, err := db.readRows(ctx, `SELECT DISTINCT location FROM devices WHERE school_id = $1 AND location <> '' ORDER BY location`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
