package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestDeviceLoans: a device gets its asset tag, is found by it and by a
// search; it is lent once at a time, comes back damaged and goes to
// repair; both loans are in its history and the borrower's; tags and
// serials are unique in a school; an edit does not lend.
func TestDeviceLoans(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "geraete")
		other := MustCreateSchool(t, db, "andere")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		anna := MustCreateUser(t, db, sc.ID, "anna", schulhof.RoleStudent)
		ben := MustCreateUser(t, db, sc.ID, "ben", schulhof.RoleStudent)
		mama := MustCreateUser(t, db, sc.ID, "mama", schulhof.RoleParent)
		stranger := MustCreateUser(t, db, other.ID, "fremd", schulhof.RoleStudent)

		d := &schulhof.Device{SchoolID: sc.ID, Type: " iPad ", Model: "iPad 10. Gen.", Serial: "F9FXK1", Location: "R 101"}
		if err := db.CreateDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		if d.AssetTag == "" || d.Type != "ipad" || d.Status != schulhof.DeviceInStock {
			t.Fatalf("created: %+v", d)
		}
		if got, err := db.FindDeviceByTag(ctx, sc.ID, d.AssetTag); err != nil || got.ID != d.ID {
			t.Fatalf("by tag: %+v %v", got, err)
		}
		if _, err := db.FindDevice(ctx, other.ID, d.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("another school's device: %v", err)
		}
		dup := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad", Serial: "F9FXK1"}
		if err := db.CreateDevice(ctx, dup); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("a serial twice: %v", err)
		}
		dup = &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad", AssetTag: d.AssetTag}
		if err := db.CreateDevice(ctx, dup); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("a tag twice: %v", err)
		}
		if err := db.CreateDevice(ctx, &schulhof.Device{SchoolID: other.ID, Type: "ipad", Model: "iPad", Serial: "F9FXK1"}); err != nil {
			t.Fatalf("the same serial at another school: %v", err)
		}
		if err := db.CreateDevice(ctx, &schulhof.Device{SchoolID: sc.ID, Type: "toaster", Model: ""}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("a device of no type: %v", err)
		}

		l := &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: anna.ID, Start: "2026-09-01", Until: "2027-07-15"}
		if err := db.LendDevice(ctx, admin, l); err != nil {
			t.Fatal(err)
		}
		again := &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: ben.ID, Start: "2026-09-01", Until: "2027-07-15"}
		if err := db.LendDevice(ctx, admin, again); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("lent twice: %v", err)
		}
		for _, bad := range []*schulhof.Loan{
			{SchoolID: sc.ID, DeviceID: d.ID, UserID: mama.ID, Start: "2026-09-01", Until: "2027-07-15"},
			{SchoolID: sc.ID, DeviceID: d.ID, UserID: stranger.ID, Start: "2026-09-01", Until: "2027-07-15"},
			{SchoolID: sc.ID, DeviceID: d.ID, UserID: ben.ID, Start: "2026-09-01", Until: "2026-08-01"},
		} {
			if err := db.LendDevice(ctx, admin, bad); !schulhof.Match(err, schulhof.EInvalid) && !schulhof.Match(err, schulhof.EConflict) {
				t.Fatalf("a bad loan %+v: %v", bad, err)
			}
		}
		got, err := db.FindDevice(ctx, sc.ID, d.ID)
		if err != nil || got.Status != schulhof.DeviceLent || got.Loan == nil || got.Loan.UserID != anna.ID || got.Loan.UserName != "Vor Nach anna" {
			t.Fatalf("lent: %+v %v", got, err)
		}
		found, _, err := db.FindDevices(ctx, schulhof.DeviceFilter{SchoolID: sc.ID, Query: "nach ann"})
		if err != nil || len(found) != 1 || found[0].ID != d.ID {
			t.Fatalf("search by borrower: %v %v", found, err)
		}
		got.Status = schulhof.DeviceInStock
		if err := db.UpdateDevice(ctx, got); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("an edit ends a loan: %v", err)
		}

		back, err := db.ReturnDevice(ctx, sc.ID, l.ID, schulhof.ConditionDamaged, "Display gesprungen")
		if err != nil || back.ReturnedAt == nil || back.Device.Status != schulhof.DeviceInRepair {
			t.Fatalf("returned: %+v %v", back, err)
		}
		if _, err := db.ReturnDevice(ctx, sc.ID, l.ID, schulhof.ConditionGood, ""); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("returned twice: %v", err)
		}
		if err := db.LendDevice(ctx, admin, again); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("a device in repair lent: %v", err)
		}
		got, _ = db.FindDevice(ctx, sc.ID, d.ID)
		got.Status = schulhof.DeviceInStock // repaired
		if err := db.UpdateDevice(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := db.LendDevice(ctx, admin, again); err != nil {
			t.Fatal(err)
		}
		hist, err := db.FindLoans(ctx, sc.ID, d.ID, 0)
		if err != nil || len(hist) != 2 || hist[1].Condition != schulhof.ConditionDamaged || hist[1].ConditionNote != "Display gesprungen" {
			t.Fatalf("the device's history: %+v %v", hist, err)
		}
		mine, err := db.FindLoans(ctx, sc.ID, 0, anna.ID)
		if err != nil || len(mine) != 1 || mine[0].Device.AssetTag != d.AssetTag {
			t.Fatalf("anna's loans: %+v %v", mine, err)
		}

		if err := db.SetDeviceManagers(ctx, sc.ID, []schulhof.UserID{anna.ID}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("a student as device manager: %v", err)
		}
	})
}

