package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.UserService = (*DB)(nil)

// userColumns are read by scanUser; the last is the name of the user's
// class group, if any.
const userColumns = userBaseColumns + `,
	COALESCE((SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = u.id AND g.kind = 'class' ORDER BY g.name LIMIT 1), '')`

// userColumnsNoClass leave the class empty, for the session lookup that
// runs on every request and does not need it.
const userColumnsNoClass = userBaseColumns + `, ''`

const userBaseColumns = `u.id, COALESCE(u.school_id, 0), u.login, u.first_name, u.last_name, u.role, u.external_id,
	u.birth_date, u.email, u.short_code, u.active, u.must_change_password, u.totp_enabled, u.language,
	u.created_at, u.updated_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (*schulhof.User, error) {
	var u schulhof.User
	var created, updated int64
	dest := append([]any{&u.ID, &u.SchoolID, &u.Login, &u.FirstName, &u.LastName, &u.Role, &u.ExternalID,
		&u.BirthDate, &u.Email, &u.ShortCode, &u.Active, &u.MustChangePassword, &u.TOTPEnabled, &u.Language,
		&created, &updated, &u.Class}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	return &u, nil
}

func sortName(u *schulhof.User) string {
	return strings.ToLower(u.LastName + " " + u.FirstName + " " + u.Login)
}

// schoolScope returns the condition that keeps a query inside one school;
// school 0 is the operators' realm.
func schoolScope(col string, school schulhof.SchoolID, arg int) (string, []any) {
	if school == 0 {
		return col + " IS NULL", nil
	}
	return col + " = $" + strconv.Itoa(arg), []any{int64(school)}
}

// FindUserByID returns the user of school, or ENotFound.
func (db *DB) FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error) {
	cond, args := schoolScope("u.school_id", school, 2)
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 AND `+cond, append([]any{id}, args...)...))
	return u, notFound(err, "user.not_found")
}

