package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Devices and their loans. A device's status follows its loans: lending
// makes it "lent", the return "in stock" (or "in repair" when it came
// back damaged); an edit cannot make a device lent or take a lent one
// out of its loan.

const deviceColumns = `d.id, d.school_id, d.type, d.model, d.serial, d.asset_tag, d.purchased_on, d.warranty_end, d.status,
	d.location, d.notes, d.mdm_id, d.created_at, d.updated_at, COALESCE(d.set_id, 0),
	COALESCE(l.id, 0), COALESCE(l.user_id, 0), COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), COALESCE(l.start_day, ''),
	COALESCE(l.until_day, ''), COALESCE(l.lent_by, 0)`

// deviceFrom joins a device with its running loan and its borrower.
const deviceFrom = ` FROM devices d LEFT JOIN device_loans l ON l.device_id = d.id AND l.returned_at IS NULL
	LEFT JOIN users u ON u.id = l.user_id`

func scanDevice(row interface{ Scan(...any) error }) (*schulhof.Device, error) {
	d := &schulhof.Device{}
	var created, updated int64
	var l schulhof.Loan
	var first, last string
	if err := row.Scan(&d.ID, &d.SchoolID, &d.Type, &d.Model, &d.Serial, &d.AssetTag, &d.PurchasedOn, &d.WarrantyEnd, &d.Status,
		&d.Location, &d.Notes, &d.MDMID, &created, &updated, &d.SetID,
		&l.ID, &l.UserID, &first, &last, &l.Start, &l.Until, &l.LentBy); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	if l.ID != 0 {
		l.SchoolID, l.DeviceID, l.UserName = d.SchoolID, d.ID, strings.TrimSpace(first+" "+last)
		d.Loan = &l
	}
	return d, nil
}

// FindDevice returns a device of the school with its running loan.
func (db *DB) FindDevice(ctx context.Context, school schulhof.SchoolID, id schulhof.DeviceID) (*schulhof.Device, error) {
	d, err := scanDevice(db.readRow(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.id = $1 AND d.school_id = $2`, id, school))
	return d, notFound(err, "device.not_found")
}

// FindDeviceByTag returns the school's device of the asset tag (a
// scanned label).
func (db *DB) FindDeviceByTag(ctx context.Context, school schulhof.SchoolID, tag string) (*schulhof.Device, error) {
	d, err := scanDevice(db.readRow(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.school_id = $1 AND d.asset_tag = $2`, school, tag))
	return d, notFound(err, "device.not_found")
}

// FindDevices returns a page of the school's devices by id, and the
// cursor of the next page ("" at the end).
func (db *DB) FindDevices(ctx context.Context, f schulhof.DeviceFilter) ([]*schulhof.Device, string, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q := `SELECT ` + deviceColumns + deviceFrom + ` WHERE d.school_id = $1 AND d.id > $2`
	args := []any{f.SchoolID, f.Cursor}
	if f.Status != "" {
		args = append(args, string(f.Status))
		q += ` AND d.status = $` + strconv.Itoa(len(args))
	}
	if f.Type != "" {
		args = append(args, f.Type)
		q += ` AND d.type = $` + strconv.Itoa(len(args))
	}
	if s := strings.TrimSpace(f.Query); s != "" {
		args = append(args, "%"+strings.ToLower(likeEscape(s))+"%")
		n := `$` + strconv.Itoa(len(args))
		q += ` AND (LOWER(d.model) LIKE ` + n + ` ESCAPE '\' OR LOWER(d.serial) LIKE ` + n + ` ESCAPE '\' OR LOWER(d.asset_tag) LIKE ` + n +
			` ESCAPE '\' OR LOWER(d.location) LIKE ` + n + ` ESCAPE '\' OR LOWER(COALESCE(u.first_name, '') || ' ' || COALESCE(u.last_name, '')) LIKE ` +
			n + ` ESCAPE '\')`
	}
	args = append(args, limit+1)
	q += ` ORDER BY d.id LIMIT $` + strconv.Itoa(len(args))
	rows, err := db.readRows(ctx, q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("find devices: %w", err)
	}
	defer rows.Close()
	var out []*schulhof.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = strconv.FormatInt(int64(out[limit-1].ID), 10)
	}
	return out, next, nil
}