// TestImportDevices: a device list updates the devices it knows (by
// serial, else by asset tag) with the fields it has and adds the rest; a
// dry run and a list with a bad line change nothing.
func TestImportDevices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "import")
		known := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 9", Serial: "SER1", AssetTag: "INV-1", Location: "R 1"}
		byTag := &schulhof.Device{SchoolID: sc.ID, Type: "pc", Model: "Esprimo", AssetTag: "INV-2"}
		for _, d := range []*schulhof.Device{known, byTag} {
			if err := db.CreateDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		row := func(line int, d schulhof.Device, fields ...string) schulhof.DeviceImportRow {
			set := map[string]bool{}
			for _, f := range fields {
				set[f] = true
			}
			return schulhof.DeviceImportRow{Line: line, Device: d, Set: set}
		}
		rows := []schulhof.DeviceImportRow{
			row(2, schulhof.Device{Serial: "SER1", Location: "R 2"}, "serial", "location"),
			row(3, schulhof.Device{AssetTag: "INV-2", Model: "Esprimo"}, "asset_tag", "model"),
			row(4, schulhof.Device{Type: "ipad", Model: "iPad 10", Serial: "SER3"}, "type", "model", "serial"),
		}
		rep, err := db.ImportDevices(ctx, sc.ID, rows, true)
		if err != nil || rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 1 || len(rep.Errors) != 0 {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, known.ID); d.Location != "R 1" {
			t.Fatalf("a dry run changed %+v", d)
		}
		bad := append(rows, row(5, schulhof.Device{Type: "toaster", Model: "X"}, "type", "model"),
			row(6, schulhof.Device{Type: "ipad", Model: "iPad", Serial: "SER3"}, "type", "model", "serial"),
			row(7, schulhof.Device{Serial: "SER1", AssetTag: "INV-2"}, "serial", "asset_tag"),
			row(8, schulhof.Device{Type: "ipad", Model: "iPad", Status: "lent"}, "type", "model", "status"))
		rep, err = db.ImportDevices(ctx, sc.ID, bad, false)
		if err != nil || len(rep.Errors) != 4 || rep.Errors[0].Line != 5 || rep.Errors[1].Key != "device.import.twice" ||
			rep.Errors[2].Key != "device.import.two_devices" || rep.Errors[3].Key != "device.status.lent_by_loan" {
			t.Fatalf("bad lines: %+v %v", rep.Errors, err)
		}
		if ds, _, _ := db.FindDevices(ctx, schulhof.DeviceFilter{SchoolID: sc.ID}); len(ds) != 2 {
			t.Fatalf("a list with bad lines added %d devices", len(ds)-2)
		}
		rep, err = db.ImportDevices(ctx, sc.ID, rows, false)
		if err != nil || rep.Created != 1 || len(rep.Errors) != 0 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, known.ID); d.Location != "R 2" || d.Model != "iPad 9" {
			t.Fatalf("the known device: %+v", d)
		}
		if d, err := db.FindDeviceByTag(ctx, sc.ID, rep.Changes[2].AssetTag); err != nil || d.Serial != "SER3" || d.AssetTag == "" {
			t.Fatalf("the new device: %+v %v", d, err)
		}
	})
}

