package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Damage to devices and its repair. A report can send the device to
// repair; the repair's end brings it back (repaired: in stock, written
// off: retired), unless the device is lent, whose status its loan keeps.

// ReportDamage stores a report of damage to the school's device; with
// toRepair a device in stock or in use goes to repair.
func (db *DB) ReportDamage(ctx context.Context, actor *schulhof.User, r *schulhof.DamageReport, toRepair bool) error {
	if err := r.Validate(); err != nil {
		return err
	}
	now := db.now()
	r.ReportedBy, r.ReportedAt, r.UpdatedAt, r.Status = actor.ID, time.Unix(now, 0), time.Unix(now, 0), schulhof.RepairOpen
	r.ReporterName, r.Photos = actor.Name(), []schulhof.DamagePhoto{}
	return db.update(ctx, func(tx *sql.Tx) error {
		var status, tag string
		err := tx.QueryRowContext(ctx, `SELECT status, asset_tag FROM devices WHERE id = $1 AND school_id = $2`, r.DeviceID, r.SchoolID).Scan(&status, &tag)
		if err != nil {
			return notFound(err, "device.not_found")
		}
		if toRepair && (status == string(schulhof.DeviceInStock) || status == string(schulhof.DeviceInUse)) {
			r.Status = schulhof.RepairInProgress
			if _, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, updated_at = $2 WHERE id = $3`, schulhof.DeviceInRepair, now, r.DeviceID); err != nil {
				return err
			}
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO device_damage (school_id, device_id, reported_by, reported_at, description, status, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $4) RETURNING id`, r.SchoolID, r.DeviceID, actor.ID, now, r.Description, string(r.Status)).Scan(&r.ID)
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, r.SchoolID, "device.damage", tag, fmt.Sprintf("report=%d status=%s", r.ID, r.Status))
	})
}