// deviceTaken maps a violated unique index of devices to the field.
func deviceTaken(err error) error {
	if !isUnique(err) {
		return err
	}
	field, key := "asset_tag", "device.asset_tag.taken"
	if strings.Contains(err.Error(), "serial") {
		field, key = "serial", "device.serial.taken"
	}
	return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid", Fields: []schulhof.FieldError{{Field: field, Key: key}}}
}

// CreateDevice adds a device to the school; without an asset tag it gets
// one made from its id ("D00042"). A new device cannot be lent: that is
// a loan.
func (db *DB) CreateDevice(ctx context.Context, d *schulhof.Device) error {
	d.Normalize()
	if d.Status == schulhof.DeviceLent {
		return schulhof.Invalid("status", "device.status.lent_by_loan")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	now := db.now()
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := insertDevice(ctx, tx, d, now); err != nil {
			return err
		}
		return db.audit(ctx, tx, d.SchoolID, "device.create", d.AssetTag, d.Type+" "+d.Model+" "+d.Serial)
	})
}

// insertDevice stores a new device; one without an asset tag gets one
// made from its id.
func insertDevice(ctx context.Context, tx *sql.Tx, d *schulhof.Device, now int64) error {
	d.CreatedAt, d.UpdatedAt = time.Unix(now, 0), time.Unix(now, 0)
	tag := d.AssetTag
	if tag == "" { // made unique from the id once it is known
		tag = fmt.Sprintf("new-%d-%s", now, d.Serial)
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO devices (school_id, type, model, serial, asset_tag, purchased_on, warranty_end, status,
		location, notes, mdm_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		d.SchoolID, d.Type, d.Model, d.Serial, tag, string(d.PurchasedOn), string(d.WarrantyEnd), string(d.Status), d.Location, d.Notes,
		d.MDMID, now).Scan(&d.ID)
	if err != nil {
		return deviceTaken(err)
	}
	if d.AssetTag == "" {
		d.AssetTag = fmt.Sprintf("D%05d", d.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE devices SET asset_tag = $1 WHERE id = $2`, d.AssetTag, d.ID); err != nil {
			return deviceTaken(err)
		}
	}
	return nil
}

// storeDevice writes a device's fields.
func storeDevice(ctx context.Context, tx *sql.Tx, d *schulhof.Device, now int64) error {
	if d.AssetTag == "" {
		d.AssetTag = fmt.Sprintf("D%05d", d.ID)
	}
	_, err := tx.ExecContext(ctx, `UPDATE devices SET type = $1, model = $2, serial = $3, asset_tag = $4, purchased_on = $5, warranty_end = $6,
		status = $7, location = $8, notes = $9, mdm_id = $10, updated_at = $11 WHERE id = $12`,
		d.Type, d.Model, d.Serial, d.AssetTag, string(d.PurchasedOn), string(d.WarrantyEnd), string(d.Status), d.Location, d.Notes, d.MDMID,
		now, d.ID)
	if err != nil {
		return deviceTaken(err)
	}
	d.UpdatedAt = time.Unix(now, 0)
	return nil
}

// UpdateDevice stores a device's changed fields. A lent device keeps its
// status (its loan ends by a return); no other becomes lent by an edit.
func (db *DB) UpdateDevice(ctx context.Context, d *schulhof.Device) error {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		var status string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM devices WHERE id = $1 AND school_id = $2`, d.ID, d.SchoolID).Scan(&status); err != nil {
			return notFound(err, "device.not_found")
		}
		if (status == string(schulhof.DeviceLent)) != (d.Status == schulhof.DeviceLent) {
			return schulhof.Invalid("status", "device.status.lent_by_loan")
		}
		if err := storeDevice(ctx, tx, d, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, d.SchoolID, "device.update", d.AssetTag, "status="+string(d.Status))
	})
}

// LendDevice starts a loan of a device in stock or in use to a student
// or teacher of the school; the device is lent from then on.
func (db *DB) LendDevice(ctx context.Context, actor *schulhof.User, l *schulhof.Loan) error {
	return db.LendDevices(ctx, actor, []*schulhof.Loan{l})
}