// TestBulkUpdateDevices: a room or status for many devices, all or none.
func TestBulkUpdateDevices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "bulk")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		anna := MustCreateUser(t, db, sc.ID, "anna", schulhof.RoleStudent)
		var ids []schulhof.DeviceID
		for range 3 {
			d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad"}
			if err := db.CreateDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		if err := db.LendDevice(ctx, admin, &schulhof.Loan{SchoolID: sc.ID, DeviceID: ids[2], UserID: anna.ID, Start: "2026-09-01", Until: "2027-07-15"}); err != nil {
			t.Fatal(err)
		}
		lost := schulhof.DeviceLost
		if _, err := db.BulkUpdateDevices(ctx, sc.ID, ids, schulhof.DeviceBulkChange{Status: &lost}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("lent among them: %v", err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, ids[0]); d.Status != schulhof.DeviceInStock {
			t.Fatalf("a refused bulk action changed %+v", d)
		}
		room := "R 12"
		if n, err := db.BulkUpdateDevices(ctx, sc.ID, ids, schulhof.DeviceBulkChange{Location: &room}); err != nil || n != 3 {
			t.Fatalf("a room for all: %d %v", n, err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, ids[2]); d.Location != "R 12" || d.Status != schulhof.DeviceLent {
			t.Fatalf("the lent one: %+v", d)
		}
	})
}

