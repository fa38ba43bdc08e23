package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.ExamService = (*DB)(nil)

// the roles of the people of an exam, as the users table stores them
var (
	studentRole = fmt.Sprint(int(schulhof.RoleStudent))
	staffRoles  = fmt.Sprintf("%d, %d", int(schulhof.RoleTeacher), int(schulhof.RoleSchoolAdmin))
)

// CreateExam stores a planned exam with its groups, students, rooms and
// supervisors, all of which must be the school's; the audit log keeps it,
// with the reason where a rule was overridden.
func (db *DB) CreateExam(ctx context.Context, e *schulhof.PlannedExam) error {
	e.ID = 0
	return db.SaveExamChecked(ctx, e, -1, nil)
}

// UpdateExam changes a planned exam of the school.
func (db *DB) UpdateExam(ctx context.Context, e *schulhof.PlannedExam) error {
	if e.ID == 0 {
		return schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
	}
	return db.SaveExamChecked(ctx, e, -1, nil)
}

// ExamPlanVersion is the version of the school's exam plan, to be read
// before what a check is made against (SaveExamChecked).
func (db *DB) ExamPlanVersion(ctx context.Context, school schulhof.SchoolID) (int64, error) {
	var v int64
	err := db.readRow(ctx, `SELECT exam_version FROM schools WHERE id = $1`, school).Scan(&v)
	return v, notFound(err, "school.not_found")
}

// ErrExamPlanChanged is SaveExamChecked's answer when the plan has changed
// since the version the check was made against: read it anew and check
// again.
var ErrExamPlanChanged = schulhof.Errorf(schulhof.EConflict, "exam.plan_changed")

// examLockClass is the first key of the exam plans' advisory locks on
// PostgreSQL (the second is the school): "EX".
const examLockClass = 0x4558

// SaveExamChecked creates (ID 0) or changes e, holding the school's exam
// lock from the check to the commit: on PostgreSQL a transaction's
// advisory lock per school, on SQLite the one writer. Under the lock, the
// plan must still be at version (read with ExamPlanVersion before what
// the check looks at; -1 takes any) or it answers ErrExamPlanChanged;
// then check (may be nil) decides, and its error stops the save. Two
// nodes filling the last free slot at once: one waits for the other,
// finds the plan changed, and checks again against the new one.
func (db *DB) SaveExamChecked(ctx context.Context, e *schulhof.PlannedExam, version int64, check func() error) error {
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := db.lockOnPostgres(ctx, tx, examLockClass, int32(e.SchoolID)); err != nil {
			return fmt.Errorf("lock exam plan: %w", err)
		}
		var now int64
		if err := tx.QueryRowContext(ctx, `SELECT exam_version FROM schools WHERE id = $1`, e.SchoolID).Scan(&now); err != nil {
			return notFound(err, "school.not_found")
		}
		if version >= 0 && now != version {
			return ErrExamPlanChanged
		}
		if check != nil {
			if err := check(); err != nil {
				return err
			}
		}
		if err := db.writeExam(ctx, tx, e); err != nil {
			return err
		}
		return bumpExamVersion(ctx, tx, e.SchoolID)
	})
}

// bumpExamVersion marks the school's exam plan as changed within tx.
func bumpExamVersion(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID) error {
	_, err := tx.ExecContext(ctx, `UPDATE schools SET exam_version = exam_version + 1 WHERE id = $1`, school)
	return err
}

// writeExam inserts or updates e with its parts and audits it.
func (db *DB) writeExam(ctx context.Context, tx *sql.Tx, e *schulhof.PlannedExam) error {
	now := db.now()
	if e.ID == 0 {
		if err := tx.QueryRowContext(ctx, `INSERT INTO exams (school_id, day, from_period, to_period, kind, title, override_reason,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			e.SchoolID, string(e.Date), e.From, e.To, e.Kind, e.Title, e.OverrideReason, e.CreatedBy, now).Scan(&e.ID); err != nil {
			return fmt.Errorf("insert exam: %w", err)
		}
		e.CreatedAt = time.Unix(now, 0)
		if err := setExamParts(ctx, tx, e); err != nil {
			return err
		}
		return db.audit(ctx, tx, e.SchoolID, "exam.create", fmt.Sprint(e.ID), examAuditDetails(e))
	}
	res, err := tx.ExecContext(ctx, `UPDATE exams SET day = $1, from_period = $2, to_period = $3, kind = $4, title = $5,
		override_reason = $6, updated_at = $7 WHERE id = $8 AND school_id = $9`,
		string(e.Date), e.From, e.To, e.Kind, e.Title, e.OverrideReason, now, e.ID, e.SchoolID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
	}
	if err := setExamParts(ctx, tx, e); err != nil {
		return err
	}
	return db.audit(ctx, tx, e.SchoolID, "exam.update", fmt.Sprint(e.ID), examAuditDetails(e))
}

func examAuditDetails(e *schulhof.PlannedExam) string {
	d := fmt.Sprintf("%s %s %d-%d", e.Title, e.Date, e.From, e.To)
	if e.OverrideReason != "" {
		d += "; override: " + e.OverrideReason
	}
	return d
}

// DeleteExam removes a planned exam of the school.
func (db *DB) DeleteExam(ctx context.Context, school schulhof.SchoolID, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var title, day string
		err := tx.QueryRowContext(ctx, `SELECT title, day FROM exams WHERE id = $1 AND school_id = $2`, id, school).Scan(&title, &day)
		if errors.Is(err, sql.ErrNoRows) {
			return schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
		}
		if err != nil {
			return err
		}
		for _, t := range []string{"exam_groups", "exam_students", "exam_rooms", "exam_supervisors"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE exam_id = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM exams WHERE id = $1`, id); err != nil {
			return err
		}
		if err := bumpExamVersion(ctx, tx, school); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "exam.delete", fmt.Sprint(id), title+" "+day)
	})
}

