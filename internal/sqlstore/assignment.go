package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.AssignmentService = (*DB)(nil)

const assignmentColumns = `a.id, a.school_id, a.title, a.description, a.starts_at, a.due_at, a.allow_late, a.reviewed_at,
	a.created_by, a.created_at, a.updated_at`

func scanAssignment(row interface{ Scan(...any) error }) (*schulhof.Assignment, error) {
	var a schulhof.Assignment
	var starts, due, created, updated int64
	var reviewed sql.NullInt64
	if err := row.Scan(&a.ID, &a.SchoolID, &a.Title, &a.Description, &starts, &due, &a.AllowLate, &reviewed,
		&a.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	a.StartsAt, a.DueAt = time.Unix(starts, 0), time.Unix(due, 0)
	a.CreatedAt, a.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	a.ReviewedAt = nullTime(reviewed)
	a.Groups, a.Attachments = []schulhof.GroupID{}, []*schulhof.AssignmentFile{}
	return &a, nil
}

func nullTime(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0)
	return &t
}

const assignmentFileColumns = `f.id, f.assignment_id, f.student_id, f.name, f.size, f.sha256, f.content_type, f.blob_key, f.uploaded_by, f.created_at`

func scanAssignmentFile(row interface{ Scan(...any) error }) (*schulhof.AssignmentFile, schulhof.AssignmentID, error) {
	var f schulhof.AssignmentFile
	var assignment schulhof.AssignmentID
	var created int64
	err := row.Scan(&f.ID, &assignment, &f.Student, &f.Name, &f.Size, &f.SHA256, &f.ContentType, &f.BlobKey, &f.UploadedBy, &created)
	f.CreatedAt = time.Unix(created, 0)
	return &f, assignment, err
}

// fillAssignments adds groups and attachments to the assignments.
func fillAssignments(ctx context.Context, q querier, as []*schulhof.Assignment) error {
	if len(as) == 0 {
		return nil
	}
	byID := make(map[schulhof.AssignmentID]*schulhof.Assignment, len(as))
	ids := make([]string, len(as))
	for i, a := range as {
		byID[a.ID] = a
		ids[i] = fmt.Sprint(int64(a.ID))
	}
	in := strings.Join(ids, ",") // integers from the database, not input
	rows, err := q.QueryContext(ctx, `SELECT assignment_id, group_id FROM assignment_groups WHERE assignment_id IN (`+in+`) ORDER BY group_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var a schulhof.AssignmentID
		var g schulhof.GroupID
		if err := rows.Scan(&a, &g); err != nil {
			rows.Close()
			return err
		}
		byID[a].Groups = append(byID[a].Groups, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+assignmentFileColumns+` FROM assignment_files f
		WHERE f.assignment_id IN (`+in+`) AND f.student_id = 0 ORDER BY f.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		f, a, err := scanAssignmentFile(rows)
		if err != nil {
			return err
		}
		byID[a].Attachments = append(byID[a].Attachments, f)
	}
	return rows.Err()
}

// CreateAssignment stores a new assignment with its groups, which must be
// groups of the school.
func (db *DB) CreateAssignment(ctx context.Context, a *schulhof.Assignment) error {
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		now := db.now()
		err := tx.QueryRowContext(ctx, `INSERT INTO assignments (school_id, title, description, starts_at, due_at, allow_late,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id`,
			a.SchoolID, a.Title, a.Description, a.StartsAt.Unix(), a.DueAt.Unix(), a.AllowLate, a.CreatedBy, now).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("insert assignment: %w", err)
		}
		a.CreatedAt, a.UpdatedAt = time.Unix(now, 0), time.Unix(now, 0)
		a.Attachments = []*schulhof.AssignmentFile{}
		return setAssignmentGroups(ctx, tx, a.SchoolID, a.ID, a.Groups)
	})
}