// LendDevices starts the loans all at once (a class gets its iPads), or
// none: an error names the device it is about (its Fields, "device:TAG").
func (db *DB) LendDevices(ctx context.Context, actor *schulhof.User, loans []*schulhof.Loan) error {
	for _, l := range loans {
		if err := l.Validate(); err != nil {
			return err
		}
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		for _, l := range loans {
			if tag, err := db.lend(ctx, tx, actor, l); err != nil {
				if len(loans) > 1 {
					return aboutDevice(err, tag)
				}
				return err
			}
		}
		return nil
	})
}

// aboutDevice names the device a batch's error is about.
func aboutDevice(err error, tag string) error {
	var e *schulhof.Error
	if !errors.As(err, &e) || tag == "" {
		return err
	}
	out := *e
	out.Fields = []schulhof.FieldError{{Field: "device:" + tag, Key: e.Key, Args: e.Args}}
	return &out
}

// lend starts one loan in tx; it returns the device's tag.
func (db *DB) lend(ctx context.Context, tx *sql.Tx, actor *schulhof.User, l *schulhof.Loan) (string, error) {
	var status, tag string
	err := tx.QueryRowContext(ctx, `SELECT status, asset_tag FROM devices WHERE id = $1 AND school_id = $2`, l.DeviceID, l.SchoolID).Scan(&status, &tag)
	if err != nil {
		return "", notFound(err, "device.not_found")
	}
	if status != string(schulhof.DeviceInStock) && status != string(schulhof.DeviceInUse) {
		return tag, schulhof.Errorf(schulhof.EConflict, "loan.device_not_available")
	}
	var first, last string
	err = tx.QueryRowContext(ctx, `SELECT first_name, last_name FROM users WHERE id = $1 AND school_id = $2 AND active AND role IN ($3, $4)`,
		l.UserID, l.SchoolID, int(schulhof.RoleStudent), int(schulhof.RoleTeacher)).Scan(&first, &last)
	if err == sql.ErrNoRows {
		return tag, schulhof.Invalid("user", "loan.user.unknown")
	}
	if err != nil {
		return tag, err
	}
	l.UserName, l.LentBy = strings.TrimSpace(first+" "+last), actor.ID
	err = tx.QueryRowContext(ctx, `INSERT INTO device_loans (school_id, device_id, user_id, start_day, until_day, lent_by, lent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		l.SchoolID, l.DeviceID, l.UserID, string(l.Start), string(l.Until), actor.ID, db.now()).Scan(&l.ID)
	if isUnique(err) {
		return tag, schulhof.Errorf(schulhof.EConflict, "loan.device_not_available")
	}
	if err != nil {
		return tag, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, updated_at = $2 WHERE id = $3`, schulhof.DeviceLent, db.now(), l.DeviceID); err != nil {
		return tag, err
	}
	return tag, db.audit(ctx, tx, l.SchoolID, "device.lend", tag, fmt.Sprintf("user=%d until=%s", l.UserID, l.Until))
}

