package sqlstore

import (
	"context"

	"github.com/schulhof/schulhof"
)

// SavePushSubscription keeps a browser's Web Push subscription for the
// user; the same endpoint again replaces its keys (and its user: a shared
// iPad that someone else logs in on).
func (db *DB) SavePushSubscription(ctx context.Context, u *schulhof.User, s *schulhof.PushSubscription) error {
	return db.chatUpdate(ctx, 0, func(tx *chatTx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth`,
			u.ID, s.Endpoint, s.P256dh, s.Auth, db.now())
		return err
	})
}

// DeletePushSubscription forgets an endpoint: the user turned
// notifications off, or the push service says it is gone (user 0).
func (db *DB) DeletePushSubscription(ctx context.Context, user schulhof.UserID, endpoint string) error {
	return db.chatUpdate(ctx, 0, func(tx *chatTx) error {
		q, args := `DELETE FROM push_subscriptions WHERE endpoint = $1 AND user_id = $2`, []any{endpoint, user}
		if user == 0 {
			q, args = `DELETE FROM push_subscriptions WHERE endpoint = $1`, []any{endpoint}
		}
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	})
}

// RoomPushSubscriptions returns the subscriptions of a room's readers but
// one (the sender), in one query.
func (db *DB) RoomPushSubscriptions(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID, except schulhof.UserID) ([]*schulhof.PushSubscription, error) {
	rows, err := db.readRows(ctx, `SELECT p.user_id, p.endpoint, p.p256dh, p.auth FROM push_subscriptions p
		JOIN chat_rooms r ON r.id = $1 AND r.school_id = $2
		JOIN users u ON u.id = p.user_id AND u.school_id = r.school_id AND u.active
		WHERE p.user_id <> $3 AND (r.kind = 'school'
			OR (r.kind = 'group' AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = r.group_id AND m.user_id = p.user_id))
			OR EXISTS (SELECT 1 FROM chat_members cm WHERE cm.room_id = r.id AND cm.user_id = p.user_id))`, room, school, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.PushSubscription
	for rows.Next() {
		s := &schulhof.PushSubscription{}
		if err := rows.Scan(&s.User, &s.Endpoint, &s.P256dh, &s.Auth); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// HasPushSubscriptions says whether any browser of the school asked for
// notifications: when none did, a new message costs no further query.
func (db *DB) HasPushSubscriptions(ctx context.Context, school schulhof.SchoolID) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM push_subscriptions p JOIN users u ON u.id = p.user_id
		WHERE u.school_id = $1 LIMIT 1) x`, school).Scan(&n)
	return n > 0, err
}