func setAssignmentGroups(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, id schulhof.AssignmentID, groups []schulhof.GroupID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM assignment_groups WHERE assignment_id = $1`, id); err != nil {
		return err
	}
	seen := map[schulhof.GroupID]bool{}
	for _, g := range groups {
		if seen[g] {
			continue
		}
		seen[g] = true
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM groups WHERE id = $1 AND school_id = $2`, g, school).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "group.not_found")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assignment_groups (assignment_id, group_id) VALUES ($1, $2)`, id, g); err != nil {
			return err
		}
	}
	return nil
}

// FindAssignment returns an assignment of the school with its groups and
// attachments.
func (db *DB) FindAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) (*schulhof.Assignment, error) {
	a, err := scanAssignment(db.readRow(ctx, `SELECT `+assignmentColumns+` FROM assignments a WHERE a.id = $1 AND a.school_id = $2`, id, school))
	if err != nil {
		return nil, notFound(err, "assignment.not_found")
	}
	return a, fillAssignments(ctx, readQuerier{db}, []*schulhof.Assignment{a})
}

// FindAssignmentsFor lists what the user set, and what is set for a group
// the user or one of their children is in.
func (db *DB) FindAssignmentsFor(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID) ([]*schulhof.Assignment, error) {
	// the start page asks on every visit
	return cached(db, fmt.Sprintf("assignments_for\x00%d\x00%d", school, user), cloneAssignments,
		func() ([]*schulhof.Assignment, error) { return db.findAssignmentsFor(ctx, school, user) })
}

func cloneAssignments(as []*schulhof.Assignment) []*schulhof.Assignment {
	out := make([]*schulhof.Assignment, len(as))
	for i, a := range as {
		c := *a
		c.Groups = slices.Clone(a.Groups)
		if a.ReviewedAt != nil {
			t := *a.ReviewedAt
			c.ReviewedAt = &t
		}
		c.Attachments = make([]*schulhof.AssignmentFile, len(a.Attachments))
		for j, f := range a.Attachments {
			fc := *f
			c.Attachments[j] = &fc
		}
		out[i] = &c
	}
	return out
}

func (db *DB) findAssignmentsFor(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID) ([]*schulhof.Assignment, error) {
	rows, err := db.readRows(ctx, `SELECT `+assignmentColumns+` FROM assignments a WHERE a.school_id = $1 AND (a.created_by = $2
		OR a.id IN (SELECT ag.assignment_id FROM assignment_groups ag JOIN memberships m ON m.group_id = ag.group_id
			WHERE m.user_id = $2 OR m.user_id IN (SELECT child_id FROM parent_links WHERE parent_id = $2)))
		ORDER BY a.due_at DESC, a.id DESC`, school, user)
	if err != nil {
		return nil, err
	}
	var out []*schulhof.Assignment
	for rows.Next() {
		a, err := scanAssignment(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, fillAssignments(ctx, readQuerier{db}, out)
}

// UpdateAssignment changes what the update names.
func (db *DB) UpdateAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, upd schulhof.AssignmentUpdate) (*schulhof.Assignment, error) {
	var out *schulhof.Assignment
	err := db.update(ctx, func(tx *sql.Tx) error {
		a, err := scanAssignment(tx.QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM assignments a
			WHERE a.id = $1 AND a.school_id = $2`+db.forUpdate(), id, school))
		if err != nil {
			return notFound(err, "assignment.not_found")
		}
		if err := fillAssignments(ctx, tx, []*schulhof.Assignment{a}); err != nil {
			return err
		}
		if upd.Title != nil {
			a.Title = *upd.Title
		}
		if upd.Description != nil {
			a.Description = *upd.Description
		}
		if upd.Groups != nil {
			a.Groups = upd.Groups
		}
		if upd.StartsAt != nil {
			a.StartsAt = *upd.StartsAt
		}
		if upd.DueAt != nil {
			a.DueAt = *upd.DueAt
		}
		if upd.AllowLate != nil {
			a.AllowLate = *upd.AllowLate
		}
		now := db.now()
		if upd.Reviewed != nil {
			if !*upd.Reviewed {
				a.ReviewedAt = nil
			} else if a.ReviewedAt == nil {
				t := time.Unix(now, 0)
				a.ReviewedAt = &t
			}
		}
		a.Normalize()
		if err := a.Validate(); err != nil {
			return err
		}
		var reviewed any
		if a.ReviewedAt != nil {
			reviewed = a.ReviewedAt.Unix()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assignments SET title = $1, description = $2, starts_at = $3, due_at = $4,
			allow_late = $5, reviewed_at = $6, updated_at = $7 WHERE id = $8`,
			a.Title, a.Description, a.StartsAt.Unix(), a.DueAt.Unix(), a.AllowLate, reviewed, now, a.ID); err != nil {
			return err
		}
		a.UpdatedAt = time.Unix(now, 0)
		if upd.Groups != nil {
			if err := setAssignmentGroups(ctx, tx, school, a.ID, upd.Groups); err != nil {
				return err
			}
			a.Groups = dedupeGroups(upd.Groups)
		}
		out = a
		return nil
	})
	return out, err
}

func dedupeGroups(gs []schulhof.GroupID) []schulhof.GroupID {
	out := append([]schulhof.GroupID(nil), gs...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	k := 0
	for i, g := range out {
		if i == 0 || g != out[k-1] {
			out[k] = g
			k++
		}
	}
	return out[:k]
}

// DeleteAssignment removes an assignment with its hand-ins and feedback;
// the sweeper removes the files' bytes.
func (db *DB) DeleteAssignment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var title string
		if err := tx.QueryRowContext(ctx, `SELECT title FROM assignments WHERE id = $1 AND school_id = $2`, id, school).Scan(&title); err != nil {
			return notFound(err, "assignment.not_found")
		}
		for _, q := range []string{`DELETE FROM assignment_files WHERE assignment_id = $1`, `DELETE FROM submissions WHERE assignment_id = $1`,
			`DELETE FROM assignment_groups WHERE assignment_id = $1`, `DELETE FROM assignments WHERE id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, school, "assignment.delete", title, "")
	})
}

