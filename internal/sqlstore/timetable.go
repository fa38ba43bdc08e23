package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
)

var _ schulhof.TimetableService = (*DB)(nil)

// ApplyTimetableImport writes an import in one transaction: class codes,
// course groups with their members, the plan (replacing the plans whose
// dates it overlaps) and the substitutions (replacing those of their days).
func (db *DB) ApplyTimetableImport(ctx context.Context, imp *schulhof.TimetableImport) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		for g, code := range imp.ClassCodes {
			if _, err := tx.ExecContext(ctx, `UPDATE groups SET untis_code = $1 WHERE id = $2 AND school_id = $3`, code, g, imp.SchoolID); err != nil {
				return err
			}
		}
		courseIDs := make([]schulhof.GroupID, len(imp.Courses))
		for i, c := range imp.Courses {
			id, err := db.upsertCourse(ctx, tx, imp.SchoolID, c)
			if err != nil {
				return err
			}
			courseIDs[i] = id
		}
		if err := db.setTeachers(ctx, tx, imp, courseIDs); err != nil {
			return err
		}
		if imp.Plan != nil {
			if err := db.replacePlan(ctx, tx, imp.SchoolID, imp.Plan, courseIDs); err != nil {
				return err
			}
		}
		if imp.Substitutions != nil {
			if err := db.replaceSubstitutions(ctx, tx, imp.SchoolID, imp.Substitutions); err != nil {
				return err
			}
		}
		if imp.Exams != nil {
			if err := db.replaceExams(ctx, tx, imp.SchoolID, imp.Exams); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, imp.SchoolID, "timetable.import", "", fmt.Sprintf("courses=%d plan=%t substitutions=%d",
			len(imp.Courses), imp.Plan != nil, len(imp.Substitutions)))
	})
}

// upsertCourse finds the course group by its Untis code (or makes it) and
// sets its members: the students as members, the teacher as leader.
// Members who left the course are removed; leaders added by hand stay.
func (db *DB) upsertCourse(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, c schulhof.CourseGroup) (schulhof.GroupID, error) {
	var id schulhof.GroupID
	err := tx.QueryRowContext(ctx, `SELECT id FROM groups WHERE school_id = $1 AND kind = $2 AND untis_code = $3`,
		school, string(schulhof.GroupCourse), c.Code).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		g := &schulhof.Group{SchoolID: school, Name: c.Name, Kind: schulhof.GroupCourse}
		g.Normalize()
		if err := g.Validate(); err != nil {
			return 0, err
		}
		if err := db.insertGroup(ctx, tx, g); err != nil {
			return 0, err
		}
		id = g.ID
		if _, err := tx.ExecContext(ctx, `UPDATE groups SET untis_code = $1 WHERE id = $2`, c.Code, id); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	}
	keep := map[schulhof.UserID]bool{}
	for _, s := range c.Students {
		keep[s] = true
		if err := db.setMember(ctx, tx, school, id, s, schulhof.GroupCourse, schulhof.RoleStudent, schulhof.MemberRoleMember); err != nil {
			return 0, err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT user_id FROM memberships WHERE group_id = $1 AND role = $2`, id, string(schulhof.MemberRoleMember))
	if err != nil {
		return 0, err
	}
	var gone []schulhof.UserID
	for rows.Next() {
		var u schulhof.UserID
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return 0, err
		}
		if !keep[u] {
			gone = append(gone, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, u := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = $1 AND user_id = $2`, id, u); err != nil {
			return 0, err
		}
	}
	return id, nil // its teacher comes with imp.Teachers
}