// TestDeviceOverviews: the counts of a school and of the city, the
// loans due and overdue, the devices still with a leaver, and the
// students from year 8 up without a device.
func TestDeviceOverviews(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "ueberblick")
		other := MustCreateSchool(t, db, "zweite")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		class8 := &schulhof.Group{SchoolID: sc.ID, Name: "8a", Kind: schulhof.GroupClass}
		class5 := &schulhof.Group{SchoolID: sc.ID, Name: "5a", Kind: schulhof.GroupClass}
		for _, g := range []*schulhof.Group{class8, class5} {
			if err := db.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		student := func(login string, g *schulhof.Group) *schulhof.User {
			u := MustCreateUser(t, db, sc.ID, login, schulhof.RoleStudent)
			if err := db.SetMember(ctx, sc.ID, g.ID, u.ID, schulhof.MemberRoleMember); err != nil {
				t.Fatal(err)
			}
			return u
		}
		anna, ben, carl, dora := student("anna", class8), student("ben", class8), student("carl", class8), student("dora", class5)
		lend := func(u *schulhof.User, until schulhof.Day) {
			d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10"}
			if err := db.CreateDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
			if err := db.LendDevice(ctx, admin, &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: u.ID, Start: "2026-09-01", Until: until}); err != nil {
				t.Fatal(err)
			}
		}
		lend(anna, "2026-12-01") // overdue
		lend(ben, "2026-12-10")  // due soon
		lend(dora, "2027-07-15")
		for range 2 {
			if err := db.CreateDevice(ctx, &schulhof.Device{SchoolID: sc.ID, Type: "notebook", Model: "ThinkPad"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.CreateDevice(ctx, &schulhof.Device{SchoolID: other.ID, Type: "pc", Model: "Esprimo"}); err != nil {
			t.Fatal(err)
		}
		// dora leaves
		off := false
		if _, err := db.UpdateUser(ctx, sc.ID, dora.ID, schulhof.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		ovs, err := db.DeviceOverviews(ctx, sc.ID, "2026-12-07", "2026-12-21")
		if err != nil || len(ovs) != 1 {
			t.Fatalf("overview: %v %v", ovs, err)
		}
		o := ovs[0]
		if o.Total != 5 || o.ByStatus[schulhof.DeviceLent] != 3 || o.ByStatus[schulhof.DeviceInStock] != 2 || o.Lent != 3 || o.Overdue != 1 ||
			o.DueSoon != 1 || o.LeaverDevices != 1 || o.WithoutDevice != 1 || o.WithoutList[0].User != carl.ID {
			t.Fatalf("the school's counts: %+v", o)
		}
		if len(o.ByModel) != 2 || o.ByModel[0].Model != "iPad 10" || o.ByModel[0].Count != 3 || len(o.Due) != 2 || len(o.Leavers) != 1 ||
			o.Leavers[0].UserID != dora.ID {
			t.Fatalf("the school's lists: %+v %+v %+v", o.ByModel, o.Due, o.Leavers)
		}
		all, err := db.DeviceOverviews(ctx, 0, "2026-12-07", "2026-12-21")
		if err != nil || len(all) < 2 {
			t.Fatalf("city-wide: %v %v", all, err)
		}
		for _, o := range all {
			if o.SchoolID == other.ID && (o.Total != 1 || o.Lent != 0 || len(o.ByModel) != 1 || o.ByModel[0].Model != "Esprimo" || o.Due != nil) {
				t.Fatalf("the other school city-wide: %+v", o)
			}
			if o.SchoolID == sc.ID && (o.Total != 5 || o.WithoutDevice != 1 || o.WithoutList != nil) {
				t.Fatalf("the school city-wide: %+v", o)
			}
		}
	})
}

// TestDamage: a damaged device goes to repair with its report and
// photos, is among the open repairs, and comes back in stock when
// repaired; one written off is retired; a lent one keeps its status.
func TestDamage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "schaden")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad"}
		if err := db.CreateDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		if err := db.ReportDamage(ctx, admin, &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: " "}, true); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("a report without description: %v", err)
		}
		r := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: "Display gesprungen"}
		if err := db.ReportDamage(ctx, admin, r, true); err != nil || r.Status != schulhof.RepairInProgress {
			t.Fatalf("report: %+v %v", r, err)
		}
		if got, _ := db.FindDevice(ctx, sc.ID, d.ID); got.Status != schulhof.DeviceInRepair {
			t.Fatalf("the device: %s", got.Status)
		}
		for i := range schulhof.MaxDamagePhotos + 1 {
			err := db.AddDamagePhoto(ctx, sc.ID, r.ID, &schulhof.DamagePhoto{ContentType: "image/jpeg", Size: 10, BlobKey: fmt.Sprintf("k%d", i)})
			if (i < schulhof.MaxDamagePhotos) != (err == nil) {
				t.Fatalf("photo %d: %v", i, err)
			}
		}
		if used, _ := db.BlobInUse(ctx, "k0"); !used {
			t.Fatal("a damage photo's blob is not in use")
		}
		open, err := db.FindOpenRepairs(ctx, sc.ID)
		if err != nil || len(open) != 1 || len(open[0].Photos) != schulhof.MaxDamagePhotos || open[0].Device.Model != "iPad" {
			t.Fatalf("open repairs: %+v %v", open, err)
		}
		done, cost, ins := schulhof.RepairDone, int64(12950), "VS-2026-117"
		got, err := db.UpdateDamage(ctx, sc.ID, r.ID, schulhof.DamageUpdate{Status: &done, CostCents: &cost, Insurance: &ins})
		if err != nil || got.CostCents != 12950 || got.Insurance != "VS-2026-117" || got.Status != done {
			t.Fatalf("repaired: %+v %v", got, err)
		}
		if got, _ := db.FindDevice(ctx, sc.ID, d.ID); got.Status != schulhof.DeviceInStock {
			t.Fatalf("the repaired device: %s", got.Status)
		}
		if open, _ := db.FindOpenRepairs(ctx, sc.ID); len(open) != 0 {
			t.Fatalf("open repairs after: %d", len(open))
		}
		r2 := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: "Wasserschaden"}
		if err := db.ReportDamage(ctx, admin, r2, false); err != nil || r2.Status != schulhof.RepairOpen {
			t.Fatalf("second report: %+v %v", r2, err)
		}
		off := schulhof.RepairWrittenOff
		if _, err := db.UpdateDamage(ctx, sc.ID, r2.ID, schulhof.DamageUpdate{Status: &off}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindDevice(ctx, sc.ID, d.ID); got.Status != schulhof.DeviceRetired {
			t.Fatalf("the written-off device: %s", got.Status)
		}
		if hist, _ := db.FindDamage(ctx, sc.ID, d.ID); len(hist) != 2 || hist[0].ID != r2.ID {
			t.Fatalf("the device's damage: %+v", hist)
		}
		bad := schulhof.RepairStatus("kaputt")
		if _, err := db.UpdateDamage(ctx, sc.ID, r2.ID, schulhof.DamageUpdate{Status: &bad}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("a status that is none: %v", err)
		}
	})
}

