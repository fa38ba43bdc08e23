package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/schulhof/schulhof"
)

var _ schulhof.ImportService = (*DB)(nil)

// ImportUsers plans the import against the school's users as they are now
// and, unless it is a dry run, applies it in the same transaction: so the
// plan that is applied is exactly the plan that was computed. A file with
// line errors changes nothing.
func (db *DB) ImportUsers(ctx context.Context, school schulhof.SchoolID, rows []schulhof.ImportRow, errs []schulhof.ImportLineError, opts schulhof.ImportOptions) (*schulhof.ImportReport, error) {
	var rep *schulhof.ImportReport
	plan := func(tx *sql.Tx) error {
		existing, err := queryUsers(ctx, tx, `SELECT `+userColumns+` FROM users u WHERE u.school_id = $1 ORDER BY u.id`, school)
		if err != nil {
			return fmt.Errorf("load users: %w", err)
		}
		rep = schulhof.PlanImport(existing, rows, errs, opts)
		return nil
	}
	if opts.DryRun {
		return rep, db.view(ctx, plan)
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := plan(tx); err != nil {
			return err
		}
		if len(rep.Errors) > 0 {
			return schulhof.Errorf(schulhof.EInvalid, "import.has_errors", len(rep.Errors))
		}
		return db.applyImport(ctx, tx, school, rep)
	})
	return rep, err
}

func (db *DB) applyImport(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, rep *schulhof.ImportReport) error {
	classes := map[string]schulhof.GroupID{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM groups WHERE school_id = $1 AND kind = 'class'`, school)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id schulhof.GroupID
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return err
		}
		classes[strings.ToLower(name)] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range rep.NewClasses {
		g := &schulhof.Group{SchoolID: school, Name: name, Kind: schulhof.GroupClass}
		if err := db.insertGroup(ctx, tx, g); err != nil {
			return fmt.Errorf("create class %s: %w", name, err)
		}
		classes[strings.ToLower(name)] = g.ID
	}
	joinClass := func(u schulhof.UserID, role schulhof.Role, class string) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE user_id = $1
			AND group_id IN (SELECT id FROM groups WHERE school_id = $2 AND kind = 'class')`, u, school); err != nil {
			return err
		}
		if class == "" {
			return nil
		}
		mrole := schulhof.MemberRoleMember
		if role.IsStaff() {
			mrole = schulhof.MemberRoleLeader // a teacher's "Klasse" is the class they lead
		}
		return db.setMember(ctx, tx, school, classes[strings.ToLower(class)], u, schulhof.GroupClass, role, mrole)
	}
	for i := range rep.Changes {
		c := &rep.Changes[i]
		r := c.Row
		switch c.Action {
		case schulhof.ImportCreate:
			u := &schulhof.User{SchoolID: school, Login: c.Login, FirstName: r.FirstName, LastName: r.LastName, Role: r.Role,
				ExternalID: r.ExternalID, BirthDate: r.BirthDate, Email: r.Email, ShortCode: r.ShortCode,
				Active: true, MustChangePassword: true}
			if err := u.Validate(); err != nil {
				return schulhof.Errorf(schulhof.EInvalid, "import.line_invalid", r.Line)
			}
			if err := db.insertUser(ctx, tx, u, ""); err != nil {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			c.UserID = u.ID
			if r.Class != "" {
				if err := joinClass(u.ID, u.Role, r.Class); err != nil {
					return err
				}
			}
		case schulhof.ImportUpdate, schulhof.ImportMove:
			u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1 AND u.school_id = $2`, c.UserID, school))
			if err != nil {
				return err
			}
			u.FirstName, u.LastName, u.Role, u.ExternalID, u.Active = r.FirstName, r.LastName, r.Role, r.ExternalID, true
			if r.BirthDate != "" {
				u.BirthDate = r.BirthDate
			}
			if r.Email != "" {
				u.Email = r.Email
			}
			if r.ShortCode != "" {
				u.ShortCode = r.ShortCode
			}
			if err := db.writeUser(ctx, tx, u); err != nil {
				return err
			}
			if c.Action == schulhof.ImportMove {
				if err := joinClass(u.ID, u.Role, r.Class); err != nil {
					return err
				}
			}
		case schulhof.ImportDeactivate:
			if _, err := tx.ExecContext(ctx, `UPDATE users SET active = FALSE, updated_at = $1, deactivated_at = COALESCE(deactivated_at, $1) WHERE id = $2 AND school_id = $3`,
				db.now(), c.UserID, school); err != nil {
				return err
			}
			if err := db.endSessions(ctx, tx, c.UserID, nil); err != nil {
				return err
			}
		}
	}
	return db.audit(ctx, tx, school, "import.apply", "users", fmt.Sprintf("created=%d updated=%d moved=%d deactivated=%d unchanged=%d",
		rep.Created, rep.Updated, rep.Moved, rep.Deactivated, rep.Unchanged))
}

// SetInitialPasswords stores new one-time passwords for the users in one
// transaction, for login letters. Hashing happens before, outside the
// transaction: it is slow on purpose.
func (db *DB) SetInitialPasswords(ctx context.Context, school schulhof.SchoolID, hashes map[schulhof.UserID]string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		for id, h := range hashes {
			res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1, must_change_password = TRUE, updated_at = $2
				WHERE id = $3 AND school_id = $4`, h, db.now(), id, school)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return schulhof.Errorf(schulhof.ENotFound, "user.not_found")
			}
			if err := db.endSessions(ctx, tx, id, nil); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "letters.create", "users", fmt.Sprintf("%d initial passwords", len(hashes)))
	})
}