// usersByID reads the school's users of the ids in one query (a school
// channel's 1,500 readers, not 1,500 queries).
func (db *DB) usersByID(ctx context.Context, school schulhof.SchoolID, ids []schulhof.UserID) (map[schulhof.UserID]*schulhof.User, error) {
	out := make(map[schulhof.UserID]*schulhof.User, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(int64(id), 10) // numbers, not user input
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.school_id = $1 AND u.id IN (`+strings.Join(list, ",")+`)`, school)
	db.reads.Add(1)
	if err != nil {
		return nil, fmt.Errorf("users by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out[u.ID] = u
	}
	return out, rows.Err()
}

// FindUsersByIDs returns the school's users of the ids, in their order,
// a few queries for thousands; ENotFound if one is not the school's.
func (db *DB) FindUsersByIDs(ctx context.Context, school schulhof.SchoolID, ids []schulhof.UserID) ([]*schulhof.User, error) {
	out := make([]*schulhof.User, 0, len(ids))
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		found, err := db.usersByID(ctx, school, part)
		if err != nil {
			return nil, err
		}
		for _, id := range part {
			u := found[id]
			if u == nil {
				return nil, schulhof.Errorf(schulhof.ENotFound, "user.not_found")
			}
			out = append(out, u)
		}
	}
	return out, nil
}

// FindUserByLogin returns the user of school (0: an operator), or ENotFound.
func (db *DB) FindUserByLogin(ctx context.Context, school schulhof.SchoolID, login string) (*schulhof.User, error) {
	cond, args := schoolScope("u.school_id", school, 2)
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumns+` FROM users u WHERE u.login = $1 AND `+cond, append([]any{login}, args...)...))
	return u, notFound(err, "user.not_found")
}

func encodeCursor(sort string, id schulhof.UserID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sort + "\x00" + strconv.FormatInt(int64(id), 10)))
}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if i := strings.LastIndexByte(string(b), 0); i >= 0 {
			id, err := strconv.ParseInt(string(b[i+1:]), 10, 64)
			if err == nil {
				return string(b[:i]), id, nil
			}
		}
	}
	return "", 0, schulhof.Errorf(schulhof.EBadRequest, "cursor.invalid")
}

func likePattern(q string) string {
	q = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(strings.TrimSpace(q)))
	return "%" + q + "%"
}

// FindUsers returns one page of the school's users sorted by name, and the
// cursor of the next page ("" when this is the last).
func (db *DB) FindUsers(ctx context.Context, f schulhof.UserFilter) ([]*schulhof.User, string, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	cond, args := schoolScope("u.school_id", f.SchoolID, 1)
	where := []string{cond}
	add := func(sqlf string, v ...any) {
		ph := make([]any, len(v))
		for i, x := range v {
			args = append(args, x)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, fmt.Sprintf(sqlf, ph...))
	}
	if f.Role != 0 {
		add("u.role = %s", int(f.Role))
	}
	if f.Active != nil {
		add("u.active = %s", *f.Active)
	}
	if f.WithoutPassword {
		where = append(where, "u.password_hash = ''")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add(`u.sort_name LIKE %s ESCAPE '\'`, likePattern(q))
	}
	if f.GroupID != 0 {
		add("EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = u.id AND m.group_id = %s)", int64(f.GroupID))
	}
	if f.After != "" {
		s, id, err := decodeCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		add("(u.sort_name > %s OR (u.sort_name = %s AND u.id > %s))", s, s, id)
	}
	args = append(args, f.Limit+1)
	rows, err := db.readRows(ctx, `SELECT `+userColumns+`, u.sort_name FROM users u WHERE `+
		strings.Join(where, " AND ")+` ORDER BY u.sort_name, u.id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, "", fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var out []*schulhof.User
	var sorts []string
	for rows.Next() {
		var s string
		u, err := scanUser(rows, &s)
		if err != nil {
			return nil, "", err
		}
		out = append(out, u)
		sorts = append(sorts, s)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = encodeCursor(sorts[f.Limit-1], out[f.Limit-1].ID)
	}
	return out, next, nil
}

// CreateUser validates and stores u. An empty hash makes an account that
// cannot log in until a password is set (login letters do that).
func (db *DB) CreateUser(ctx context.Context, u *schulhof.User, passwordHash string) error {
	u.Normalize()
	u.Active = true
	if err := u.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := db.insertUser(ctx, tx, u, passwordHash); err != nil {
			return err
		}
		if c := strings.TrimSpace(u.Class); c != "" {
			if err := db.setClass(ctx, tx, u, c); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, u.SchoolID, "user.create", u.Login, u.Role.String())
	})
}

// setClass puts the user into the class group of that name, made if there
// is none ("" takes them out of every class), in the caller's transaction:
// a user is never saved with half of a change. A student leaves their
// other class (setMember); staff lead it.
func (db *DB) setClass(ctx context.Context, tx *sql.Tx, u *schulhof.User, class string) error {
	if class == "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1
			AND group_id IN (SELECT id FROM groups WHERE school_id = $2 AND kind = $3)`, u.ID, u.SchoolID, string(schulhof.GroupClass)); err != nil {
			return fmt.Errorf("leave classes: %w", err)
		}
		u.Class = ""
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT g.name FROM memberships m JOIN groups g ON g.id = m.group_id
		WHERE m.user_id = $1 AND g.school_id = $2 AND g.kind = $3`, u.ID, u.SchoolID, string(schulhof.GroupClass))
	if err != nil {
		return fmt.Errorf("find class: %w", err)
	}
	var current []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		current = append(current, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range current {
		if strings.EqualFold(name, class) {
			u.Class = name
			return nil // in it already
		}
	}
	g := &schulhof.Group{SchoolID: u.SchoolID, Name: class, Kind: schulhof.GroupClass}
	g.Normalize()
	if err := g.Validate(); err != nil {
		// the user's field is "class", not the group's "name"
		if e, ok := err.(*schulhof.Error); ok {
			for i := range e.Fields {
				e.Fields[i].Field = "class"
			}
		}
		return err
	}
	err = tx.QueryRowContext(ctx, `SELECT id, name FROM groups WHERE school_id = $1 AND kind = $2 AND LOWER(name) = LOWER($3)`,
		u.SchoolID, string(schulhof.GroupClass), g.Name).Scan(&g.ID, &g.Name)
	if errors.Is(err, sql.ErrNoRows) {
		err = db.insertGroup(ctx, tx, g)
		if err == nil {
			err = db.audit(ctx, tx, u.SchoolID, "group.create", g.Name, string(g.Kind))
		}
	}
	if err != nil {
		return err
	}
	role := schulhof.MemberRoleMember
	if u.Role.IsStaff() {
		role = schulhof.MemberRoleLeader
	}
	if err := db.setMember(ctx, tx, u.SchoolID, g.ID, u.ID, schulhof.GroupClass, u.Role, role); err != nil {
		return err
	}
	u.Class = g.Name
	return db.audit(ctx, tx, u.SchoolID, "group.member.set", g.Name, u.Login+" "+string(role))
}

func (db *DB) insertUser(ctx context.Context, tx *sql.Tx, u *schulhof.User, hash string) error {
	now := db.now()
	u.CreatedAt, u.UpdatedAt = time.Unix(now, 0), time.Unix(now, 0)
	err := tx.QueryRowContext(ctx, `INSERT INTO users (school_id, login, first_name, last_name, sort_name, role, external_id,
		birth_date, email, short_code, active, password_hash, must_change_password, language, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		nullSchool(u.SchoolID), u.Login, u.FirstName, u.LastName, sortName(u), int(u.Role), u.ExternalID,
		u.BirthDate, u.Email, u.ShortCode, u.Active, hash, u.MustChangePassword, u.Language, now, now).Scan(&u.ID)
	if isUnique(err) {
		return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "login", Key: "user.login.taken"}}}
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