// TestStocktake: a room's stock-take lists what was kept there and not
// scanned, and what was scanned there but belongs elsewhere; lent,
// lost and retired devices are not expected.
func TestStocktake(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "inventur")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		anna := MustCreateUser(t, db, sc.ID, "anna", schulhof.RoleStudent)
		mk := func(room string, status schulhof.DeviceStatus) *schulhof.Device {
			d := &schulhof.Device{SchoolID: sc.ID, Type: "pc", Model: "PC", Location: room, Status: status}
			if err := db.CreateDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		a, b := mk("R 1", ""), mk("R 1", "")
		mk("R 1", schulhof.DeviceRetired) // not expected
		lent := mk("R 1", "")
		if err := db.LendDevice(ctx, admin, &schulhof.Loan{SchoolID: sc.ID, DeviceID: lent.ID, UserID: anna.ID, Start: "2026-09-01", Until: "2027-07-15"}); err != nil {
			t.Fatal(err)
		}
		other := mk("R 2", "")
		au, err := db.RecordAudit(ctx, admin, sc.ID, "R 1", []schulhof.DeviceID{a.ID, other.ID}, "2027-12-01")
		if err != nil || au.Expected != 2 || au.Seen != 2 || au.MissingN != 1 || au.Missing[0].ID != b.ID || len(au.Elsewhere) != 1 || au.Elsewhere[0].ID != other.ID {
			t.Fatalf("stock-take: %+v %v", au, err)
		}
		got, err := db.FindAudit(ctx, sc.ID, au.ID)
		if err != nil || len(got.Missing) != 1 || got.Missing[0].ID != b.ID || len(got.Elsewhere) != 1 || got.NextDue != "2027-12-01" || got.DoneByName != "Vor Nach admin" {
			t.Fatalf("found again: %+v %v", got, err)
		}
		if list, _ := db.FindAudits(ctx, sc.ID); len(list) != 1 || list[0].MissingN != 1 {
			t.Fatalf("list: %+v", list)
		}
		whole, err := db.RecordAudit(ctx, admin, sc.ID, "", []schulhof.DeviceID{a.ID, b.ID, other.ID}, "")
		if err != nil || whole.Expected != 3 || whole.MissingN != 0 {
			t.Fatalf("the whole school: %+v %v", whole, err)
		}
		if rooms, _ := db.FindDeviceRooms(ctx, sc.ID); len(rooms) != 2 || rooms[0] != "R 1" {
			t.Fatalf("rooms: %v", rooms)
		}
		if _, err := db.RecordAudit(ctx, admin, sc.ID, "R 1", []schulhof.DeviceID{999999}, ""); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("a device of nowhere: %v", err)
		}
	})
}

