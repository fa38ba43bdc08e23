package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.UploadService = (*DB)(nil)

const uploadColumns = `id, school_id, space_kind, space_id, parent_id, name, size, user_id, created_at`

func scanUpload(row interface{ Scan(...any) error }) (*schulhof.Upload, error) {
	var u schulhof.Upload
	var created int64
	if err := row.Scan(&u.ID, &u.SchoolID, &u.Space.Kind, &u.Space.ID, &u.ParentID, &u.Name, &u.Size, &u.UserID, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = time.Unix(created, 0)
	return &u, nil
}

// CreateUpload records an upload under way.
func (db *DB) CreateUpload(ctx context.Context, u *schulhof.Upload) error {
	name, err := schulhof.CleanName(u.Name)
	if err != nil {
		return err
	}
	u.Name, u.CreatedAt = name, time.Unix(db.now(), 0)
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (`+uploadColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.ID, u.SchoolID, string(u.Space.Kind), u.Space.ID, int64(u.ParentID), u.Name, u.Size, u.UserID, u.CreatedAt.Unix())
		return err
	})
}

// FindUpload returns one of the user's uploads.
func (db *DB) FindUpload(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID, id string) (*schulhof.Upload, error) {
	u, err := scanUpload(db.readRow(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = $1 AND school_id = $2 AND user_id = $3`, id, school, user))
	return u, notFound(err, "upload.not_found")
}

// DeleteUpload forgets an upload (finished or abandoned).
func (db *DB) DeleteUpload(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = $1`, id)
		return err
	})
}

// FindUploadsBefore lists uploads started before the time.
func (db *DB) FindUploadsBefore(ctx context.Context, before time.Time) ([]*schulhof.Upload, error) {
	rows, err := db.readRows(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE created_at < $1 ORDER BY created_at LIMIT 1000`, before.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Upload
	for rows.Next() {
		u, err := scanUpload(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