func insertAssignmentFile(ctx context.Context, tx *sql.Tx, id schulhof.AssignmentID, student schulhof.UserID, c schulhof.NamedContent, by schulhof.UserID, now int64) (*schulhof.AssignmentFile, error) {
	name, err := schulhof.CleanName(c.Name)
	if err != nil {
		return nil, err
	}
	f := &schulhof.AssignmentFile{Student: student, Name: name, Size: c.Size, SHA256: c.SHA256, ContentType: c.ContentType,
		BlobKey: c.BlobKey, UploadedBy: by, CreatedAt: time.Unix(now, 0)}
	err = tx.QueryRowContext(ctx, `INSERT INTO assignment_files (assignment_id, student_id, name, size, sha256, content_type, blob_key,
		uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		id, student, f.Name, f.Size, f.SHA256, f.ContentType, f.BlobKey, by, now).Scan(&f.ID)
	return f, err
}

// AddAttachment attaches a stored file to the assignment.
func (db *DB) AddAttachment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, c schulhof.NamedContent) (*schulhof.AssignmentFile, error) {
	var out *schulhof.AssignmentFile
	err := db.update(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM assignments WHERE id = $1 AND school_id = $2`, id, school).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
		}
		now := db.now()
		f, err := insertAssignmentFile(ctx, tx, id, 0, c, schulhof.UserID(actorID(ctx)), now)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE assignments SET updated_at = $1 WHERE id = $2`, now, id)
		out = f
		return err
	})
	return out, err
}

// DeleteAttachment removes an attachment (not a hand-in's file).
func (db *DB) DeleteAttachment(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, file int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM assignment_files WHERE id = $1 AND student_id = 0 AND assignment_id IN
			(SELECT id FROM assignments WHERE id = $2 AND school_id = $3)`, file, id, school)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		return nil
	})
}

// FindAssignmentFile returns an attachment or a hand-in's file.
func (db *DB) FindAssignmentFile(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, file int64) (*schulhof.AssignmentFile, error) {
	f, _, err := scanAssignmentFile(db.readRow(ctx, `SELECT `+assignmentFileColumns+` FROM assignment_files f
		JOIN assignments a ON a.id = f.assignment_id WHERE f.id = $1 AND a.id = $2 AND a.school_id = $3`, file, id, school))
	return f, notFound(err, "file.not_found")
}