// UpdateDamage changes a report's status, cost or insurance case. The
// end of a repair brings the device back: repaired to stock, written
// off to retired (a lent device keeps its status).
func (db *DB) UpdateDamage(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, up schulhof.DamageUpdate) (*schulhof.DamageReport, error) {
	if up.Status != nil && !schulhof.ValidRepairStatus(*up.Status) {
		return nil, schulhof.Invalid("status", "damage.status.unknown")
	}
	if up.CostCents != nil && (*up.CostCents < 0 || *up.CostCents > 100_000_00) {
		return nil, schulhof.Invalid("cost", "damage.cost")
	}
	if up.Insurance != nil {
		v := strings.TrimSpace(*up.Insurance)
		if len([]rune(v)) > 100 {
			return nil, schulhof.Invalid("insurance", "field.too_long", 100)
		}
		up.Insurance = &v
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		var device schulhof.DeviceID
		var status, devStatus, tag string
		err := tx.QueryRowContext(ctx, `SELECT r.device_id, r.status, d.status, d.asset_tag FROM device_damage r JOIN devices d ON d.id = r.device_id
			WHERE r.id = $1 AND r.school_id = $2`, id, school).Scan(&device, &status, &devStatus, &tag)
		if err != nil {
			return notFound(err, "damage.not_found")
		}
		now := db.now()
		if up.Status != nil {
			status = string(*up.Status)
			next := ""
			switch {
			case *up.Status == schulhof.RepairInProgress && (devStatus == string(schulhof.DeviceInStock) || devStatus == string(schulhof.DeviceInUse)):
				next = string(schulhof.DeviceInRepair)
			case *up.Status == schulhof.RepairDone && devStatus == string(schulhof.DeviceInRepair):
				next = string(schulhof.DeviceInStock)
			case *up.Status == schulhof.RepairWrittenOff && devStatus != string(schulhof.DeviceLent):
				next = string(schulhof.DeviceRetired)
			}
			if next != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE devices SET status = $1, updated_at = $2 WHERE id = $3`, next, now, device); err != nil {
					return err
				}
			}
		}
		set, args := []string{"status = $1", "updated_at = $2"}, []any{status, now}
		if up.CostCents != nil {
			args = append(args, *up.CostCents)
			set = append(set, fmt.Sprintf("cost_cents = $%d", len(args)))
		}
		if up.Insurance != nil {
			args = append(args, *up.Insurance)
			set = append(set, fmt.Sprintf("insurance = $%d", len(args)))
		}
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, `UPDATE device_damage SET `+strings.Join(set, ", ")+fmt.Sprintf(` WHERE id = $%d`, len(args)), args...); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "device.damage_update", tag, fmt.Sprintf("report=%d status=%s", id, status))
	})
	if err != nil {
		return nil, err
	}
	rs, err := db.findDamage(ctx, `r.id = $2`, school, id)
	if err != nil || len(rs) == 0 {
		return nil, notFound(err, "damage.not_found")
	}
	return rs[0], nil
}

// AddDamagePhoto keeps a photo (stored as a blob) of a report.
func (db *DB) AddDamagePhoto(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, p *schulhof.DamagePhoto) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_damage WHERE id = $1 AND school_id = $2`, id, school).Scan(&n); err != nil || n == 0 {
			return notFound(sql.ErrNoRows, "damage.not_found")
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM device_damage_photos WHERE damage_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n >= schulhof.MaxDamagePhotos {
			return schulhof.Invalid("photos", "damage.photos.too_many", schulhof.MaxDamagePhotos)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO device_damage_photos (damage_id, content_type, size, blob_key, created_at) VALUES ($1, $2, $3, $4, $5)
			RETURNING id`, id, p.ContentType, p.Size, p.BlobKey, db.now()).Scan(&p.ID)
	})
}

// FindDamagePhoto returns a photo of a report of the school.
func (db *DB) FindDamagePhoto(ctx context.Context, school schulhof.SchoolID, id schulhof.DamageID, photo int64) (*schulhof.DamagePhoto, error) {
	p := &schulhof.DamagePhoto{}
	err := db.readRow(ctx, `SELECT p.id, p.content_type, p.size, p.blob_key FROM device_damage_photos p JOIN device_damage r ON r.id = p.damage_id
		WHERE p.id = $1 AND p.damage_id = $2 AND r.school_id = $3`, photo, id, school).Scan(&p.ID, &p.ContentType, &p.Size, &p.BlobKey)
	return p, notFound(err, "damage.not_found")
}

// FindDamage returns the reports of a device of the school, newest first.
func (db *DB) FindDamage(ctx context.Context, school schulhof.SchoolID, device schulhof.DeviceID) ([]*schulhof.DamageReport, error) {
	return db.findDamage(ctx, `r.device_id = $2 ORDER BY r.reported_at DESC, r.id DESC`, school, device)
}

// FindOpenRepairs returns the school's reports that are open or in
// repair, oldest first, with their devices.
func (db *DB) FindOpenRepairs(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.DamageReport, error) {
	return db.findDamage(ctx, `r.status IN ('open', 'in_repair') ORDER BY r.reported_at, r.id LIMIT 500`, school)
}

// findDamage reads reports of the school ($1) by cond, with their
// photos and devices.
func (db *DB) findDamage(ctx context.Context, cond string, args ...any) ([]*schulhof.DamageReport, error) {
	rows, err := db.readRows(ctx, `SELECT r.id, r.school_id, r.device_id, r.reported_by, COALESCE(u.first_name, ''), COALESCE(u.last_name, ''), r.reported_at,
		r.description, r.status, r.cost_cents, r.insurance, r.updated_at, d.type, d.model, d.asset_tag, d.status
		FROM device_damage r JOIN devices d ON d.id = r.device_id LEFT JOIN users u ON u.id = r.reported_by
		WHERE r.school_id = $1 AND `+cond, args...)
	if err != nil {
		return nil, fmt.Errorf("find damage: %w", err)
	}
	var out []*schulhof.DamageReport
	byID := map[schulhof.DamageID]*schulhof.DamageReport{}
	for rows.Next() {
		r := &schulhof.DamageReport{Photos: []schulhof.DamagePhoto{}, Device: &schulhof.Device{}}
		var first, last string
		var reported, updated int64
		if err := rows.Scan(&r.ID, &r.SchoolID, &r.DeviceID, &r.ReportedBy, &first, &last, &reported, &r.Description, &r.Status, &r.CostCents,
			&r.Insurance, &updated, &r.Device.Type, &r.Device.Model, &r.Device.AssetTag, &r.Device.Status); err != nil {
			rows.Close()
			return nil, err
		}
		r.ReporterName = strings.TrimSpace(first + " " + last)
		r.ReportedAt, r.UpdatedAt = time.Unix(reported, 0), time.Unix(updated, 0)
		r.Device.ID, r.Device.SchoolID = r.DeviceID, r.SchoolID
		out = append(out, r)
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, len(out))
	for i, r := range out {
		ids[i] = fmt.Sprint(int64(r.ID)) // numbers, not input
	}
	// not through the statement cache: the list changes
	prow, err := db.read.QueryContext(ctx, `SELECT damage_id, id, content_type, size, blob_key FROM device_damage_photos
		WHERE damage_id IN (`+strings.Join(ids, ",")+`) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer prow.Close()
	for prow.Next() {
		var id schulhof.DamageID
		var p schulhof.DamagePhoto
		if err := prow.Scan(&id, &p.ID, &p.ContentType, &p.Size, &p.BlobKey); err != nil {
			return nil, err
		}
		if r := byID[id]; r != nil {
			r.Photos = append(r.Photos, p)
		}
	}
	return out, prow.Err()
}

// FindDeviceRetention is how long the school keeps its device records
// (DefaultDeviceRetention unless it said otherwise).
func (db *DB) FindDeviceRetention(ctx context.Context, school schulhof.SchoolID) (schulhof.DeviceRetention, error) {
	r := schulhof.DefaultDeviceRetention
	err := db.readRow(ctx, `SELECT loan_years, damage_years FROM device_retention WHERE school_id = $1`, school).Scan(&r.LoanYears, &r.DamageYears)
	if err == sql.ErrNoRows {
		err = nil
	}
	return r, err
}

// SetDeviceRetention stores how long the school keeps its device records.
func (db *DB) SetDeviceRetention(ctx context.Context, school schulhof.SchoolID, r schulhof.DeviceRetention) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM device_retention WHERE school_id = $1`, school); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO device_retention (school_id, loan_years, damage_years) VALUES ($1, $2, $3)`,
			school, r.LoanYears, r.DamageYears); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "school.device_retention", "", fmt.Sprintf("loans=%dy damage=%dy", r.LoanYears, r.DamageYears))
	})
}