// ReturnDevice ends a running loan with the device's condition: it is in
// stock again, or in repair when it came back damaged.
func (db *DB) ReturnDevice(ctx context.Context, school schulhof.SchoolID, id schulhof.LoanID, condition schulhof.DeviceCondition, note string) (*schulhof.Loan, error) {
	ls, err := db.ReturnDevices(ctx, school, []schulhof.DeviceReturn{{Loan: id, Condition: condition, Note: note}})
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// ReturnDevices ends the loans all at once (a class brings its iPads
// back), or none; an error names the device it is about.
func (db *DB) ReturnDevices(ctx context.Context, school schulhof.SchoolID, returns []schulhof.DeviceReturn) ([]*schulhof.Loan, error) {
	for i := range returns {
		r := &returns[i]
		if !schulhof.ValidCondition(r.Condition) {
			return nil, schulhof.Invalid("condition", "loan.condition.unknown")
		}
		r.Note = strings.TrimSpace(r.Note)
		if len([]rune(r.Note)) > 2000 {
			return nil, schulhof.Invalid("note", "field.too_long", 2000)
		}
	}
	var out []*schulhof.Loan
	err := db.update(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		for _, r := range returns {
			l, err := db.giveBack(ctx, tx, school, r)
			if err != nil {
				if len(returns) > 1 && l != nil {
					return aboutDevice(err, l.Device.AssetTag)
				}
				return err
			}
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// giveBack ends one loan in tx.
func (db *DB) giveBack(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, r schulhof.DeviceReturn) (*schulhof.Loan, error) {
	l, err := scanLoan(tx.QueryRowContext(ctx, `SELECT `+loanColumns+loanFrom+` WHERE l.id = $1 AND l.school_id = $2`, r.Loan, school))
	if err != nil {
		return nil, notFound(err, "loan.not_found")
	}
	if l.ReturnedAt != nil {
		return l, schulhof.Errorf(schulhof.EConflict, "loan.returned")
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, `UPDATE device_loans SET returned_at = $1, condition = $2, condition_note = $3 WHERE id = $4`,
		now, string(r.Condition), r.Note, r.Loan); err != nil {
		return l, err
	}
	status := schulhof.DeviceInStock
	if r.Condition == schulhof.ConditionDamaged {
		status = schulhof.DeviceInRepair
	}
	if _, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, updated_at = $2 WHERE id = $3`, status, now, l.DeviceID); err != nil {
		return l, err
	}
	t := time.Unix(now, 0)
	l.ReturnedAt, l.Condition, l.ConditionNote = &t, r.Condition, r.Note
	l.Device.Status = status
	return l, db.audit(ctx, tx, school, "device.return", l.Device.AssetTag, fmt.Sprintf("user=%d condition=%s", l.UserID, r.Condition))
}

const loanColumns = `l.id, l.school_id, l.device_id, l.user_id, u.first_name, u.last_name, l.start_day, l.until_day, l.lent_by,
	l.returned_at, l.condition, l.condition_note, d.type, d.model, d.serial, d.asset_tag, d.status`

const loanFrom = ` FROM device_loans l JOIN users u ON u.id = l.user_id JOIN devices d ON d.id = l.device_id`

func scanLoan(row interface{ Scan(...any) error }) (*schulhof.Loan, error) {
	l := &schulhof.Loan{Device: &schulhof.Device{}}
	var first, last string
	var returned sql.NullInt64
	if err := row.Scan(&l.ID, &l.SchoolID, &l.DeviceID, &l.UserID, &first, &last, &l.Start, &l.Until, &l.LentBy, &returned, &l.Condition,
		&l.ConditionNote, &l.Device.Type, &l.Device.Model, &l.Device.Serial, &l.Device.AssetTag, &l.Device.Status); err != nil {
		return nil, err
	}
	l.UserName = strings.TrimSpace(first + " " + last)
	l.Device.ID, l.Device.SchoolID = l.DeviceID, l.SchoolID
	if returned.Valid {
		t := time.Unix(returned.Int64, 0)
		l.ReturnedAt = &t
	}
	return l, nil
}

// FindLoan returns a loan of the school with its device.
func (db *DB) FindLoan(ctx context.Context, school schulhof.SchoolID, id schulhof.LoanID) (*schulhof.Loan, error) {
	l, err := scanLoan(db.readRow(ctx, `SELECT `+loanColumns+loanFrom+` WHERE l.id = $1 AND l.school_id = $2`, id, school))
	return l, notFound(err, "loan.not_found")
}

// FindLoans returns the loans of a device (device != 0) or of a person,
// newest first.
func (db *DB) FindLoans(ctx context.Context, school schulhof.SchoolID, device schulhof.DeviceID, user schulhof.UserID) ([]*schulhof.Loan, error) {
	if device != 0 {
		return db.findLoans(ctx, school, device, user)
	}
	// a person's: the start page asks on every visit
	return cached(db, fmt.Sprintf("loans_of\x00%d\x00%d", school, user), cloneLoans,
		func() ([]*schulhof.Loan, error) { return db.findLoans(ctx, school, device, user) })
}

func cloneLoans(ls []*schulhof.Loan) []*schulhof.Loan {
	out := make([]*schulhof.Loan, len(ls))
	for i, l := range ls {
		c := *l
		if l.ReturnedAt != nil {
			t := *l.ReturnedAt
			c.ReturnedAt = &t
		}
		if l.Device != nil {
			d := *l.Device
			c.Device = &d
		}
		out[i] = &c
	}
	return out
}

func (db *DB) findLoans(ctx context.Context, school schulhof.SchoolID, device schulhof.DeviceID, user schulhof.UserID) ([]*schulhof.Loan, error) {
	q, arg := ` WHERE l.school_id = $1 AND l.device_id = $2`, any(device)
	if device == 0 {
		q, arg = ` WHERE l.school_id = $1 AND l.user_id = $2`, any(user)
	}
	rows, err := db.readRows(ctx, `SELECT `+loanColumns+loanFrom+q+` ORDER BY l.start_day DESC, l.id DESC`, school, arg)
	if err != nil {
		return nil, fmt.Errorf("find loans: %w", err)
	}
	defer rows.Close()
	out := []*schulhof.Loan{}
	for rows.Next() {
		l, err := scanLoan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// FindDeviceManagers returns the teachers the school named device
// managers.
func (db *DB) FindDeviceManagers(ctx context.Context, school schulhof.SchoolID) ([]schulhof.UserID, error) {
	rows, err := db.readRows(ctx, `SELECT user_id FROM device_managers WHERE school_id = $1 ORDER BY user_id`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []schulhof.UserID{}
	for rows.Next() {
		var id schulhof.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// SetDeviceManagers names the school's device managers (teachers of the
// school).
func (db *DB) SetDeviceManagers(ctx context.Context, school schulhof.SchoolID, ids []schulhof.UserID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM device_managers WHERE school_id = $1`, school); err != nil {
			return err
		}
		ids = uniqueIDs(ids)
		for _, id := range ids {
			if err := mustBeOfSchool(ctx, tx, fmt.Sprintf(`SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2 AND role = %d`, int(schulhof.RoleTeacher)), int64(id), school,
				"device.manager.unknown"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO device_managers (school_id, user_id) VALUES ($1, $2)`, school, id); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "school.device_managers", "", fmt.Sprintf("%d managers", len(ids)))
	})
}

// BulkUpdateDevices sets a status or room on the school's devices of the
// ids, all or none: a lent device keeps its status (its loan ends by a
// return), and no device becomes lent by a bulk action.
func (db *DB) BulkUpdateDevices(ctx context.Context, school schulhof.SchoolID, ids []schulhof.DeviceID, ch schulhof.DeviceBulkChange) (int, error) {
	if len(ids) == 0 {
		return 0, schulhof.Invalid("ids", "device.bulk.none")
	}
	if ch.Status == nil && ch.Location == nil && ch.Set == nil {
		return 0, schulhof.Invalid("status", "device.bulk.nothing")
	}
	if ch.Status != nil && (*ch.Status == schulhof.DeviceLent || !schulhof.ValidDeviceStatus(*ch.Status)) {
		return 0, schulhof.Invalid("status", "device.status.lent_by_loan")
	}
	if ch.Location != nil {
		loc := strings.TrimSpace(*ch.Location)
		if len([]rune(loc)) > 100 {
			return 0, schulhof.Invalid("location", "field.too_long", 100)
		}
		ch.Location = &loc
	}
	ids = uniqueIDs(ids)
	err := db.update(ctx, func(tx *sql.Tx) error {
		var lent []string
		for _, id := range ids {
			var status, tag string
			err := tx.QueryRowContext(ctx, `SELECT status, asset_tag FROM devices WHERE id = $1 AND school_id = $2`, id, school).Scan(&status, &tag)
			if err != nil {
				return notFound(err, "device.not_found")
			}
			if status == string(schulhof.DeviceLent) && ch.Status != nil {
				lent = append(lent, tag)
			}
		}
		if len(lent) > 0 {
			return schulhof.Invalid("status", "device.bulk.lent", strings.Join(lent, ", "))
		}
		now := db.now()
		if ch.Set != nil { // first: a status given as well wins over the set's
			if _, err := putInSet(ctx, tx, school, *ch.Set, ids, now); err != nil {
				return err
			}
		}
		for _, id := range ids {
			if ch.Status != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, updated_at = $2 WHERE id = $3`, string(*ch.Status), now, id); err != nil {
					return err
				}
			}
			if ch.Location != nil {
				if _, err := tx.ExecContext(ctx, `UPDATE devices SET location = $1, updated_at = $2 WHERE id = $3`, *ch.Location, now, id); err != nil {
					return err
				}
			}
		}
		details := fmt.Sprintf("%d devices", len(ids))
		if ch.Status != nil {
			details += " status=" + string(*ch.Status)
		}
		if ch.Location != nil {
			details += " location=" + *ch.Location
		}
		if ch.Set != nil {
			details += fmt.Sprintf(" set=%d", *ch.Set)
		}
		return db.audit(ctx, tx, school, "device.bulk", "", details)
	})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}
