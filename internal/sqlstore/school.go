package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.SchoolService = (*DB)(nil)

const schoolColumns = `id, slug, name, state, school_type, require_two_factor, show_teacher_codes, quotas, created_at`

func scanSchool(row interface{ Scan(...any) error }) (*schulhof.School, error) {
	var s schulhof.School
	var created int64
	var quotas string
	if err := row.Scan(&s.ID, &s.Slug, &s.Name, &s.State, &s.Type, &s.Require2FA, &s.ShowTeacherCodes, &quotas, &created); err != nil {
		return nil, err
	}
	s.Quotas = map[string]int64{}
	if err := json.Unmarshal([]byte(quotas), &s.Quotas); err != nil {
		return nil, fmt.Errorf("school %d: quotas: %w", s.ID, err)
	}
	s.CreatedAt = time.Unix(created, 0)
	return &s, nil
}

// FindSchoolByID returns the school or ENotFound.
func (db *DB) FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error) {
	s, err := scanSchool(db.readRow(ctx, `SELECT `+schoolColumns+` FROM schools WHERE id = $1`, id))
	return s, notFound(err, "school.not_found")
}

// FindSchoolBySlug returns the school or ENotFound.
func (db *DB) FindSchoolBySlug(ctx context.Context, slug string) (*schulhof.School, error) {
	s, err := scanSchool(db.readRow(ctx, `SELECT `+schoolColumns+` FROM schools WHERE slug = $1`, slug))
	return s, notFound(err, "school.not_found")
}

// FindSchools returns all schools by name.
func (db *DB) FindSchools(ctx context.Context) ([]*schulhof.School, error) {
	rows, err := db.readRows(ctx, `SELECT `+schoolColumns+` FROM schools ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.School
	for rows.Next() {
		s, err := scanSchool(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateSchool validates and stores s, filling ID and CreatedAt.
func (db *DB) CreateSchool(ctx context.Context, s *schulhof.School) error {
	s.Normalize()
	if err := s.Validate(); err != nil {
		return err
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		s.CreatedAt = time.Unix(db.now(), 0)
		quotas, _ := json.Marshal(s.Quotas)
		err := tx.QueryRowContext(ctx, `INSERT INTO schools (slug, name, state, school_type, require_two_factor, quotas, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.Slug, s.Name, s.State, s.Type, s.Require2FA, string(quotas), s.CreatedAt.Unix()).Scan(&s.ID)
		if isUnique(err) {
			return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
				Fields: []schulhof.FieldError{{Field: "slug", Key: "school.slug.taken"}}}
		}
		if err != nil {
			return fmt.Errorf("insert school: %w", err)
		}
		return db.audit(ctx, tx, s.ID, "school.create", s.Slug, s.Name)
	})
}

// UpdateSchool changes the given fields.
func (db *DB) UpdateSchool(ctx context.Context, id schulhof.SchoolID, upd schulhof.SchoolUpdate) (*schulhof.School, error) {
	var out *schulhof.School
	err := db.update(ctx, func(tx *sql.Tx) error {
		s, err := scanSchool(tx.QueryRowContext(ctx, `SELECT `+schoolColumns+` FROM schools WHERE id = $1`, id))
		if err != nil {
			return notFound(err, "school.not_found")
		}
		if upd.Name != nil {
			s.Name = *upd.Name
		}
		if upd.State != nil {
			s.State = *upd.State
		}
		if upd.Type != nil {
			s.Type = *upd.Type
		}
		if upd.Require2FA != nil {
			s.Require2FA = *upd.Require2FA
		}
		if upd.ShowTeacherCodes != nil {
			s.ShowTeacherCodes = *upd.ShowTeacherCodes
		}
		if upd.Quotas != nil {
			s.Quotas = map[string]int64{}
			for k, b := range upd.Quotas {
				if b != 0 {
					s.Quotas[k] = b
				}
			}
		}
		s.Normalize()
		if err := s.Validate(); err != nil {
			return err
		}
		quotas, _ := json.Marshal(s.Quotas)
		if _, err := tx.ExecContext(ctx, `UPDATE schools SET name = $1, state = $2, school_type = $3, require_two_factor = $4, quotas = $5,
			show_teacher_codes = $6 WHERE id = $7`, s.Name, s.State, s.Type, s.Require2FA, string(quotas), s.ShowTeacherCodes, id); err != nil {
			return fmt.Errorf("update school: %w", err)
		}
		out = s
		return db.audit(ctx, tx, id, "school.update", s.Slug, fmt.Sprintf("name=%q state=%s type=%s require_2fa=%t quotas=%s", s.Name, s.State, s.Type, s.Require2FA, quotas))
	})
	return out, err
}

// templateTables are the settings a school made from a template takes
// over: lesson times, the A/B week model, the exam rules, the
// messenger's rules, the retention of data and of device records.
var templateTables = []struct{ table, cols string }{
	{"lesson_times", "weekday, period, start_at, end_at"},
	{"week_models", "weeks, start_day, skip_holidays, groups_json"},
	{"exam_settings", "rules_json, announce_days"},
	{"chat_settings", "settings_json"},
	{"retention", "leaver_days, chat_days, log_days, archive_days"},
	{"device_retention", "loan_years, damage_years"},
}

// CopySchoolSettings gives the school the settings of the template
// school (templateTables, and whether staff need two-factor), replacing
// its own, in one transaction.
func (db *DB) CopySchoolSettings(ctx context.Context, template, school schulhof.SchoolID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var slug string
		if err := tx.QueryRowContext(ctx, `SELECT slug FROM schools WHERE id = $1`, template).Scan(&slug); err != nil {
			return notFound(err, "school.not_found")
		}
		for _, t := range templateTables {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE school_id = $1`, school); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO `+t.table+` (school_id, `+t.cols+`) SELECT $1, `+t.cols+` FROM `+t.table+
				` WHERE school_id = $2`, school, template); err != nil {
				return fmt.Errorf("copy %s: %w", t.table, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE schools SET require_two_factor = (SELECT require_two_factor FROM schools WHERE id = $1) WHERE id = $2`,
			template, school); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "school.template", slug, "")
	})
}