// TestSetsAndReservations: a class set's devices are in use at school;
// a teacher books the set for periods of a day; an overlapping booking
// of the set or of one of its devices is refused with who has it; one
// that does not overlap is taken; only its maker cancels it.
func TestSetsAndReservations(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sc := MustCreateSchool(t, db, "wagen")
		mueller := MustCreateUser(t, db, sc.ID, "mueller", schulhof.RoleTeacher)
		schmidt := MustCreateUser(t, db, sc.ID, "schmidt", schulhof.RoleTeacher)
		cart := &schulhof.DeviceSet{SchoolID: sc.ID, Name: "iPad-Wagen 1", Room: "R 104"}
		if err := db.CreateDeviceSet(ctx, cart); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateDeviceSet(ctx, &schulhof.DeviceSet{SchoolID: sc.ID, Name: "iPad-Wagen 1"}); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("a name twice: %v", err)
		}
		var ids []schulhof.DeviceID
		for range 3 {
			d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad"}
			if err := db.CreateDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, d.ID)
		}
		if err := db.PutInSet(ctx, sc.ID, cart.ID, ids[:2]); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, ids[0]); d.Status != schulhof.DeviceInUse || d.SetID != cart.ID || d.Location != "R 104" {
			t.Fatalf("a device of the set: %+v", d)
		}
		if sets, _ := db.FindDeviceSets(ctx, sc.ID); len(sets) != 1 || sets[0].Devices != 2 {
			t.Fatalf("sets: %+v", sets)
		}
		book := func(u *schulhof.User, r schulhof.Reservation) error {
			r.SchoolID = sc.ID
			return db.Reserve(ctx, u, &r)
		}
		if err := book(mueller, schulhof.Reservation{SetID: cart.ID, Day: "2026-12-08", From: 3, To: 4}); err != nil {
			t.Fatal(err)
		}
		err := book(schmidt, schulhof.Reservation{SetID: cart.ID, Day: "2026-12-08", From: 4, To: 5})
		if e, ok := err.(*schulhof.Error); !ok || e.Code != schulhof.EConflict || e.Key != "reservation.conflict" || e.Args[0] != "Vor Nach mueller" {
			t.Fatalf("an overlapping booking: %v", err)
		}
		if err := book(schmidt, schulhof.Reservation{DeviceID: ids[1], Day: "2026-12-08", From: 1, To: 3}); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("a device of the booked set: %v", err)
		}
		if err := book(schmidt, schulhof.Reservation{DeviceID: ids[2], Day: "2026-12-08", From: 3, To: 3}); err != nil {
			t.Fatalf("a device of no set: %v", err)
		}
		if err := book(schmidt, schulhof.Reservation{SetID: cart.ID, Day: "2026-12-08", From: 5, To: 6}); err != nil {
			t.Fatalf("after her: %v", err)
		}
		if err := book(schmidt, schulhof.Reservation{SetID: cart.ID, Day: "2026-12-08", From: 6, To: 5}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("periods backwards: %v", err)
		}
		rs, err := db.FindReservations(ctx, sc.ID, "2026-12-07", "2026-12-11")
		if err != nil || len(rs) != 3 || rs[0].SetName != "iPad-Wagen 1" || rs[0].UserName != "Vor Nach mueller" {
			t.Fatalf("bookings: %+v %v", rs, err)
		}
		if err := db.CancelReservation(ctx, sc.ID, rs[0].ID, schmidt.ID, false); !schulhof.Match(err, schulhof.EForbidden) {
			t.Fatalf("another's booking cancelled: %v", err)
		}
		if err := db.CancelReservation(ctx, sc.ID, rs[0].ID, mueller.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := db.PutInSet(ctx, sc.ID, 0, ids[:1]); err != nil {
			t.Fatal(err)
		}
		if d, _ := db.FindDevice(ctx, sc.ID, ids[0]); d.Status != schulhof.DeviceInStock || d.SetID != 0 {
			t.Fatalf("out of the set: %+v", d)
		}
	})
}

