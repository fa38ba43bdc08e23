package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.GroupService = (*DB)(nil)

const groupColumns = `g.id, g.school_id, g.name, g.kind, g.untis_code, g.created_at, g.archived_at,
	(SELECT COUNT(*) FROM memberships c WHERE c.group_id = g.id)`

const groupColumnsNoCount = `g.id, g.school_id, g.name, g.kind, g.untis_code, g.created_at, g.archived_at, 0`

func scanGroup(row interface{ Scan(...any) error }, extra ...any) (*schulhof.Group, error) {
	var g schulhof.Group
	var created int64
	var archived sql.NullInt64
	if err := row.Scan(append([]any{&g.ID, &g.SchoolID, &g.Name, &g.Kind, &g.UntisCode, &created, &archived, &g.MemberCount}, extra...)...); err != nil {
		return nil, err
	}
	g.CreatedAt = time.Unix(created, 0)
	g.ArchivedAt = nullTime(archived)
	return &g, nil
}

// FindGroupByID returns the group of school, or ENotFound.
func (db *DB) FindGroupByID(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) (*schulhof.Group, error) {
	g, err := scanGroup(db.readRow(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = $1 AND g.school_id = $2`, id, school))
	return g, notFound(err, "group.not_found")
}

// FindGroups returns the school's groups by kind and name; with UserID, only
// that user's groups, with their role in each.
func (db *DB) FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error) {
	return cached(db, fmt.Sprintf("groups\x00%d\x00%s\x00%d\x00%t", f.SchoolID, f.Kind, f.UserID, f.MemberCounts), copyGroups,
		func() ([]*schulhof.Group, error) { return db.findGroups(ctx, f) })
}

func copyGroups(gs []*schulhof.Group) []*schulhof.Group { return clonePointers(gs) }

func (db *DB) findGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error) {
	args := []any{f.SchoolID}
	cols := groupColumns
	if !f.MemberCounts {
		cols = groupColumnsNoCount
	}
	q := `SELECT ` + cols + `, ''`
	from := ` FROM groups g`
	where := []string{"g.school_id = $1"}
	if f.UserID != 0 {
		args = append(args, f.UserID)
		q = `SELECT ` + cols + `, m.role`
		from += ` JOIN memberships m ON m.group_id = g.id AND m.user_id = $` + strconv.Itoa(len(args))
	}
	if f.Kind != "" {
		args = append(args, string(f.Kind))
		where = append(where, "g.kind = $"+strconv.Itoa(len(args)))
	}
	rows, err := db.readRows(ctx, q+from+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY CASE g.kind WHEN 'class' THEN 0 WHEN 'course' THEN 1 WHEN 'staff' THEN 2 ELSE 3 END, g.name, g.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find groups: %w", err)
	}
	defer rows.Close()
	var out []*schulhof.Group
	for rows.Next() {
		var role string
		g, err := scanGroup(rows, &role)
		if err != nil {
			return nil, err
		}
		g.MyRole = schulhof.MemberRole(role)
		out = append(out, g)
	}
	return out, rows.Err()
}

// CreateGroup validates and stores g.
func (db *DB) CreateGroup(ctx context.Context, g *schulhof.Group) error {
	g.Normalize()
	if err := g.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := db.insertGroup(ctx, tx, g); err != nil {
			return err
		}
		return db.audit(ctx, tx, g.SchoolID, "group.create", g.Name, string(g.Kind))
	})
}

func (db *DB) insertGroup(ctx context.Context, tx *sql.Tx, g *schulhof.Group) error {
	g.CreatedAt = time.Unix(db.now(), 0)
	err := tx.QueryRowContext(ctx, `INSERT INTO groups (school_id, name, kind, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		g.SchoolID, g.Name, string(g.Kind), g.CreatedAt.Unix()).Scan(&g.ID)
	if isUnique(err) {
		return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "name", Key: "group.name.taken"}}}
	}
	if err != nil {
		return fmt.Errorf("insert group: %w", err)
	}
	return nil
}

// RenameGroup gives a group a new name.
func (db *DB) RenameGroup(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID, name string) (*schulhof.Group, error) {
	var out *schulhof.Group
	err := db.update(ctx, func(tx *sql.Tx) error {
		g, err := scanGroup(tx.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = $1 AND g.school_id = $2`, id, school))
		if err != nil {
			return notFound(err, "group.not_found")
		}
		old := g.Name
		g.Name = name
		g.Normalize()
		if err := g.Validate(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE groups SET name = $1 WHERE id = $2`, g.Name, id)
		if isUnique(err) {
			return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
				Fields: []schulhof.FieldError{{Field: "name", Key: "group.name.taken"}}}
		}
		if err != nil {
			return err
		}
		out = g
		return db.audit(ctx, tx, school, "group.rename", old, g.Name)
	})
	return out, err
}