// AssignmentStudents lists the active students in the assignment's groups, by name.
func (db *DB) AssignmentStudents(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) ([]*schulhof.User, error) {
	return queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u WHERE u.school_id = $1 AND u.role = $2 AND u.active
		AND u.id IN (SELECT m.user_id FROM memberships m JOIN assignment_groups ag ON ag.group_id = m.group_id
			WHERE ag.assignment_id = $3 AND m.role = $4)
		ORDER BY u.sort_name, u.id`, school, int(schulhof.RoleStudent), id, string(schulhof.MemberRoleMember))
}

// isAssignmentStudent checks within tx that the student is in one of the
// assignment's groups.
func isAssignmentStudent(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID) error {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN assignment_groups ag ON ag.group_id = m.group_id
		JOIN assignments a ON a.id = ag.assignment_id JOIN users u ON u.id = m.user_id
		WHERE a.id = $1 AND a.school_id = $2 AND m.user_id = $3 AND m.role = $4 AND u.role = $5`,
		id, school, student, string(schulhof.MemberRoleMember), int(schulhof.RoleStudent)).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
	}
	return nil
}

// HandIn sets the student's text and files in one transaction: the
// earlier files not kept go (their bytes are left to the sweeper), a new
// file takes the place of a kept one of its name. The feedback stays.
func (db *DB) HandIn(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID, text string, keep []int64, files []schulhof.NamedContent) (*schulhof.Submission, error) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) > schulhof.MaxAssignmentText {
		return nil, schulhof.Invalid("text", "field.too_long", schulhof.MaxAssignmentText)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name, err := schulhof.CleanName(f.Name)
		if err != nil {
			return nil, err
		}
		if seen[schulhof.NameKey(name)] {
			return nil, schulhof.Invalid("files", "file.name_taken")
		}
		seen[schulhof.NameKey(name)] = true
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := isAssignmentStudent(ctx, tx, school, id, student); err != nil {
			return err
		}
		now := db.now()
		kept, err := keptFiles(ctx, tx, id, student, keep, seen)
		if err != nil {
			return err
		}
		if text == "" && len(files) == 0 && kept == 0 {
			return schulhof.Invalid("text", "assignment.hand_in.empty")
		}
		for _, f := range files {
			if _, err := insertAssignmentFile(ctx, tx, id, student, f, student, now); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE submissions SET text = $1, submitted_at = $2 WHERE assignment_id = $3 AND student_id = $4`,
			text, now, id, student)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO submissions (assignment_id, student_id, text, submitted_at) VALUES ($1, $2, $3, $4)`,
				id, student, text, now)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.FindSubmission(ctx, school, id, student)
}

// keptFiles removes the student's earlier files of the hand-in that keep
// does not name, and those a new file (by its name in replaced) takes
// the place of; it says how many stay.
func keptFiles(ctx context.Context, tx *sql.Tx, id schulhof.AssignmentID, student schulhof.UserID, keep []int64, replaced map[string]bool) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM assignment_files WHERE assignment_id = $1 AND student_id = $2`, id, student)
	if err != nil {
		return 0, err
	}
	var gone []int64
	stay := 0
	for rows.Next() {
		var f int64
		var name string
		if err := rows.Scan(&f, &name); err != nil {
			rows.Close()
			return 0, err
		}
		if slices.Contains(keep, f) && !replaced[schulhof.NameKey(name)] {
			stay++
		} else {
			gone = append(gone, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, f := range gone {
		if _, err := tx.ExecContext(ctx, `DELETE FROM assignment_files WHERE id = $1`, f); err != nil {
			return 0, err
		}
	}
	return stay, nil
}

// SetFeedback writes the teacher's feedback on a student's work, handed
// in or not.
func (db *DB) SetFeedback(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID, text string) (*schulhof.Submission, error) {
	text = strings.TrimSpace(text)
	if len([]rune(text)) > schulhof.MaxAssignmentText {
		return nil, schulhof.Invalid("feedback", "field.too_long", schulhof.MaxAssignmentText)
	}
	err := db.update(ctx, func(tx *sql.Tx) error {
		if err := isAssignmentStudent(ctx, tx, school, id, student); err != nil {
			return err
		}
		now, by := db.now(), actorID(ctx)
		res, err := tx.ExecContext(ctx, `UPDATE submissions SET feedback = $1, feedback_by = $2, feedback_at = $3
			WHERE assignment_id = $4 AND student_id = $5`, text, by, now, id, student)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO submissions (assignment_id, student_id, feedback, feedback_by, feedback_at)
				VALUES ($1, $2, $3, $4, $5)`, id, student, text, by, now)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.FindSubmission(ctx, school, id, student)
}

