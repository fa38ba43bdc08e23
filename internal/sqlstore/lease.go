package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// HoldLease takes the lease name for holder, or renews it, until d from
// now; false when another holder has it and its time has not passed.
// One statement: two nodes asking at once cannot both get it.
func (db *DB) HoldLease(ctx context.Context, name, holder string, d time.Duration) (bool, error) {
	now := db.Now()
	var got string
	err := db.write.QueryRowContext(ctx, `INSERT INTO leases (name, holder, until) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.until <= $4 OR leases.holder = excluded.holder
		RETURNING holder`, name, holder, now.Add(d).Unix(), now.Unix()).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil && got == holder, err
}

// ReleaseLease gives the lease up (a node that stops), so that another
// takes it at once.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
	return err
}