// DeleteGroup removes a group and its memberships; the users stay.
func (db *DB) DeleteGroup(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM groups WHERE id = $1 AND school_id = $2`, id, school).Scan(&name); err != nil {
			return notFound(err, "group.not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "group.delete", name, "")
	})
}

// FindMembers returns a group's members, leaders first, then by name.
func (db *DB) FindMembers(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) ([]*schulhof.Member, error) {
	rows, err := db.readRows(ctx, `SELECT `+userColumns+`, m.role, m.from_timetable FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.group_id = $1 AND m.school_id = $2 ORDER BY CASE m.role WHEN 'leader' THEN 0 ELSE 1 END, u.sort_name`, id, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Member
	for rows.Next() {
		var role string
		var timetable bool
		u, err := scanUser(rows, &role, &timetable)
		if err != nil {
			return nil, err
		}
		out = append(out, &schulhof.Member{User: u, Role: schulhof.MemberRole(role), FromTimetable: timetable})
	}
	return out, rows.Err()
}

// SetMember adds a user to a group or changes their role in it. A student
// is in one class at a time: adding them to a class takes them out of the
// one they were in.
func (db *DB) SetMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID, role schulhof.MemberRole) error {
	return db.SetMembers(ctx, school, group, []schulhof.UserID{user}, role)
}

// SetMembers is SetMember for several users in one transaction: all of
// them, or none if one is not of the school.
func (db *DB) SetMembers(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, users []schulhof.UserID, role schulhof.MemberRole) error {
	if role != schulhof.MemberRoleMember && role != schulhof.MemberRoleLeader {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "role", Key: "member.role.invalid"}}}
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		var gname, kind string
		if err := tx.QueryRowContext(ctx, `SELECT name, kind FROM groups WHERE id = $1 AND school_id = $2`, group, school).Scan(&gname, &kind); err != nil {
			return notFound(err, "group.not_found")
		}
		for _, user := range users {
			var login string
			var urole int
			if err := tx.QueryRowContext(ctx, `SELECT login, role FROM users WHERE id = $1 AND school_id = $2`, user, school).Scan(&login, &urole); err != nil {
				return notFound(err, "user.not_found")
			}
			if err := db.setMember(ctx, tx, school, group, user, schulhof.GroupKind(kind), schulhof.Role(urole), role); err != nil {
				return err
			}
			if err := db.audit(ctx, tx, school, "group.member.set", gname, login+" "+string(role)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (db *DB) setMember(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID,
	kind schulhof.GroupKind, urole schulhof.Role, role schulhof.MemberRole) error {
	if kind == schulhof.GroupClass && urole == schulhof.RoleStudent && role == schulhof.MemberRoleMember {
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1 AND group_id <> $2
			AND group_id IN (SELECT id FROM groups WHERE school_id = $3 AND kind = 'class')`, user, group, school); err != nil {
			return fmt.Errorf("leave old class: %w", err)
		}
	}
	// set by hand: no later timetable import takes it away
	_, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, school_id, role) VALUES ($1, $2, $3, $4)
		ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role, from_timetable = FALSE`, group, user, school, string(role))
	if err != nil {
		return fmt.Errorf("set member: %w", err)
	}
	return nil
}

// RemoveMember takes a user out of a group.
func (db *DB) RemoveMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = $1 AND user_id = $2 AND school_id = $3`, group, user, school)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "member.not_found")
		}
		return db.audit(ctx, tx, school, "group.member.remove", strconv.FormatInt(int64(group), 10), strconv.FormatInt(int64(user), 10))
	})
}

// IsMember reports whether user is in group.
func (db *DB) IsMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND (user_id = $2
		OR user_id IN (SELECT child_id FROM parent_links WHERE parent_id = $2))
		AND group_id IN (SELECT id FROM groups WHERE school_id = $3)`, group, user, school).Scan(&n)
	return n > 0, err
}

// FindMemberRole returns the user's role in the group, or "" when the user
// is not in it.
func (db *DB) FindMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error) {
	return cached(db, fmt.Sprintf("member_role\x00%d\x00%d\x00%d", school, group, user), func(r schulhof.MemberRole) schulhof.MemberRole { return r },
		func() (schulhof.MemberRole, error) { return db.findMemberRole(ctx, school, group, user) })
}

func (db *DB) findMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error) {
	var role string
	err := db.readRow(ctx, `SELECT role FROM memberships WHERE group_id = $1 AND user_id = $2 AND school_id = $3`, group, user, school).Scan(&role)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return schulhof.MemberRole(role), err
}

// SetGroupUntisCode sets the code by which timetable imports find the
// group ("" for none).
func (db *DB) SetGroupUntisCode(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID, code string) (*schulhof.Group, error) {
	code = strings.TrimSpace(code)
	if len([]rune(code)) > 40 {
		return nil, schulhof.Invalid("untis_code", "field.too_long", 40)
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM groups WHERE id = $1 AND school_id = $2`, id, school).Scan(&name); err != nil {
			return notFound(err, "group.not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET untis_code = $1 WHERE id = $2`, code, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "group.untis_code", name, code)
	})
	if err != nil {
		return nil, err
	}
	return db.FindGroupByID(ctx, school, id)
}
