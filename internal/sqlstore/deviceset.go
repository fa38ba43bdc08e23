package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/schulhof/schulhof"
)

// Class sets and reservations.

// CreateDeviceSet makes a class set of the school (its class, if any,
// one of the school's).
func (db *DB) CreateDeviceSet(ctx context.Context, s *schulhof.DeviceSet) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		var group any
		if s.GroupID != 0 {
			err := tx.QueryRowContext(ctx, `SELECT name FROM groups WHERE id = $1 AND school_id = $2`, s.GroupID, s.SchoolID).Scan(&s.GroupName)
			if err != nil {
				return notFound(err, "group.not_found")
			}
			group = int64(s.GroupID)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO device_sets (school_id, name, group_id, room, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			s.SchoolID, s.Name, group, s.Room, db.now()).Scan(&s.ID)
		if isUnique(err) {
			return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: "name", Key: "set.name.taken"}}}
		}
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, s.SchoolID, "device.set", s.Name, s.Room)
	})
}

// FindDeviceSets returns the school's class sets with their sizes.
func (db *DB) FindDeviceSets(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DeviceSet, error) {
	rows, err := db.readRows(ctx, `SELECT s.id, s.school_id, s.name, COALESCE(s.group_id, 0), COALESCE(g.name, ''), s.room,
		(SELECT COUNT(*) FROM devices d WHERE d.set_id = s.id)
		FROM device_sets s LEFT JOIN groups g ON g.id = s.group_id WHERE s.school_id = $1 ORDER BY s.name`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*schulhof.DeviceSet{}
	for rows.Next() {
		s := &schulhof.DeviceSet{}
		if err := rows.Scan(&s.ID, &s.SchoolID, &s.Name, &s.GroupID, &s.GroupName, &s.Room, &s.Devices); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// PutInSet puts the school's devices into the class set (0: out of any):
// in a set they are in use at school (in its room, if it has one), out
// of it in stock again; a lent device cannot join a set.
func (db *DB) PutInSet(ctx context.Context, school schulhof.SchoolID, set schulhof.SetID, ids []schulhof.DeviceID) error {
	if len(ids) == 0 {
		return schulhof.Invalid("ids", "device.bulk.none")
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		name, err := putInSet(ctx, tx, school, set, uniqueIDs(ids), db.now())
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "device.set_devices", name, fmt.Sprintf("%d devices", len(ids)))
	})
}

// putInSet is PutInSet in tx; it returns the set's name.
func putInSet(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, set schulhof.SetID, ids []schulhof.DeviceID, now int64) (string, error) {
	var name, room string
	if set != 0 {
		err := tx.QueryRowContext(ctx, `SELECT name, room FROM device_sets WHERE id = $1 AND school_id = $2`, set, school).Scan(&name, &room)
		if err != nil {
			return "", notFound(err, "set.not_found")
		}
	}
	for _, id := range ids {
		var status, tag string
		if err := tx.QueryRowContext(ctx, `SELECT status, asset_tag FROM devices WHERE id = $1 AND school_id = $2`, id, school).Scan(&status, &tag); err != nil {
			return "", notFound(err, "device.not_found")
		}
		var err error
		switch {
		case set != 0 && status == string(schulhof.DeviceLent):
			return "", schulhof.Invalid("set", "set.lent", tag)
		case set != 0:
			next := status
			if status == string(schulhof.DeviceInStock) {
				next = string(schulhof.DeviceInUse)
			}
			// a set kept in a room takes its devices there
			_, err = tx.ExecContext(ctx, `UPDATE devices SET set_id = $1, status = $2, location = CASE WHEN $3 = '' THEN location ELSE $3 END,
				updated_at = $4 WHERE id = $5`, set, next, room, now, id)
		default:
			next := status
			if status == string(schulhof.DeviceInUse) {
				next = string(schulhof.DeviceInStock)
			}
			_, err = tx.ExecContext(ctx, `UPDATE devices SET set_id = NULL, status = $1, updated_at = $2 WHERE id = $3`, next, now, id)
		}
		if err != nil {
			return "", err
		}
	}
	return name, nil
}

// Reserve books a class set or a device for periods of a day; a booking
// that overlaps another of the same set or device (or of the set a
// device belongs to, or of a device of the set) is refused with who has
// it (EConflict).
func (db *DB) Reserve(ctx context.Context, actor *schulhof.User, r *schulhof.Reservation) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.UserID, r.UserName = actor.ID, actor.Name()
	return db.update(ctx, func(tx *sql.Tx) error {
		// what the booking touches: the set and its devices, or the
		// device and its set; the set's row (or the device's) is locked,
		// so that two bookings at once are checked one after another
		var set schulhof.SetID
		if r.SetID != 0 {
			set = r.SetID
			if err := tx.QueryRowContext(ctx, `SELECT name FROM device_sets WHERE id = $1 AND school_id = $2`+db.forUpdate(), r.SetID, r.SchoolID).Scan(&r.SetName); err != nil {
				return notFound(err, "set.not_found")
			}
		} else {
			var status string
			err := tx.QueryRowContext(ctx, `SELECT asset_tag, COALESCE(set_id, 0), status FROM devices WHERE id = $1 AND school_id = $2`+db.forUpdate(),
				r.DeviceID, r.SchoolID).Scan(&r.DeviceTag, &set, &status)
			if err != nil {
				return notFound(err, "device.not_found")
			}
			if status != string(schulhof.DeviceInStock) && status != string(schulhof.DeviceInUse) {
				return schulhof.Errorf(schulhof.EConflict, "loan.device_not_available")
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT r.from_period, r.to_period, COALESCE(u.first_name, ''), COALESCE(u.last_name, '') FROM device_reservations r
			LEFT JOIN users u ON u.id = r.user_id
			WHERE r.school_id = $1 AND r.day = $2 AND r.from_period <= $3 AND $4 <= r.to_period
			AND (r.set_id = $5 OR r.device_id = $6 OR r.device_id IN (SELECT id FROM devices WHERE set_id = $5))`,
			r.SchoolID, string(r.Day), r.To, r.From, set, r.DeviceID)
		if err != nil {
			return err
		}
		defer rows.Close()
		if rows.Next() {
			var from, to int
			var first, last string
			if err := rows.Scan(&from, &to, &first, &last); err != nil {
				return err
			}
			return schulhof.Errorf(schulhof.EConflict, "reservation.conflict", strings.TrimSpace(first+" "+last), from, to)
		}
		rows.Close()
		var setArg, devArg any
		if r.SetID != 0 {
			setArg = int64(r.SetID)
		} else {
			devArg = int64(r.DeviceID)
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO device_reservations (school_id, set_id, device_id, user_id, day, from_period, to_period, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, r.SchoolID, setArg, devArg, actor.ID, string(r.Day), r.From, r.To, r.Note, db.now()).Scan(&r.ID)
		if err != nil {
			return err
		}
		what := r.SetName
		if what == "" {
			what = r.DeviceTag
		}
		return db.audit(ctx, tx, r.SchoolID, "device.reserve", what, fmt.Sprintf("%s %d-%d", r.Day, r.From, r.To))
	})
}

// CancelReservation deletes a booking of the school; only its maker may,
// or who keeps the devices (mayAll).
func (db *DB) CancelReservation(ctx context.Context, school schulhof.SchoolID, id schulhof.ReservationID, actor schulhof.UserID, mayAll bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var owner schulhof.UserID
		var day string
		if err := tx.QueryRowContext(ctx, `SELECT user_id, day FROM device_reservations WHERE id = $1 AND school_id = $2`, id, school).Scan(&owner, &day); err != nil {
			return notFound(err, "reservation.not_found")
		}
		if owner != actor && !mayAll {
			return schulhof.Errorf(schulhof.EForbidden, "reservation.not_yours")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM device_reservations WHERE id = $1`, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "device.reserve_cancel", day, fmt.Sprint(id))
	})
}

// FindReservations returns the school's bookings from one day to another,
// by day and period.
func (db *DB) FindReservations(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]*schulhof.Reservation, error) {
	rows, err := db.readRows(ctx, `SELECT r.id, r.school_id, COALESCE(r.set_id, 0), COALESCE(s.name, ''), COALESCE(r.device_id, 0), COALESCE(d.asset_tag, ''),
		r.user_id, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), r.day, r.from_period, r.to_period, r.note
		FROM device_reservations r LEFT JOIN device_sets s ON s.id = r.set_id LEFT JOIN devices d ON d.id = r.device_id LEFT JOIN users u ON u.id = r.user_id
		WHERE r.school_id = $1 AND r.day >= $2 AND r.day <= $3 ORDER BY r.day, r.from_period, r.id`, school, string(from), string(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*schulhof.Reservation{}
	for rows.Next() {
		r := &schulhof.Reservation{}
		var first, last string
		if err := rows.Scan(&r.ID, &r.SchoolID, &r.SetID, &r.SetName, &r.DeviceID, &r.DeviceTag, &r.UserID, &first, &last, &r.Day, &r.From, &r.To, &r.Note); err != nil {
			return nil, err
		}
		r.UserName = strings.TrimSpace(first + " " + last)
		out = append(out, r)
	}
	return out, rows.Err()
}
