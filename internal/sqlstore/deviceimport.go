package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/schulhof/schulhof"
)

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// ImportDevices takes a device list into the school's inventory in one
// transaction: a line whose serial number (else asset tag) a device has
// updates that device with the fields the file has; any other line adds
// a device. Every line is checked first; with any error, or as a dry
// run, nothing changes and the report says what would have happened.
func (db *DB) ImportDevices(ctx context.Context, school schulhof.SchoolID, rows []schulhof.DeviceImportRow, dryRun bool) (*schulhof.DeviceImportReport, error) {
	rep := &schulhof.DeviceImportReport{Changes: []schulhof.DeviceImportChange{}, Errors: []schulhof.ImportLineError{}}
	err := db.update(ctx, func(tx *sql.Tx) error {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		rep.Changes, rep.Errors = rep.Changes[:0], rep.Errors[:0]
		bySerial, byTag, err := devicesOf(ctx, tx, school)
		if err != nil {
			return err
		}
		type planned struct {
			d      *schulhof.Device
			create bool
			line   int
			change int // its place in the report
		}
		var plan []planned
		seenSerial, seenTag := map[string]int{}, map[string]int{}
		fail := func(line int, key string, args ...any) {
			rep.Errors = append(rep.Errors, schulhof.ImportLineError{Line: line, Key: key, Args: args})
		}
		for _, row := range rows {
			in := row.Device
			in.Normalize()
			var old *schulhof.Device
			if in.Serial != "" {
				old = bySerial[in.Serial]
			}
			if t := byTag[in.AssetTag]; in.AssetTag != "" && t != nil {
				if old != nil && old.ID != t.ID {
					fail(row.Line, "device.import.two_devices", in.Serial, in.AssetTag)
					continue
				}
				old = t
			}
			if n, ok := seenSerial[in.Serial]; ok && in.Serial != "" {
				fail(row.Line, "device.import.twice", n)
				continue
			}
			if n, ok := seenTag[in.AssetTag]; ok && in.AssetTag != "" {
				fail(row.Line, "device.import.twice", n)
				continue
			}
			seenSerial[in.Serial], seenTag[in.AssetTag] = row.Line, row.Line
			d := &schulhof.Device{SchoolID: school, Status: schulhof.DeviceInStock}
			if old != nil {
				cp := *old
				d = &cp
			}
			for field, set := range row.Set {
				if set {
					copyDeviceField(d, &in, field)
				}
			}
			d.Normalize()
			if (old != nil && old.Status == schulhof.DeviceLent) != (d.Status == schulhof.DeviceLent) {
				fail(row.Line, "device.status.lent_by_loan")
				continue
			}
			if err := d.Validate(); err != nil {
				e := &schulhof.Error{}
				if errors.As(err, &e) && len(e.Fields) > 0 {
					fail(row.Line, e.Fields[0].Key, e.Fields[0].Args...)
				} else {
					fail(row.Line, "error.invalid")
				}
				continue
			}
			ch := schulhof.DeviceImportChange{Line: row.Line, AssetTag: d.AssetTag, Serial: d.Serial, Model: d.Model}
			switch {
			case old == nil:
				ch.Action = "create"
				rep.Created++
			case sameDevice(old, d):
				ch.Action = "unchanged"
				rep.Unchanged++
			default:
				ch.Action = "update"
				rep.Updated++
			}
			rep.Changes = append(rep.Changes, ch)
			if ch.Action != "unchanged" {
				plan = append(plan, planned{d, old == nil, row.Line, len(rep.Changes) - 1})
			}
		}
		if len(rep.Errors) > 0 || dryRun {
			return errDryRun
		}
		now := db.now()
		for _, p := range plan {
			if p.create {
				err = insertDevice(ctx, tx, p.d, now)
			} else {
				err = storeDevice(ctx, tx, p.d, now)
			}
			if err != nil {
				// another device of the school (not in the file) has the
				// serial or tag this line gives
				fail(p.line, "device.import.taken")
				return errDryRun
			}
			rep.Changes[p.change].AssetTag = p.d.AssetTag // made from the id
		}
		return db.audit(ctx, tx, school, "device.import", "", fmt.Sprintf("%d created, %d updated", rep.Created, rep.Updated))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return rep, err
}

// devicesOf are the school's devices by serial and by asset tag.
func devicesOf(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID) (map[string]*schulhof.Device, map[string]*schulhof.Device, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+deviceColumns+deviceFrom+` WHERE d.school_id = $1`, school)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	bySerial, byTag := map[string]*schulhof.Device{}, map[string]*schulhof.Device{}
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, nil, err
		}
		if d.Serial != "" {
			bySerial[d.Serial] = d
		}
		byTag[d.AssetTag] = d
	}
	return bySerial, byTag, rows.Err()
}

// copyDeviceField copies one field, by its API name, from src to dst.
func copyDeviceField(dst, src *schulhof.Device, field string) {
	switch field {
	case "type":
		dst.Type = src.Type
	case "model":
		dst.Model = src.Model
	case "serial":
		dst.Serial = src.Serial
	case "asset_tag":
		dst.AssetTag = src.AssetTag
	case "purchased_on":
		dst.PurchasedOn = src.PurchasedOn
	case "warranty_end":
		dst.WarrantyEnd = src.WarrantyEnd
	case "status":
		dst.Status = src.Status
	case "location":
		dst.Location = src.Location
	case "notes":
		dst.Notes = src.Notes
	case "mdm_id":
		dst.MDMID = src.MDMID
	}
}

// sameDevice says whether the import changes nothing of the device.
func sameDevice(a, b *schulhof.Device) bool {
	return a.Type == b.Type && a.Model == b.Model && a.Serial == b.Serial && a.AssetTag == b.AssetTag && a.PurchasedOn == b.PurchasedOn &&
		a.WarrantyEnd == b.WarrantyEnd && a.Status == b.Status && a.Location == b.Location && a.Notes == b.Notes && a.MDMID == b.MDMID
}