// PurgeDeviceRecords deletes, school by school, the loans returned and
// the damage reports closed (repaired, written off) longer ago than the
// school keeps them; their photos go with them (the files' housekeeping
// then removes the blobs nobody names). It returns how many of each.
func (db *DB) PurgeDeviceRecords(ctx context.Context) (loans, damage int64, err error) {
	rows, err := db.readRows(ctx, `SELECT s.id, COALESCE(r.loan_years, $1), COALESCE(r.damage_years, $2) FROM schools s
		LEFT JOIN device_retention r ON r.school_id = s.id`, schulhof.DefaultDeviceRetention.LoanYears, schulhof.DefaultDeviceRetention.DamageYears)
	if err != nil {
		return 0, 0, err
	}
	type keep struct {
		school         schulhof.SchoolID
		loans, damages int
	}
	var schools []keep
	for rows.Next() {
		var k keep
		if err := rows.Scan(&k.school, &k.loans, &k.damages); err != nil {
			rows.Close()
			return 0, 0, err
		}
		schools = append(schools, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	now := db.Now()
	for _, k := range schools {
		err := db.update(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, `DELETE FROM device_loans WHERE school_id = $1 AND returned_at IS NOT NULL AND returned_at < $2`,
				k.school, now.AddDate(-k.loans, 0, 0).Unix())
			if err != nil {
				return err
			}
			nl, _ := res.RowsAffected()
			res, err = tx.ExecContext(ctx, `DELETE FROM device_damage WHERE school_id = $1 AND status IN ('repaired', 'written_off') AND updated_at < $2`,
				k.school, now.AddDate(-k.damages, 0, 0).Unix())
			if err != nil {
				return err
			}
			nd, _ := res.RowsAffected()
			loans, damage = loans+nl, damage+nd
			if nl+nd == 0 {
				return nil
			}
			return db.audit(ctx, tx, k.school, "device.purge", "", fmt.Sprintf("%d loans, %d damage reports", nl, nd))
		})
		if err != nil {
			return loans, damage, err
		}
	}
	return loans, damage, nil
}