// FindSubmission returns a student's submission (empty if nothing was
// handed in); the student must be in one of the assignment's groups.
func (db *DB) FindSubmission(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, student schulhof.UserID) (*schulhof.Submission, error) {
	subs, err := db.findSubmissions(ctx, school, id, student)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
	}
	return subs[0], nil
}

// FindSubmissions returns every student's submission, by name.
func (db *DB) FindSubmissions(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID) ([]*schulhof.Submission, error) {
	return db.findSubmissions(ctx, school, id, 0)
}

func (db *DB) findSubmissions(ctx context.Context, school schulhof.SchoolID, id schulhof.AssignmentID, only schulhof.UserID) ([]*schulhof.Submission, error) {
	var out []*schulhof.Submission
	err := db.view(ctx, func(tx *sql.Tx) error {
		a, err := scanAssignment(tx.QueryRowContext(ctx, `SELECT `+assignmentColumns+` FROM assignments a WHERE a.id = $1 AND a.school_id = $2`, id, school))
		if err != nil {
			return notFound(err, "assignment.not_found")
		}
		students, err := queryUsers(ctx, tx, `SELECT `+userColumns+` FROM users u WHERE u.school_id = $1 AND u.role = $2
			AND (CAST($3 AS BIGINT) = 0 OR u.id = CAST($3 AS BIGINT))
			AND u.id IN (SELECT m.user_id FROM memberships m JOIN assignment_groups ag ON ag.group_id = m.group_id
				WHERE ag.assignment_id = $4 AND m.role = $5)
			ORDER BY u.sort_name, u.id`, school, int(schulhof.RoleStudent), int64(only), id, string(schulhof.MemberRoleMember))
		if err != nil {
			return err
		}
		byStudent := map[schulhof.UserID]*schulhof.Submission{}
		for _, u := range students {
			if !u.Active && only == 0 {
				continue // a student who left is not listed as missing
			}
			s := &schulhof.Submission{AssignmentID: id, Student: u, Files: []*schulhof.AssignmentFile{}}
			byStudent[u.ID] = s
			out = append(out, s)
		}
		rows, err := tx.QueryContext(ctx, `SELECT student_id, text, submitted_at, feedback, COALESCE(feedback_by, 0), feedback_at
			FROM submissions WHERE assignment_id = $1`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var student schulhof.UserID
			var text, feedback string
			var by schulhof.UserID
			var submitted, fbAt sql.NullInt64
			if err := rows.Scan(&student, &text, &submitted, &feedback, &by, &fbAt); err != nil {
				rows.Close()
				return err
			}
			if s := byStudent[student]; s != nil {
				s.Text, s.SubmittedAt, s.Feedback, s.FeedbackBy, s.FeedbackAt = text, nullTime(submitted), feedback, by, nullTime(fbAt)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.QueryContext(ctx, `SELECT `+assignmentFileColumns+` FROM assignment_files f
			WHERE f.assignment_id = $1 AND f.student_id <> 0 ORDER BY f.name, f.id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, _, err := scanAssignmentFile(rows)
			if err != nil {
				return err
			}
			if s := byStudent[f.Student]; s != nil {
				s.Files = append(s.Files, f)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		now := db.Now()
		for _, s := range out {
			s.Status = a.StatusAt(s.SubmittedAt, now)
		}
		return nil
	})
	return out, err
}