// TestPurgeDeviceRecords: returned loans and closed damage reports go
// when the school's retention has passed, with the damage's photos; open
// ones and younger ones stay; a school that keeps longer keeps them.
func TestPurgeDeviceRecords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		sc := MustCreateSchool(t, db, "loeschen")
		admin := MustCreateUser(t, db, sc.ID, "admin", schulhof.RoleSchoolAdmin)
		anna := MustCreateUser(t, db, sc.ID, "anna", schulhof.RoleStudent)
		if r, _ := db.FindDeviceRetention(ctx, sc.ID); r != schulhof.DefaultDeviceRetention {
			t.Fatalf("default retention: %+v", r)
		}
		d := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad"}
		if err := db.CreateDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		l := &schulhof.Loan{SchoolID: sc.ID, DeviceID: d.ID, UserID: anna.ID, Start: "2026-09-01", Until: "2027-07-15"}
		if err := db.LendDevice(ctx, admin, l); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ReturnDevice(ctx, sc.ID, l.ID, schulhof.ConditionGood, ""); err != nil {
			t.Fatal(err)
		}
		closed := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: "Kratzer"}
		open := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: d.ID, Description: "Akku"}
		for _, r := range []*schulhof.DamageReport{closed, open} {
			if err := db.ReportDamage(ctx, admin, r, false); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.AddDamagePhoto(ctx, sc.ID, closed.ID, &schulhof.DamagePhoto{ContentType: "image/png", Size: 1, BlobKey: "foto-1"}); err != nil {
			t.Fatal(err)
		}
		done := schulhof.RepairDone
		if _, err := db.UpdateDamage(ctx, sc.ID, closed.ID, schulhof.DamageUpdate{Status: &done}); err != nil {
			t.Fatal(err)
		}
		if n, m, err := db.PurgeDeviceRecords(ctx); err != nil || n+m != 0 {
			t.Fatalf("a purge too early: %d %d %v", n, m, err)
		}
		if err := db.SetDeviceRetention(ctx, sc.ID, schulhof.DeviceRetention{LoanYears: 5, DamageYears: 1}); err != nil {
			t.Fatal(err)
		}
		if err := db.SetDeviceRetention(ctx, sc.ID, schulhof.DeviceRetention{LoanYears: 0, DamageYears: 1}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("keep for no year: %v", err)
		}
		now = now.AddDate(3, 0, 0)
		n, m, err := db.PurgeDeviceRecords(ctx)
		if err != nil || n != 0 || m != 1 {
			t.Fatalf("after three years: %d loans, %d reports, %v", n, m, err)
		}
		if used, _ := db.BlobInUse(ctx, "foto-1"); used {
			t.Fatal("the purged report's photo is still named")
		}
		if rs, _ := db.FindDamage(ctx, sc.ID, d.ID); len(rs) != 1 || rs[0].ID != open.ID {
			t.Fatalf("left: %+v", rs)
		}
		now = now.AddDate(3, 0, 0)
		if n, _, _ := db.PurgeDeviceRecords(ctx); n != 1 {
			t.Fatalf("the loan after six years: %d", n)
		}
		if ls, _ := db.FindLoans(ctx, sc.ID, d.ID, 0); len(ls) != 0 {
			t.Fatalf("loans left: %d", len(ls))
		}
	})
}
