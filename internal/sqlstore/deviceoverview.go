package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
)

// DeviceOverviews are the devices at a glance of one school (school != 0,
// with its lists) or of every school (the operator's, counts only), as
// of today; loans until soon or earlier are due soon. A handful of
// grouped queries whatever the city's size: it is the one page the
// city's IT team opens every morning.
func (db *DB) DeviceOverviews(ctx context.Context, school schulhof.SchoolID, today, soon schulhof.Day) ([]*schulhof.DeviceOverview, error) {
	where, args := "", []any{}
	if school != 0 {
		where, args = " WHERE id = $1", []any{school}
	}
	rows, err := db.readRows(ctx, `SELECT id, slug, name FROM schools`+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("device overview: %w", err)
	}
	var out []*schulhof.DeviceOverview
	by := map[schulhof.SchoolID]*schulhof.DeviceOverview{}
	for rows.Next() {
		o := &schulhof.DeviceOverview{ByStatus: map[schulhof.DeviceStatus]int{}}
		if err := rows.Scan(&o.SchoolID, &o.SchoolSlug, &o.SchoolName); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
		by[o.SchoolID] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// the school's filter for the queries below: $1 is the school, or 0
	// for all (then a condition that always holds, so that one school's
	// overview uses the school's indexes)
	scope := func(col string) string {
		if school != 0 {
			return ` ` + col + ` = $1`
		}
		return ` $1 = 0`
	}
	each := func(q string, scan func(o *schulhof.DeviceOverview, rows *sql.Rows) error, args ...any) error {
		rows, err := db.readRows(ctx, q, append([]any{school}, args...)...)
		if err != nil {
			return fmt.Errorf("device overview: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var o schulhof.DeviceOverview
			if err := scan(&o, rows); err != nil {
				return err
			}
			if target := by[o.SchoolID]; target != nil {
				merge(target, &o)
			}
		}
		return rows.Err()
	}
	err = each(`SELECT school_id, status, COUNT(*) FROM devices WHERE`+scope("school_id")+` GROUP BY school_id, status`,
		func(o *schulhof.DeviceOverview, rows *sql.Rows) error {
			var status schulhof.DeviceStatus
			var n int
			if err := rows.Scan(&o.SchoolID, &status, &n); err != nil {
				return err
			}
			o.ByStatus = map[schulhof.DeviceStatus]int{status: n}
			o.Total = n
			return nil
		})
	if err == nil {
		err = each(`SELECT school_id, COUNT(*), SUM(CASE WHEN until_day < $2 THEN 1 ELSE 0 END), SUM(CASE WHEN until_day >= $2 AND until_day <= $3 THEN 1 ELSE 0 END)
			FROM device_loans WHERE returned_at IS NULL AND`+scope("school_id")+` GROUP BY school_id`,
			func(o *schulhof.DeviceOverview, rows *sql.Rows) error {
				return rows.Scan(&o.SchoolID, &o.Lent, &o.Overdue, &o.DueSoon)
			}, string(today), string(soon))
	}
	if err == nil {
		err = each(`SELECT l.school_id, COUNT(*) FROM device_loans l JOIN users u ON u.id = l.user_id
			WHERE l.returned_at IS NULL AND NOT u.active AND`+scope("l.school_id")+` GROUP BY l.school_id`,
			func(o *schulhof.DeviceOverview, rows *sql.Rows) error {
				return rows.Scan(&o.SchoolID, &o.LeaverDevices)
			})
	}
	if err != nil {
		return nil, err
	}
	if school != 0 {
		without, err := db.studentsWithoutDevice(ctx, school)
		if err != nil {
			return nil, err
		}
		for _, w := range without {
			if o := by[w.school]; o != nil {
				o.WithoutDevice++
				o.WithoutList = append(o.WithoutList, w.StudentRef)
			}
		}
	} else {
		counts, err := db.countWithoutDevice(ctx)
		if err != nil {
			return nil, err
		}
		for id, n := range counts {
			if o := by[id]; o != nil {
				o.WithoutDevice = n
			}
		}
	}
	if school == 0 { // the city's models, school by school
		rows, err := db.readRows(ctx, `SELECT school_id, type, model, COUNT(*) FROM devices WHERE status <> 'retired'
			GROUP BY school_id, type, model ORDER BY school_id, COUNT(*) DESC, type, model`)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id schulhof.SchoolID
			var c schulhof.DeviceModelCount
			if err := rows.Scan(&id, &c.Type, &c.Model, &c.Count); err != nil {
				rows.Close()
				return nil, err
			}
			if o := by[id]; o != nil {
				o.ByModel = append(o.ByModel, c)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if school != 0 && len(out) == 1 {
		if err := db.overviewLists(ctx, out[0], soon); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// merge adds the counts of one row of a grouped query to the overview.
func merge(o, row *schulhof.DeviceOverview) {
	for s, n := range row.ByStatus {
		o.ByStatus[s] += n
	}
	o.Total += row.Total
	o.Lent += row.Lent
	o.Overdue += row.Overdue
	o.DueSoon += row.DueSoon
	o.LeaverDevices += row.LeaverDevices
}

type schoolStudent struct {
	school schulhof.SchoolID
	schulhof.StudentRef
}

// studentsWithoutDevice are the school's active students in classes
// from DeviceYear up who have no device lent, each once (by their first
// such class), by name.
func (db *DB) studentsWithoutDevice(ctx context.Context, school schulhof.SchoolID) ([]schoolStudent, error) {
	cond := "g.school_id = $1"
	rows, err := db.readRows(ctx, `SELECT g.school_id, u.id, u.first_name, u.last_name, g.name FROM memberships m
		JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
		WHERE g.kind = 'class' AND u.role = $2 AND u.active AND `+cond+`
		AND NOT EXISTS (SELECT 1 FROM device_loans l WHERE l.user_id = u.id AND l.returned_at IS NULL)
		ORDER BY g.school_id, u.sort_name, u.id`, school, int(schulhof.RoleStudent))
	if err != nil {
		return nil, fmt.Errorf("students without a device: %w", err)
	}
	defer rows.Close()
	var out []schoolStudent
	seen := map[schulhof.UserID]bool{}
	for rows.Next() {
		var s schoolStudent
		var first, last string
		if err := rows.Scan(&s.school, &s.User, &first, &last, &s.Class); err != nil {
			return nil, err
		}
		if seen[s.User] || schulhof.ClassYear(s.Class) < schulhof.DeviceYear {
			continue
		}
		seen[s.User] = true
		s.Name = strings.TrimSpace(first + " " + last)
		out = append(out, s)
	}
	return out, rows.Err()
}

// countWithoutDevice counts each school's students without a device in
// classes from DeviceYear up: the classes are chosen here by their names,
// the students counted by the database (a city's 50,000 are not read).
func (db *DB) countWithoutDevice(ctx context.Context) (map[schulhof.SchoolID]int, error) {
	rows, err := db.readRows(ctx, `SELECT id, name FROM groups WHERE kind = 'class'`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, err
		}
		if schulhof.ClassYear(name) >= schulhof.DeviceYear {
			ids = append(ids, strconv.FormatInt(id, 10)) // numbers, not input
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return map[schulhof.SchoolID]int{}, err
	}
	// not through the statement cache: the list of classes changes
	rows, err = db.read.QueryContext(ctx, `SELECT g.school_id, COUNT(DISTINCT u.id) FROM memberships m
		JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
		WHERE m.group_id IN (`+strings.Join(ids, ",")+`) AND u.role = $1 AND u.active
		AND NOT EXISTS (SELECT 1 FROM device_loans l WHERE l.user_id = u.id AND l.returned_at IS NULL)
		GROUP BY g.school_id`, int(schulhof.RoleStudent))
	if err != nil {
		return nil, fmt.Errorf("students without a device: %w", err)
	}
	defer rows.Close()
	out := map[schulhof.SchoolID]int{}
	for rows.Next() {
		var id schulhof.SchoolID
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// overviewLists fills one school's lists: its devices by model, the
// loans due soon or overdue, and the devices still with leavers.
func (db *DB) overviewLists(ctx context.Context, o *schulhof.DeviceOverview, soon schulhof.Day) error {
	rows, err := db.readRows(ctx, `SELECT type, model, COUNT(*) FROM devices WHERE school_id = $1 AND status <> 'retired'
		GROUP BY type, model ORDER BY COUNT(*) DESC, type, model`, o.SchoolID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c schulhof.DeviceModelCount
		if err := rows.Scan(&c.Type, &c.Model, &c.Count); err != nil {
			rows.Close()
			return err
		}
		o.ByModel = append(o.ByModel, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	loans := func(q string, args ...any) ([]*schulhof.Loan, error) {
		rows, err := db.readRows(ctx, `SELECT `+loanColumns+loanFrom+` WHERE l.school_id = $1 AND l.returned_at IS NULL AND `+q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []*schulhof.Loan
		for rows.Next() {
			l, err := scanLoan(rows)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
		return out, rows.Err()
	}
	if o.Due, err = loans(`l.until_day <= $2 ORDER BY l.until_day, l.id LIMIT 500`, o.SchoolID, string(soon)); err != nil {
		return err
	}
	o.Leavers, err = loans(`NOT u.active ORDER BY u.sort_name, l.id LIMIT 500`, o.SchoolID)
	return err
}