// setTeachers makes the import's teachers leaders of their groups, where
// they are not members already, and (ReplaceTeachers) takes out those an
// earlier import put in that this one no longer names.
func (db *DB) setTeachers(ctx context.Context, tx *sql.Tx, imp *schulhof.TimetableImport, courseIDs []schulhof.GroupID) error {
	wanted := map[schulhof.GroupTeacher]bool{}
	for _, k := range imp.Teachers {
		if k.Group < 0 {
			k.Group = courseIDs[-k.Group-1]
		}
		wanted[k] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (group_id, user_id, school_id, role, from_timetable)
			SELECT id, $2, school_id, $3, TRUE FROM groups WHERE id = $1 AND school_id = $4
			ON CONFLICT (group_id, user_id) DO NOTHING`, k.Group, k.Teacher, string(schulhof.MemberRoleLeader), imp.SchoolID); err != nil {
			return fmt.Errorf("teacher joins: %w", err)
		}
	}
	if !imp.ReplaceTeachers {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT group_id, user_id FROM memberships WHERE school_id = $1 AND from_timetable`, imp.SchoolID)
	if err != nil {
		return err
	}
	var gone []schulhof.GroupTeacher
	for rows.Next() {
		var k schulhof.GroupTeacher
		if err := rows.Scan(&k.Group, &k.Teacher); err != nil {
			rows.Close()
			return err
		}
		if !wanted[k] {
			gone = append(gone, k)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, k := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE group_id = $1 AND user_id = $2 AND from_timetable`, k.Group, k.Teacher); err != nil {
			return fmt.Errorf("teacher leaves: %w", err)
		}
	}
	return nil
}

// FindTeacherMemberships lists the memberships of the school's teachers
// in its classes and courses.
func (db *DB) FindTeacherMemberships(ctx context.Context, school schulhof.SchoolID) ([]schulhof.TeacherMembership, error) {
	rows, err := db.readRows(ctx, `SELECT m.group_id, m.user_id, m.from_timetable FROM memberships m
		JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
		WHERE m.school_id = $1 AND g.kind IN ('class', 'course') AND u.role >= $2`, school, int(schulhof.RoleTeacher))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.TeacherMembership
	for rows.Next() {
		var m schulhof.TeacherMembership
		if err := rows.Scan(&m.Group, &m.Teacher, &m.FromTimetable); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// replacePlan removes the plans that overlap the new one's dates and
// stores it.
func (db *DB) replacePlan(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, p *schulhof.TimetablePlan, courseIDs []schulhof.GroupID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM timetable_entries WHERE plan_id IN (SELECT id FROM timetable_plans
		WHERE school_id = $1 AND valid_from <= $2 AND valid_to >= $3)`, school, string(p.ValidTo), string(p.ValidFrom)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM timetable_plans WHERE school_id = $1 AND valid_from <= $2 AND valid_to >= $3`,
		school, string(p.ValidTo), string(p.ValidFrom)); err != nil {
		return err
	}
	// plans removed here are found no more, so their cached entries are
	// never read again; drop them all now and then to bound the memory
	n := 0
	db.plans.Range(func(any, any) bool { n++; return true })
	if n > 256 {
		db.plans.Clear()
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO timetable_plans (school_id, valid_from, valid_to, imported_at) VALUES ($1, $2, $3, $4) RETURNING id`,
		school, string(p.ValidFrom), string(p.ValidTo), db.now()).Scan(&p.ID); err != nil {
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO timetable_entries (plan_id, lesson, weekday, period, class_code, teacher, subject, room,
		group_id, teacher_id, week_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for i := range p.Entries {
		e := &p.Entries[i]
		if e.GroupID < 0 {
			e.GroupID = courseIDs[-e.GroupID-1]
		}
		var group, teacher any
		if e.GroupID != 0 {
			group = int64(e.GroupID)
		}
		if e.TeacherID != 0 {
			teacher = int64(e.TeacherID)
		}
		if _, err := stmt.ExecContext(ctx, p.ID, e.Lesson, e.Weekday, e.Period, e.Class, e.Teacher, e.Subject, e.Room, group, teacher, e.WeekGroup); err != nil {
			return err
		}
	}
	return nil
}

// replaceSubstitutions replaces the substitutions of every day the new
// ones are on: a re-export of the day brings all of its changes.
func (db *DB) replaceSubstitutions(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, subs []schulhof.Substitution) error {
	days := map[schulhof.Day]bool{}
	for _, s := range subs {
		days[s.Day] = true
	}
	for d := range days {
		if _, err := tx.ExecContext(ctx, `DELETE FROM substitutions WHERE school_id = $1 AND day = $2`, school, string(d)); err != nil {
			return err
		}
	}
	now := db.now()
	for _, s := range subs {
		_, err := tx.ExecContext(ctx, `INSERT INTO substitutions (school_id, number, day, period, lesson, kind, flags, absent_teacher,
			teacher, subject, new_subject, room, new_room, classes, new_classes, text, imported_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			ON CONFLICT (school_id, day, number, period) DO UPDATE SET lesson = excluded.lesson, kind = excluded.kind,
			flags = excluded.flags, absent_teacher = excluded.absent_teacher, teacher = excluded.teacher, subject = excluded.subject,
			new_subject = excluded.new_subject, room = excluded.room, new_room = excluded.new_room, classes = excluded.classes,
			new_classes = excluded.new_classes, text = excluded.text, imported_at = excluded.imported_at`,
			school, s.Number, string(s.Day), s.Period, s.Lesson, s.Kind, s.Flags, s.AbsentTeacher, s.Teacher, s.Subject, s.NewSubject,
			s.Room, s.NewRoom, strings.Join(s.Classes, "~"), strings.Join(s.NewClasses, "~"), s.Text, now)
		if err != nil {
			return err
		}
	}
	return nil
}

// FindPlan returns the plan in force on the day (the latest that starts
// on or before it and has not ended), with its entries. The entries of a
// plan are read once and then kept (plans do not change), so that the
// week views of a whole school at 7:30 read the plan's id, not its rows.
// The returned plan is shared: callers must not change it.
func (db *DB) FindPlan(ctx context.Context, school schulhof.SchoolID, day schulhof.Day) (*schulhof.TimetablePlan, error) {
	var id int64
	var from, to string
	err := db.readRow(ctx, `SELECT id, valid_from, valid_to FROM timetable_plans WHERE school_id = $1 AND valid_from <= $2 AND valid_to >= $2
		ORDER BY valid_from DESC, id DESC LIMIT 1`, school, string(day)).Scan(&id, &from, &to)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if p, ok := db.plans.Load(id); ok {
		return p.(*schulhof.TimetablePlan), nil
	}
	p := &schulhof.TimetablePlan{ID: id, SchoolID: school, ValidFrom: schulhof.Day(from), ValidTo: schulhof.Day(to)}
	rows, err := db.readRows(ctx, `SELECT lesson, weekday, period, class_code, teacher, subject, room, COALESCE(group_id, 0), COALESCE(teacher_id, 0), week_group
		FROM timetable_entries WHERE plan_id = $1 ORDER BY weekday, period, lesson`, p.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e schulhof.TimetableEntry
		if err := rows.Scan(&e.Lesson, &e.Weekday, &e.Period, &e.Class, &e.Teacher, &e.Subject, &e.Room, &e.GroupID, &e.TeacherID, &e.WeekGroup); err != nil {
			return nil, err
		}
		p.Entries = append(p.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	db.plans.Store(id, p)
	return p, nil
}

// FindSubstitutions returns the substitutions from one day to another
// (inclusive), by day and period.
func (db *DB) FindSubstitutions(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]schulhof.Substitution, error) {
	rows, err := db.readRows(ctx, `SELECT number, day, period, lesson, kind, flags, absent_teacher, teacher, subject, new_subject, room,
		new_room, classes, new_classes, text FROM substitutions WHERE school_id = $1 AND day >= $2 AND day <= $3
		ORDER BY day, period, number`, school, string(from), string(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.Substitution
	for rows.Next() {
		var s schulhof.Substitution
		var day, classes, newClasses string
		if err := rows.Scan(&s.Number, &day, &s.Period, &s.Lesson, &s.Kind, &s.Flags, &s.AbsentTeacher, &s.Teacher, &s.Subject,
			&s.NewSubject, &s.Room, &s.NewRoom, &classes, &newClasses, &s.Text); err != nil {
			return nil, err
		}
		s.Day, s.Classes, s.NewClasses = schulhof.Day(day), splitList(classes), splitList(newClasses)
		out = append(out, s)
	}
	return out, rows.Err()
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "~")
}

var _ schulhof.LessonTimeService = (*DB)(nil)

// FindLessonTimes returns the school's grid, by weekday and period, or
// the default grid.
func (db *DB) FindLessonTimes(ctx context.Context, school schulhof.SchoolID) ([]schulhof.LessonTime, error) {
	// every week view and start page asks; it changes once a year
	return cached(db, fmt.Sprintf("lesson_times\x00%d", school), slices.Clone[[]schulhof.LessonTime],
		func() ([]schulhof.LessonTime, error) { return db.findLessonTimes(ctx, school) })
}

func (db *DB) findLessonTimes(ctx context.Context, school schulhof.SchoolID) ([]schulhof.LessonTime, error) {
	rows, err := db.readRows(ctx, `SELECT weekday, period, start_at, end_at FROM lesson_times WHERE school_id = $1 ORDER BY weekday, period`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.LessonTime
	for rows.Next() {
		var t schulhof.LessonTime
		if err := rows.Scan(&t.Weekday, &t.Period, &t.Start, &t.End); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return append([]schulhof.LessonTime(nil), schulhof.DefaultLessonTimes...), nil
	}
	return out, nil
}

// SetLessonTimes replaces the school's grid.
func (db *DB) SetLessonTimes(ctx context.Context, school schulhof.SchoolID, ts []schulhof.LessonTime) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM lesson_times WHERE school_id = $1`, school); err != nil {
			return err
		}
		for _, t := range ts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO lesson_times (school_id, weekday, period, start_at, end_at) VALUES ($1, $2, $3, $4, $5)`,
				school, t.Weekday, t.Period, t.Start, t.End); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "school.lesson_times", "", fmt.Sprintf("%d periods", len(ts)))
	})
}

// SetDayText sets (or with "" removes) the text of a day.
func (db *DB) SetDayText(ctx context.Context, school schulhof.SchoolID, day schulhof.Day, text string) error {
	text = strings.TrimSpace(text)
	if len([]rune(text)) > 2000 {
		return schulhof.Invalid("text", "field.too_long", 2000)
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM day_texts WHERE school_id = $1 AND day = $2`, school, string(day)); err != nil {
			return err
		}
		if text == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO day_texts (school_id, day, text) VALUES ($1, $2, $3)`, school, string(day), text)
		return err
	})
}

