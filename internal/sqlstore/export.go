package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// What a user's data export (DSGVO Art. 15, 20) reads that no page
// needs.

// FindMessagesBy returns every message the user wrote, oldest first,
// with its attachments (and their blobs' keys).
func (db *DB) FindMessagesBy(ctx context.Context, u *schulhof.User) ([]*schulhof.Message, error) {
	return db.queryMessages(ctx, u, `SELECT `+messageColumns+` FROM chat_messages m JOIN users u ON u.id = m.sender_id
		WHERE m.sender_id = $1 ORDER BY m.id`, u.ID)
}

// FindSessionsOf returns the user's sessions, newest first.
func (db *DB) FindSessionsOf(ctx context.Context, user schulhof.UserID) ([]*schulhof.Session, error) {
	rows, err := db.readRows(ctx, `SELECT user_id, COALESCE(school_id, 0), ip, user_agent, created_at, expires_at, last_seen_at
		FROM sessions WHERE user_id = $1 ORDER BY created_at DESC`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Session
	for rows.Next() {
		s := &schulhof.Session{}
		var created, expires, seen int64
		if err := rows.Scan(&s.UserID, &s.SchoolID, &s.IP, &s.UserAgent, &created, &expires, &seen); err != nil {
			return nil, err
		}
		s.CreatedAt, s.ExpiresAt, s.LastSeenAt = time.Unix(created, 0), time.Unix(expires, 0), time.Unix(seen, 0)
		out = append(out, s)
	}
	return out, rows.Err()
}

// FindOIDCConsents returns what the user agreed to give which client.
func (db *DB) FindOIDCConsents(ctx context.Context, user schulhof.UserID) ([]*schulhof.OIDCConsent, error) {
	rows, err := db.readRows(ctx, `SELECT c.client_id, l.name, c.scopes, c.granted_at FROM oidc_consents c
		JOIN oidc_clients l ON l.id = c.client_id WHERE c.user_id = $1 ORDER BY c.granted_at`, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.OIDCConsent
	for rows.Next() {
		c := &schulhof.OIDCConsent{}
		var scopes string
		var granted int64
		if err := rows.Scan(&c.ClientID, &c.ClientName, &scopes, &granted); err != nil {
			return nil, err
		}
		c.Scopes, c.GrantedAt = strings.Fields(scopes), time.Unix(granted, 0)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindAuditBy returns the audit entries of what the user did, newest
// first.
func (db *DB) FindAuditBy(ctx context.Context, user schulhof.UserID) ([]*schulhof.AuditEntry, error) {
	return db.queryAudit(ctx, `SELECT id, COALESCE(school_id, 0), actor_id, actor_login, action, target, details, ip, created_at
		FROM audit_log WHERE actor_id = $1 ORDER BY id DESC`, user)
}