// UpdateUser changes the given fields of a user of school.
func (db *DB) UpdateUser(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, upd schulhof.UserUpdate) (*schulhof.User, error) {
	var out *schulhof.User
	err := db.update(ctx, func(tx *sql.Tx) error {
		cond, args := schoolScope("u.school_id", school, 2)
		u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 AND `+cond, append([]any{id}, args...)...))
		if err != nil {
			return notFound(err, "user.not_found")
		}
		var changed []string
		set := func(name string, dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst = *v
				changed = append(changed, name)
			}
		}
		set("first_name", &u.FirstName, upd.FirstName)
		set("last_name", &u.LastName, upd.LastName)
		set("email", &u.Email, upd.Email)
		set("birth_date", &u.BirthDate, upd.BirthDate)
		set("external_id", &u.ExternalID, upd.ExternalID)
		set("short_code", &u.ShortCode, upd.ShortCode)
		set("language", &u.Language, upd.Language)
		if upd.Role != nil && *upd.Role != u.Role {
			u.Role = *upd.Role
			changed = append(changed, "role="+u.Role.String())
		}
		if upd.Active != nil && *upd.Active != u.Active {
			u.Active = *upd.Active
			changed = append(changed, "active="+strconv.FormatBool(u.Active))
		}
		u.Normalize()
		if err := u.Validate(); err != nil {
			return err
		}
		out = u
		if upd.Class != nil {
			if err := db.setClass(ctx, tx, u, strings.TrimSpace(*upd.Class)); err != nil {
				return err
			}
		}
		if len(changed) == 0 {
			return nil
		}
		if err := db.writeUser(ctx, tx, u); err != nil {
			return err
		}
		if !u.Active {
			if err := db.endSessions(ctx, tx, u.ID, nil); err != nil {
				return err
			}
		}
		if upd.Language != nil && len(changed) == 1 && changed[0] == "language" {
			return nil // a preference, not an admin action
		}
		return db.audit(ctx, tx, u.SchoolID, "user.update", u.Login, strings.Join(changed, " "))
	})
	return out, err
}

func (db *DB) writeUser(ctx context.Context, tx *sql.Tx, u *schulhof.User) error {
	u.UpdatedAt = time.Unix(db.now(), 0)
	// deactivated_at starts a leaver's retention; reactivating ends it
	_, err := tx.ExecContext(ctx, `UPDATE users SET first_name = $1, last_name = $2, sort_name = $3, role = $4,
		external_id = $5, birth_date = $6, email = $7, short_code = $8, active = $9, language = $10, updated_at = $11,
		deactivated_at = CASE WHEN $9 THEN NULL ELSE COALESCE(deactivated_at, $11) END
		WHERE id = $12`, u.FirstName, u.LastName, sortName(u), int(u.Role), u.ExternalID, u.BirthDate, u.Email,
		u.ShortCode, u.Active, u.Language, u.UpdatedAt.Unix(), u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}

// SetPassword stores a new hash and ends the user's app passwords. A reset
// by someone else (mustChange) also ends the user's sessions, so a lost
// device is logged out.
func (db *DB) SetPassword(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, hash string, mustChange bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var login string
		cond, args := schoolScope("school_id", school, 2)
		if err := tx.QueryRowContext(ctx, `SELECT login FROM users WHERE id = $1 AND `+cond, append([]any{id}, args...)...).Scan(&login); err != nil {
			return notFound(err, "user.not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = $2, updated_at = $3 WHERE id = $4`,
			hash, mustChange, db.now(), id); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		// app passwords were made with the old password, and other
		// services' logins (single sign-on) given with it: who changes it
		// because someone saw it ends what that someone may have made
		for _, q := range []string{`DELETE FROM app_passwords WHERE user_id = $1`, `DELETE FROM oidc_tokens WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		if !mustChange {
			return nil // the user's own change; the web layer keeps their session
		}
		// a reset is what an admin does when an account is lost or taken
		// over: every way in that the old owner set up ends with it
		if err := db.endSessions(ctx, tx, id, nil); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "user.reset_password", login, "")
	})
}

// PasswordHash returns the stored hash of an active user ("" if none).
func (db *DB) PasswordHash(ctx context.Context, id schulhof.UserID) (string, error) {
	var h string
	err := db.readRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&h)
	return h, notFound(err, "user.not_found")
}

// LinkParent records that parent is a parent of child.
func (db *DB) LinkParent(ctx context.Context, school schulhof.SchoolID, parent, child schulhof.UserID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var pr, cr int
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND school_id = $2`, parent, school).Scan(&pr); err != nil {
			return notFound(err, "user.not_found")
		}
		if err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND school_id = $2`, child, school).Scan(&cr); err != nil {
			return notFound(err, "user.not_found")
		}
		if schulhof.Role(pr) != schulhof.RoleParent || schulhof.Role(cr) != schulhof.RoleStudent {
			return schulhof.Errorf(schulhof.EInvalid, "parent.link.invalid")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO parent_links (school_id, parent_id, child_id) VALUES ($1, $2, $3)
			ON CONFLICT (parent_id, child_id) DO NOTHING`, school, parent, child); err != nil {
			return fmt.Errorf("link parent: %w", err)
		}
		return db.audit(ctx, tx, school, "parent.link", fmt.Sprintf("%d->%d", parent, child), "")
	})
}

