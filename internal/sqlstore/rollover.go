package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/schulhof/schulhof"
)

// The school year's rollover, applied in one transaction with what
// undoes it, and the deletion of archived groups after the school's
// archive days.

// rolloverUndo is what undoes an applied rollover.
type rolloverUndo struct {
	Names  map[schulhof.GroupID]string `json:"names"`  // every renamed group's old name
	Codes  map[schulhof.GroupID]string `json:"codes"`  // and its timetable code
	Groups []schulhof.GroupID          `json:"groups"` // archived
	Rooms  []int64                     `json:"rooms"`  // locked
	Boards map[int64]string            `json:"boards"` // access before
	Plans  map[int64]string            `json:"plans"`  // valid_to before
	// Files are the courses' files moved to their leaders: the folder
	// made for them and the nodes moved into it (top level).
	Files []movedFiles `json:"files"`
}

type movedFiles struct {
	Group  schulhof.GroupID  `json:"group"`
	User   schulhof.UserID   `json:"user"`
	Folder schulhof.NodeID   `json:"folder"`
	Nodes  []schulhof.NodeID `json:"nodes"` // every node moved
	Top    []schulhof.NodeID `json:"top"`   // those at the group's top
}

// ApplyRollover applies the plan to the school: the classes renamed (a
// class no longer named as planned refuses the whole), the archived
// groups marked and named with the school year, their chat rooms locked
// and their boards read-only, the files of keepFiles' courses moved into
// a folder of their first leader's, the timetable ended the day before
// the plan's day. It returns the rollover, undoable for a day.
func (db *DB) ApplyRollover(ctx context.Context, school schulhof.SchoolID, p *schulhof.RolloverPlan) (*schulhof.Rollover, error) {
	now := db.Now()
	u := rolloverUndo{Names: map[schulhof.GroupID]string{}, Codes: map[schulhof.GroupID]string{}, Boards: map[int64]string{},
		Plans: map[int64]string{}}
	out := &schulhof.Rollover{Plan: *p, AppliedAt: time.Unix(now.Unix(), 0)}
	err := db.update(ctx, func(tx *sql.Tx) error {
		// a renamed group forgets its timetable code: next year's export
		// names the class anew (6a's code was "5a" last year)
		rename := func(id schulhof.GroupID, from, to string) error {
			var code string
			if err := tx.QueryRowContext(ctx, `SELECT untis_code FROM groups WHERE id = $1`, id).Scan(&code); err != nil {
				return notFound(err, "group.not_found")
			}
			u.Codes[id] = code
			res, err := tx.ExecContext(ctx, `UPDATE groups SET name = $1, untis_code = '' WHERE id = $2 AND school_id = $3 AND name = $4
				AND archived_at IS NULL`, to, id, school, from)
			if err := oneRow(res, err, "rollover.changed"); err != nil {
				if schulhof.Match(err, schulhof.ENotFound) {
					return schulhof.Errorf(schulhof.EConflict, "rollover.changed", from)
				}
				return err
			}
			return nil
		}
		// the moving classes through names of their own first: 5a may
		// become 6a only once 6a became 7a
		for _, m := range p.Promote {
			if err := rename(m.Group, m.From, fmt.Sprintf("~rollover~%d", m.Group)); err != nil {
				return err
			}
			u.Names[m.Group] = m.From
		}
		for _, m := range p.Promote {
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $1 WHERE id = $2`, m.To, m.Group); err != nil {
				return isTaken(err, m.To)
			}
		}
		for _, g := range append(append([]schulhof.GroupRef{}, p.Graduate...), p.Archive...) {
			if err := rename(g.ID, g.Name, schulhof.ArchivedName(g.Name, now)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET archived_at = $1 WHERE id = $2`, now.Unix(), g.ID); err != nil {
				return err
			}
			u.Names[g.ID] = g.Name
			u.Groups = append(u.Groups, g.ID)
		}
		// their chats and boards: read-only
		for _, g := range u.Groups {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM chat_rooms WHERE group_id = $1 AND NOT locked`, g)
			if err != nil {
				return err
			}
			ids, err := scanIDs(rows)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if _, err := tx.ExecContext(ctx, `UPDATE chat_rooms SET locked = TRUE WHERE id = $1`, id); err != nil {
					return err
				}
				u.Rooms = append(u.Rooms, id)
			}
			brows, err := tx.QueryContext(ctx, `SELECT id, access FROM boards WHERE group_id = $1 AND access = $2`, g, schulhof.BoardDraw)
			if err != nil {
				return err
			}
			for brows.Next() {
				var id int64
				var access string
				if err := brows.Scan(&id, &access); err != nil {
					brows.Close()
					return err
				}
				u.Boards[id] = access
			}
			brows.Close()
			if err := brows.Err(); err != nil {
				return err
			}
			for id := range u.Boards {
				if _, err := tx.ExecContext(ctx, `UPDATE boards SET access = $1 WHERE id = $2`, schulhof.BoardView, id); err != nil {
					return err
				}
			}
		}
		for _, g := range p.KeepFiles {
			m, err := moveGroupFiles(ctx, tx, school, g, now)
			if err != nil {
				return err
			}
			if m != nil {
				u.Files = append(u.Files, *m)
			}
		}
		// the timetable that runs today ends the day before (a plan of
		// the next year, imported already, starts later and stays)
		end := schulhof.DayOf(dayBefore(p.EndTimetable))
		rows, err := tx.QueryContext(ctx, `SELECT id, valid_to FROM timetable_plans WHERE school_id = $1 AND valid_from <= $2 AND valid_to >= $2`,
			school, string(p.EndTimetable))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var to string
			if err := rows.Scan(&id, &to); err != nil {
				rows.Close()
				return err
			}
			u.Plans[id] = to
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for id := range u.Plans {
			if _, err := tx.ExecContext(ctx, `UPDATE timetable_plans SET valid_to = $1 WHERE id = $2`, string(end), id); err != nil {
				return err
			}
		}
		plan, _ := json.Marshal(p)
		undo, _ := json.Marshal(u)
		if err := tx.QueryRowContext(ctx, `INSERT INTO rollovers (school_id, plan, undo, applied_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			school, string(plan), string(undo), now.Unix()).Scan(&out.ID); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "rollover.apply", string(p.Classes), fmt.Sprintf("promoted=%d graduated=%d archived=%d kept=%d",
			len(p.Promote), len(p.Graduate), len(p.Archive), len(p.KeepFiles)))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func dayBefore(d schulhof.Day) time.Time {
	t, err := time.Parse("2006-01-02", string(d))
	if err != nil {
		return time.Time{}
	}
	return t.AddDate(0, 0, -1)
}

func isTaken(err error, name string) error {
	if isUnique(err) {
		return schulhof.Errorf(schulhof.EConflict, "rollover.taken", name)
	}
	return err
}

func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// moveGroupFiles moves a course's files into a new folder of its first
// leader's ("M-LK1 (2026/27)"); a course without a leader or files keeps
// them (nil).
func moveGroupFiles(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, g schulhof.GroupRef, now time.Time) (*movedFiles, error) {
	m := &movedFiles{Group: g.ID}
	err := tx.QueryRowContext(ctx, `SELECT user_id FROM memberships WHERE group_id = $1 AND role = 'leader' ORDER BY user_id LIMIT 1`, g.ID).Scan(&m.User)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM nodes WHERE space_kind = 'group' AND space_id = $1 AND deleted_at IS NULL`, g.ID)
	if err != nil {
		return nil, err
	}
	all, err := scanIDs(rows)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT id FROM nodes WHERE space_kind = 'group' AND space_id = $1 AND deleted_at IS NULL AND parent_id IS NULL`, g.ID)
	if err != nil {
		return nil, err
	}
	top, err := scanIDs(rows)
	if err != nil {
		return nil, err
	}
	name := schulhof.ArchivedName(g.Name, now)
	for n := 2; ; n++ {
		var taken int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM nodes WHERE space_kind = 'user' AND space_id = $1 AND parent_id IS NULL
			AND name_key = $2 AND deleted_at IS NULL`, m.User, schulhof.NameKey(name)).Scan(&taken); err != nil {
			return nil, err
		}
		if taken == 0 {
			break
		}
		name = fmt.Sprintf("%s (%d)", schulhof.ArchivedName(g.Name, now), n)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO nodes (school_id, space_kind, space_id, name, name_key, is_folder, created_by, created_at, updated_at)
		VALUES ($1, 'user', $2, $3, $4, TRUE, $2, $5, $5) RETURNING id`, school, m.User, name, schulhof.NameKey(name), now.Unix()).Scan(&m.Folder); err != nil {
		return nil, err
	}
	// the top ones go into the folder in the same step, so that no name
	// meets one of the leader's own
	isTop := map[int64]bool{}
	for _, id := range top {
		isTop[id] = true
		m.Top = append(m.Top, schulhof.NodeID(id))
	}
	for _, id := range all {
		q := `UPDATE nodes SET space_kind = 'user', space_id = $1 WHERE id = $2`
		args := []any{m.User, id}
		if isTop[id] {
			q = `UPDATE nodes SET space_kind = 'user', space_id = $1, parent_id = $3 WHERE id = $2`
			args = append(args, m.Folder)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return nil, err
		}
		m.Nodes = append(m.Nodes, schulhof.NodeID(id))
	}
	return m, nil
}

// FindRollovers returns the school's rollovers, newest first.
func (db *DB) FindRollovers(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.Rollover, error) {
	rows, err := db.readRows(ctx, `SELECT id, plan, applied_at, undone_at FROM rollovers WHERE school_id = $1 ORDER BY applied_at DESC, id DESC`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Rollover
	for rows.Next() {
		r := &schulhof.Rollover{}
		var plan string
		var applied int64
		var undone sql.NullInt64
		if err := rows.Scan(&r.ID, &plan, &applied, &undone); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(plan), &r.Plan); err != nil {
			return nil, err
		}
		r.AppliedAt, r.UndoneAt = time.Unix(applied, 0), nullTime(undone)
		out = append(out, r)
	}
	return out, rows.Err()
}

// UndoRollover undoes an applied rollover of the school within a day:
// names, archive marks, locks, boards' access, moved files and the
// timetable's end as they were.
func (db *DB) UndoRollover(ctx context.Context, school schulhof.SchoolID, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var undo string
		var applied int64
		var undone sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT undo, applied_at, undone_at FROM rollovers WHERE id = $1 AND school_id = $2`, id, school).
			Scan(&undo, &applied, &undone)
		if err != nil {
			return notFound(err, "rollover.not_found")
		}
		r := schulhof.Rollover{AppliedAt: time.Unix(applied, 0), UndoneAt: nullTime(undone)}
		if !r.Undoable(db.Now()) {
			return schulhof.Errorf(schulhof.EConflict, "rollover.too_late")
		}
		var u rolloverUndo
		if err := json.Unmarshal([]byte(undo), &u); err != nil {
			return err
		}
		for _, m := range u.Files {
			top := map[schulhof.NodeID]bool{}
			for _, n := range m.Top {
				top[n] = true
			}
			for _, n := range m.Nodes {
				q := `UPDATE nodes SET space_kind = 'group', space_id = $1 WHERE id = $2`
				if top[n] {
					q = `UPDATE nodes SET space_kind = 'group', space_id = $1, parent_id = NULL WHERE id = $2`
				}
				if _, err := tx.ExecContext(ctx, q, m.Group, n); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE id = $1`, m.Folder); err != nil {
				return err
			}
		}
		for id, access := range u.Boards {
			if _, err := tx.ExecContext(ctx, `UPDATE boards SET access = $1 WHERE id = $2`, access, id); err != nil {
				return err
			}
		}
		for _, id := range u.Rooms {
			if _, err := tx.ExecContext(ctx, `UPDATE chat_rooms SET locked = FALSE WHERE id = $1`, id); err != nil {
				return err
			}
		}
		for _, g := range u.Groups {
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET archived_at = NULL WHERE id = $1`, g); err != nil {
				return err
			}
		}
		// back through names of their own, as when applied
		for g := range u.Names {
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $1 WHERE id = $2`, fmt.Sprintf("~rollover~%d", g), g); err != nil {
				return err
			}
		}
		for g, name := range u.Names {
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET name = $1, untis_code = $2 WHERE id = $3`, name, u.Codes[g], g); err != nil {
				return isTaken(err, name)
			}
		}
		for id, to := range u.Plans {
			if _, err := tx.ExecContext(ctx, `UPDATE timetable_plans SET valid_to = $1 WHERE id = $2`, to, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rollovers SET undone_at = $1 WHERE id = $2`, db.now(), id); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "rollover.undo", "", "")
	})
}

// DeleteArchivedGroups deletes the school's groups archived before the
// time with their files, boards and chat (memberships, rooms with their
// messages, assignments' and exams' links go with the group).
func (db *DB) DeleteArchivedGroups(ctx context.Context, school schulhof.SchoolID, before time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM groups WHERE school_id = $1 AND archived_at IS NOT NULL AND archived_at < $2`, school, before.Unix())
		if err != nil {
			return err
		}
		ids, err := scanIDs(rows)
		if err != nil || len(ids) == 0 {
			return err
		}
		for _, id := range ids {
			for _, q := range []string{
				`DELETE FROM nodes WHERE space_kind = 'group' AND space_id = $1`,
				`DELETE FROM boards WHERE group_id = $1`,
				`DELETE FROM groups WHERE id = $1`,
			} {
				if _, err := tx.ExecContext(ctx, q, id); err != nil {
					return fmt.Errorf("delete archived group: %s: %w", q, err)
				}
			}
		}
		n = int64(len(ids))
		return db.audit(ctx, tx, school, "retention.archive", "", fmt.Sprintf("groups=%d", n))
	})
	return n, err
}