// FindDayTexts returns the texts of the days from one to another.
func (db *DB) FindDayTexts(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) (map[schulhof.Day]string, error) {
	rows, err := db.readRows(ctx, `SELECT day, text FROM day_texts WHERE school_id = $1 AND day >= $2 AND day <= $3`, school, string(from), string(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[schulhof.Day]string{}
	for rows.Next() {
		var d, t string
		if err := rows.Scan(&d, &t); err != nil {
			return nil, err
		}
		out[schulhof.Day(d)] = t
	}
	return out, rows.Err()
}

// InfoToken returns the secret of the school's info screen, making one
// the first time (or anew with renew, which ends the old address).
func (db *DB) InfoToken(ctx context.Context, school schulhof.SchoolID, renew bool) (string, error) {
	var tok string
	if !renew {
		if err := db.readRow(ctx, `SELECT info_token FROM schools WHERE id = $1`, school).Scan(&tok); err != nil {
			return "", notFound(err, "school.not_found")
		}
		if tok != "" {
			return tok, nil
		}
	}
	tok = randomToken()
	err := db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE schools SET info_token = $1 WHERE id = $2`, tok, school); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "school.info_token", "", "")
	})
	return tok, err
}

// FindSchoolByInfoToken returns the school whose info screen this is.
func (db *DB) FindSchoolByInfoToken(ctx context.Context, tok string) (*schulhof.School, error) {
	if len(tok) < 20 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "error.not_found")
	}
	s, err := scanSchool(db.readRow(ctx, `SELECT `+schoolColumns+` FROM schools WHERE info_token = $1`, tok))
	return s, notFound(err, "error.not_found")
}

// PlanStamp is when the school's plan or substitutions last changed, for
// screens that reload then.
func (db *DB) PlanStamp(ctx context.Context, school schulhof.SchoolID) (int64, error) {
	var a, b sql.NullInt64
	err := db.readRow(ctx, `SELECT (SELECT MAX(imported_at) FROM timetable_plans WHERE school_id = $1),
		(SELECT MAX(imported_at) FROM substitutions WHERE school_id = $1)`, school).Scan(&a, &b)
	return max(a.Int64, b.Int64), err
}

// randomToken is 32 random characters, for secret addresses.
func randomToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// CalendarToken returns the user's calendar feed token, making one the
// first time, or a new one with renew (which ends the old address).
func (db *DB) CalendarToken(ctx context.Context, user schulhof.UserID, renew bool) (string, error) {
	var tok string
	if !renew {
		err := db.readRow(ctx, `SELECT token FROM calendar_feeds WHERE user_id = $1`, user).Scan(&tok)
		if err == nil {
			return tok, nil
		}
		if err != sql.ErrNoRows {
			return "", err
		}
	}
	tok = randomToken()
	err := db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE user_id = $1`, user); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3)`, user, tok, db.now())
		return err
	})
	return tok, err
}

// FindUserByCalendarToken returns the active user whose feed this is.
func (db *DB) FindUserByCalendarToken(ctx context.Context, tok string) (*schulhof.User, error) {
	if len(tok) < 20 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "error.not_found")
	}
	var id schulhof.UserID
	var school sql.NullInt64
	err := db.readRow(ctx, `SELECT u.id, u.school_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id
		WHERE f.token = $1 AND u.active`, tok).Scan(&id, &school)
	if err != nil {
		return nil, notFound(err, "error.not_found")
	}
	return db.FindUserByID(ctx, schulhof.SchoolID(school.Int64), id)
}

// FindSchoolHolidays returns the school's holidays, by date.
func (db *DB) FindSchoolHolidays(ctx context.Context, school schulhof.SchoolID) ([]schulhof.SchoolHoliday, error) {
	rows, err := db.readRows(ctx, `SELECT name, from_day, to_day FROM school_holidays WHERE school_id = $1 ORDER BY from_day, name`, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.SchoolHoliday
	for rows.Next() {
		var h schulhof.SchoolHoliday
		var from, to string
		if err := rows.Scan(&h.Name, &from, &to); err != nil {
			return nil, err
		}
		h.From, h.To = schulhof.Day(from), schulhof.Day(to)
		out = append(out, h)
	}
	return out, rows.Err()
}

// SetSchoolHolidays replaces the school's holidays.
func (db *DB) SetSchoolHolidays(ctx context.Context, school schulhof.SchoolID, hs []schulhof.SchoolHoliday) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM school_holidays WHERE school_id = $1`, school); err != nil {
			return err
		}
		for _, h := range hs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO school_holidays (school_id, name, from_day, to_day) VALUES ($1, $2, $3, $4)`,
				school, h.Name, string(h.From), string(h.To)); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "school.holidays", "", fmt.Sprintf("%d", len(hs)))
	})
}

// replaceExams replaces the exams of every day the new ones are on.
func (db *DB) replaceExams(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, exams []schulhof.Exam) error {
	days := map[schulhof.Day]bool{}
	for _, e := range exams {
		days[e.Day] = true
	}
	for d := range days {
		if _, err := tx.ExecContext(ctx, `DELETE FROM timetable_exams WHERE school_id = $1 AND day = $2`, school, string(d)); err != nil {
			return err
		}
	}
	for _, e := range exams {
		lessons := make([]string, len(e.Lessons))
		for i, l := range e.Lessons {
			lessons[i] = strconv.Itoa(l)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO timetable_exams (school_id, number, day, from_period, to_period, name, text, subjects, lessons, rooms)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, school, e.Number, string(e.Day), e.From, e.To, e.Name, e.Text,
			strings.Join(e.Subjects, "~"), strings.Join(lessons, "~"), strings.Join(e.Rooms, "~")); err != nil {
			return err
		}
	}
	// the exam plan checks against Untis's exams too
	return bumpExamVersion(ctx, tx, school)
}

// FindExams returns the exams from one day to another, by day and period.
func (db *DB) FindExams(ctx context.Context, school schulhof.SchoolID, from, to schulhof.Day) ([]schulhof.Exam, error) {
	rows, err := db.readRows(ctx, `SELECT number, day, from_period, to_period, name, text, subjects, lessons, rooms FROM timetable_exams
		WHERE school_id = $1 AND day >= $2 AND day <= $3 ORDER BY day, from_period, number`, school, string(from), string(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.Exam
	for rows.Next() {
		var e schulhof.Exam
		var day, subjects, lessons, rooms string
		if err := rows.Scan(&e.Number, &day, &e.From, &e.To, &e.Name, &e.Text, &subjects, &lessons, &rooms); err != nil {
			return nil, err
		}
		e.Day, e.Subjects, e.Rooms = schulhof.Day(day), splitList(subjects), splitList(rooms)
		for _, l := range splitList(lessons) {
			if n, err := strconv.Atoi(l); err == nil {
				e.Lessons = append(e.Lessons, n)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

var _ schulhof.WeekModelService = (*DB)(nil)

// FindWeekModel returns the school's week model (Weeks 0: none).
func (db *DB) FindWeekModel(ctx context.Context, school schulhof.SchoolID) (schulhof.WeekModel, error) {
	m := schulhof.WeekModel{Groups: [][]string{}}
	var start, groups string
	err := db.readRow(ctx, `SELECT weeks, start_day, skip_holidays, groups_json FROM week_models WHERE school_id = $1`, school).
		Scan(&m.Weeks, &start, &m.SkipHolidays, &groups)
	if errors.Is(err, sql.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	m.Start = schulhof.Day(start)
	if err := json.Unmarshal([]byte(groups), &m.Groups); err != nil {
		return m, fmt.Errorf("week model of school %d: %w", school, err)
	}
	return m, nil
}

// SetWeekModel replaces the school's week model; one without a rotation
// removes it.
func (db *DB) SetWeekModel(ctx context.Context, school schulhof.SchoolID, m schulhof.WeekModel) error {
	groups, err := json.Marshal(m.Groups)
	if err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM week_models WHERE school_id = $1`, school); err != nil {
			return err
		}
		if m.Weeks >= 2 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO week_models (school_id, weeks, start_day, skip_holidays, groups_json) VALUES ($1, $2, $3, $4, $5)`,
				school, m.Weeks, string(m.Start), m.SkipHolidays, string(groups)); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "school.week_model", "", fmt.Sprintf("%d %s", m.Weeks, m.Start))
	})
}
