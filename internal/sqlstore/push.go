package sqlstore

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/schulhof/schulhof"
)

// SavePushSubscription keeps a browser's Web Push subscription for the
// user; the same endpoint again replaces its keys (and its user: a shared
// iPad that someone else logs in on).
func (db *DB) SavePushSubscription(ctx context.Context, u *schulhof.User, s *schulhof.PushSubscription) error {
	return db.chatUpdate(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth`,
			u.ID, s.Endpoint, s.P256dh, s.Auth, db.now())
		return err
	})
}

// DeletePushSubscription forgets an endpoint: the user turned
// notifications off, or the push service says it is gone (user 0).
func (db *DB) DeletePushSubscription(ctx context.Context, user schulhof.UserID, endpoint string) error {
	return db.chatUpdate(ctx, func(tx *sql.Tx) error {
		q, args := `DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2`, []any{endpoint, user}
		if user == 0 {
			q, args = `DELETE FROM push_subscriptions WHERE endpoint = $1`, []any{endpoint}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// PushSubscriptions returns the subscriptions of the users.
func (db *DB) PushSubscriptions(ctx context.Context, users []schulhof.UserID) ([]*schulhof.PushSubscription, error) {
	var out []*schulhof.PushSubscription
	for len(users) > 0 {
		batch := users[:min(len(users), 500)]
		users = users[len(batch):]
		ids := make([]any, len(batch))
		for i, id := range batch {
			ids[i] = id
		}
		rows, err := db.read.QueryContext(ctx, `SELECT user_id, endpoint, p256dh, auth FROM push_subscriptions WHERE user_id IN (`+placeholders(len(ids))+`)`, ids...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			s := &schulhof.PushSubscription{}
			if err := rows.Scan(&s.User, &s.Endpoint, &s.P256dh, &s.Auth); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// placeholders is "$1, $2, ... $n".
func placeholders(n int) string {
	b := make([]byte, 0, n*4)
	for i := 1; i <= n; i++ {
		if i > 1 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(i), 10)
	}
	return string(b)
}