// UnlinkParent removes the link.
func (db *DB) UnlinkParent(ctx context.Context, school schulhof.SchoolID, parent, child schulhof.UserID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM parent_links WHERE school_id = $1 AND parent_id = $2 AND child_id = $3`, school, parent, child)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "user.not_found")
		}
		return db.audit(ctx, tx, school, "parent.unlink", fmt.Sprintf("%d->%d", parent, child), "")
	})
}

// FindChildren returns the parent's children.
func (db *DB) FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error) {
	return queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u JOIN parent_links p ON p.child_id = u.id
		WHERE p.parent_id = $1 AND p.school_id = $2 ORDER BY u.sort_name`, parent, school)
}

// FindParents returns the child's parents.
func (db *DB) FindParents(ctx context.Context, school schulhof.SchoolID, child schulhof.UserID) ([]*schulhof.User, error) {
	return queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u JOIN parent_links p ON p.parent_id = u.id
		WHERE p.child_id = $1 AND p.school_id = $2 ORDER BY u.sort_name`, child, school)
}

// querier is a transaction, or the read pool through its statement cache.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type readQuerier struct{ db *DB }

func (r readQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.db.readRows(ctx, q, args...)
}

func (r readQuerier) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.db.readRow(ctx, q, args...)
}

func queryUsers(ctx context.Context, db querier, q string, args ...any) ([]*schulhof.User, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// IsParentOf reports whether parent is linked to child.
func (db *DB) IsParentOf(ctx context.Context, parent, child schulhof.UserID) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM parent_links WHERE parent_id = $1 AND child_id = $2`, parent, child).Scan(&n)
	return n > 0, err
}

// SharesGroup reports whether a and b are in a common group, or a is the
// parent of someone who shares a group with b.
func (db *DB) SharesGroup(ctx context.Context, a, b schulhof.UserID) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM memberships m1 JOIN memberships m2 ON m1.group_id = m2.group_id
		WHERE m2.user_id = $2 AND (m1.user_id = $1 OR m1.user_id IN (SELECT child_id FROM parent_links WHERE parent_id = $1))`, a, b).Scan(&n)
	return n > 0, err
}