// setExamParts replaces the exam's groups, students, rooms and
// supervisors, checking that the people and groups are the school's.
func setExamParts(ctx context.Context, tx *sql.Tx, e *schulhof.PlannedExam) error {
	for _, t := range []string{"exam_groups", "exam_students", "exam_rooms", "exam_supervisors"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE exam_id = $1`, e.ID); err != nil {
			return err
		}
	}
	e.Groups = uniqueIDs(e.Groups)
	e.Students = uniqueIDs(e.Students)
	e.Supervisors = uniqueIDs(e.Supervisors)
	for _, g := range e.Groups {
		if err := mustBeOfSchool(ctx, tx, `SELECT COUNT(*) FROM groups WHERE id = $1 AND school_id = $2`, int64(g), e.SchoolID, "group.not_found"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exam_groups (exam_id, group_id) VALUES ($1, $2)`, e.ID, g); err != nil {
			return err
		}
	}
	for _, s := range e.Students {
		if err := mustBeOfSchool(ctx, tx, `SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2 AND role = `+studentRole, int64(s), e.SchoolID, "exam.student"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exam_students (exam_id, user_id) VALUES ($1, $2)`, e.ID, s); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, r := range e.Rooms {
		if seen[strings.ToLower(r)] {
			continue
		}
		seen[strings.ToLower(r)] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO exam_rooms (exam_id, room) VALUES ($1, $2)`, e.ID, r); err != nil {
			return err
		}
	}
	for _, s := range e.Supervisors {
		if err := mustBeOfSchool(ctx, tx, `SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2 AND role IN (`+staffRoles+`)`, int64(s), e.SchoolID, "exam.supervisor"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exam_supervisors (exam_id, user_id) VALUES ($1, $2)`, e.ID, s); err != nil {
			return err
		}
	}
	return nil
}

func mustBeOfSchool(ctx context.Context, tx *sql.Tx, q string, id int64, school schulhof.SchoolID, key string) error {
	var n int
	if err := tx.QueryRowContext(ctx, q, id, school).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return schulhof.Errorf(schulhof.ENotFound, key)
	}
	return nil
}

func uniqueIDs[T ~int64](ids []T) []T {
	out := []T{}
	seen := map[T]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// FindExam returns a planned exam of the school.
func (db *DB) FindExam(ctx context.Context, school schulhof.SchoolID, id int64) (*schulhof.PlannedExam, error) {
	es, err := db.findExams(ctx, `e.school_id = $1 AND e.id = $2`, school, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "exam.not_found")
	}
	return es[0], nil
}

// FindPlannedExams returns the school's planned exams the filter picks,
// by date and period.
func (db *DB) FindPlannedExams(ctx context.Context, f schulhof.ExamFilter) ([]*schulhof.PlannedExam, error) {
	where := []string{"e.school_id = $1"}
	args := []any{f.SchoolID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.From != "" {
		add("e.day >= ?", string(f.From))
	}
	if f.To != "" {
		add("e.day <= ?", string(f.To))
	}
	if f.GroupID != 0 {
		add("e.id IN (SELECT exam_id FROM exam_groups WHERE group_id = ?)", int64(f.GroupID))
	}
	if f.StudentID != 0 {
		add("e.id IN (SELECT exam_id FROM exam_students WHERE user_id = ?)", int64(f.StudentID))
	}
	if f.Supervisor != 0 {
		add("e.id IN (SELECT exam_id FROM exam_supervisors WHERE user_id = ?)", int64(f.Supervisor))
	}
	return db.findExams(ctx, strings.Join(where, " AND "), args...)
}

func (db *DB) findExams(ctx context.Context, where string, args ...any) ([]*schulhof.PlannedExam, error) {
	rows, err := db.readRows(ctx, `SELECT e.id, e.school_id, e.day, e.from_period, e.to_period, e.kind, e.title, e.override_reason,
		e.created_by, e.created_at FROM exams e WHERE `+where+` ORDER BY e.day, e.from_period, e.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*schulhof.PlannedExam
	byID := map[int64]*schulhof.PlannedExam{}
	for rows.Next() {
		e := &schulhof.PlannedExam{Groups: []schulhof.GroupID{}, Students: []schulhof.UserID{}, Rooms: []string{}, Supervisors: []schulhof.UserID{}}
		var day string
		var created int64
		if err := rows.Scan(&e.ID, &e.SchoolID, &day, &e.From, &e.To, &e.Kind, &e.Title, &e.OverrideReason, &e.CreatedBy, &created); err != nil {
			rows.Close()
			return nil, err
		}
		e.Date, e.CreatedAt = schulhof.Day(day), time.Unix(created, 0)
		out = append(out, e)
		byID[e.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// the parts of all of them, a query per table; the ids are integers
	// from the database, not input
	ids := make([]string, 0, len(out))
	for _, e := range out {
		ids = append(ids, fmt.Sprint(e.ID))
	}
	in := strings.Join(ids, ",")
	parts := []struct {
		q   string
		add func(e *schulhof.PlannedExam, v int64, s string)
	}{
		{`SELECT exam_id, group_id, '' FROM exam_groups WHERE exam_id IN (` + in + `) ORDER BY group_id`,
			func(e *schulhof.PlannedExam, v int64, _ string) { e.Groups = append(e.Groups, schulhof.GroupID(v)) }},
		{`SELECT exam_id, user_id, '' FROM exam_students WHERE exam_id IN (` + in + `) ORDER BY user_id`,
			func(e *schulhof.PlannedExam, v int64, _ string) { e.Students = append(e.Students, schulhof.UserID(v)) }},
		{`SELECT exam_id, 0, room FROM exam_rooms WHERE exam_id IN (` + in + `) ORDER BY room`,
			func(e *schulhof.PlannedExam, _ int64, s string) { e.Rooms = append(e.Rooms, s) }},
		{`SELECT exam_id, user_id, '' FROM exam_supervisors WHERE exam_id IN (` + in + `) ORDER BY user_id`,
			func(e *schulhof.PlannedExam, v int64, _ string) {
				e.Supervisors = append(e.Supervisors, schulhof.UserID(v))
			}},
	}
	for _, part := range parts {
		rows, err := db.read.QueryContext(ctx, part.q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, v int64
			var s string
			if err := rows.Scan(&id, &v, &s); err != nil {
				rows.Close()
				return nil, err
			}
			part.add(byID[id], v, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindExamSettings returns the school's exam settings (defaults until it
// sets its own).
func (db *DB) FindExamSettings(ctx context.Context, school schulhof.SchoolID) (*schulhof.ExamSettings, error) {
	s := &schulhof.ExamSettings{AnnounceDays: schulhof.DefaultAnnounceDays, Blocked: []schulhof.BlockedDay{}, Coordinators: []schulhof.UserID{}}
	err := db.readRow(ctx, `SELECT rules_json, announce_days FROM exam_settings WHERE school_id = $1`, school).Scan(&s.RulesJSON, &s.AnnounceDays)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	rows, err := db.readRows(ctx, `SELECT day, reason FROM exam_blocked_days WHERE school_id = $1 ORDER BY day`, school)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b schulhof.BlockedDay
		var day string
		if err := rows.Scan(&day, &b.Reason); err != nil {
			rows.Close()
			return nil, err
		}
		b.Date = schulhof.Day(day)
		s.Blocked = append(s.Blocked, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.readRows(ctx, `SELECT user_id FROM exam_coordinators WHERE school_id = $1 ORDER BY user_id`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id schulhof.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		s.Coordinators = append(s.Coordinators, id)
	}
	return s, rows.Err()
}

// SetExamSettings replaces the school's exam settings; coordinators must
// be its teachers or admins.
func (db *DB) SetExamSettings(ctx context.Context, school schulhof.SchoolID, s *schulhof.ExamSettings) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM exam_settings WHERE school_id = $1`, `DELETE FROM exam_blocked_days WHERE school_id = $1`,
			`DELETE FROM exam_coordinators WHERE school_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, school); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exam_settings (school_id, rules_json, announce_days) VALUES ($1, $2, $3)`,
			school, s.RulesJSON, s.AnnounceDays); err != nil {
			return err
		}
		sort.Slice(s.Blocked, func(i, j int) bool { return s.Blocked[i].Date < s.Blocked[j].Date })
		seen := map[schulhof.Day]bool{}
		for _, b := range s.Blocked {
			if seen[b.Date] {
				continue
			}
			seen[b.Date] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO exam_blocked_days (school_id, day, reason) VALUES ($1, $2, $3)`, school, string(b.Date), b.Reason); err != nil {
				return err
			}
		}
		s.Coordinators = uniqueIDs(s.Coordinators)
		for _, c := range s.Coordinators {
			if err := mustBeOfSchool(ctx, tx, `SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2 AND role IN (`+staffRoles+`)`, int64(c), school, "exam.coordinator"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO exam_coordinators (school_id, user_id) VALUES ($1, $2)`, school, c); err != nil {
				return err
			}
		}
		if err := bumpExamVersion(ctx, tx, school); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "school.exam_settings", "", fmt.Sprintf("%d blocked days, %d coordinators", len(s.Blocked), len(s.Coordinators)))
	})
}
