package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/schulhof/schulhof"
)

var (
	_ schulhof.SessionService = (*DB)(nil)
	_ schulhof.TOTPService    = (*DB)(nil)
)

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *schulhof.Session) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, school_id, totp_pending, ip, user_agent, created_at, expires_at,
			last_seen_at, support_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, s.TokenHash, s.UserID, nullSchool(s.SchoolID), s.TOTPPending,
			s.IP, s.UserAgent, s.CreatedAt.Unix(), s.ExpiresAt.Unix(), s.LastSeenAt.Unix(), s.SupportBy)
		if err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return nil
	})
}

// FindSession returns an unexpired session of an active user, with the
// user, in one query: it runs on every request. The user's Class is left
// empty; the pages that show it read the user's groups anyway.
func (db *DB) FindSession(ctx context.Context, tokenHash []byte, now time.Time) (*schulhof.Session, *schulhof.User, error) {
	key := "session\x00" + string(tokenHash)
	if v, ok := db.cache.get(key, now); ok {
		e := v.(sessionEntry)
		if !e.session.ExpiresAt.After(now) {
			return nil, nil, schulhof.Errorf(schulhof.EUnauthorized, "auth.session_expired")
		}
		s, u := *e.session, *e.user // copies: callers may change them
		return &s, &u, nil
	}
	gen := db.cache.gen.Load()
	s := schulhof.Session{TokenHash: tokenHash}
	var created, expires, seen int64
	u, err := scanUser(db.readRow(ctx, `SELECT `+userColumnsNoClass+`, s.totp_pending, s.created_at, s.expires_at, s.last_seen_at, s.support_by
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active`,
		tokenHash, now.Unix()), &s.TOTPPending, &created, &expires, &seen, &s.SupportBy)
	if err == sql.ErrNoRows {
		return nil, nil, schulhof.Errorf(schulhof.EUnauthorized, "auth.session_expired")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find session: %w", err)
	}
	s.UserID, s.SchoolID = u.ID, u.SchoolID
	s.CreatedAt, s.ExpiresAt, s.LastSeenAt = time.Unix(created, 0), time.Unix(expires, 0), time.Unix(seen, 0)
	cs, cu := s, *u
	db.cache.put(key, gen, sessionEntry{&cs, &cu}, now)
	return &s, u, nil
}

type sessionEntry struct {
	session *schulhof.Session
	user    *schulhof.User
}

// TouchSession records activity and slides the expiry.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		// a support session keeps its end
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1,
			expires_at = CASE WHEN support_by <> '' THEN expires_at WHEN $2 > created_at + $4 THEN created_at + $4 ELSE $2 END WHERE token_hash = $3`,
			now.Unix(), now.Add(schulhof.SessionIdleTimeout).Unix(), tokenHash, int64(schulhof.SessionMaxAge/time.Second))
		return err
	})
}

// CompleteTOTP marks the second factor as given.
func (db *DB) CompleteTOTP(ctx context.Context, tokenHash []byte) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE sessions SET totp_pending = FALSE WHERE token_hash = $1`, tokenHash)
		return err
	})
}

// DeleteSession logs one session out.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var user schulhof.UserID
		err := tx.QueryRowContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id`, tokenHash).Scan(&user)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		db.noteEnd(tx, schulhof.SessionEnd{User: user, Session: tokenHash})
		return nil
	})
}

// DeleteUserSessions logs the user out everywhere but keep.
func (db *DB) DeleteUserSessions(ctx context.Context, user schulhof.UserID, keep []byte) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		return db.endSessions(ctx, tx, user, keep)
	})
}

// endSessions deletes the user's sessions but keep's within tx; the end is
// announced once tx commits. Every way a session is ended on purpose goes
// through here or DeleteSession, so that no socket outlives it.
func (db *DB) endSessions(ctx context.Context, tx *sql.Tx, user schulhof.UserID, keep []byte) error {
	k := keep
	if k == nil {
		k = []byte{}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, user, k); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	db.noteEnd(tx, schulhof.SessionEnd{User: user, Keep: keep})
	return nil
}

// noteEnd keeps an end of sessions until tx commits.
func (db *DB) noteEnd(tx *sql.Tx, e schulhof.SessionEnd) {
	v, _ := db.ended.LoadOrStore(tx, new([]schulhof.SessionEnd))
	l := v.(*[]schulhof.SessionEnd)
	*l = append(*l, e)
}

// OnSessionEnd has fn told of every end of sessions that this process
// commits (not of expiry: whoever holds a session knows when it runs
// out); the returned function stops that. fn runs on the writer's
// goroutine after the commit and must not block.
func (db *DB) OnSessionEnd(fn func(schulhof.SessionEnd)) (stop func()) {
	db.endMu.Lock()
	defer db.endMu.Unlock()
	if db.onEnd == nil {
		db.onEnd = map[int]func(schulhof.SessionEnd){}
	}
	db.endID++
	id := db.endID
	db.onEnd[id] = fn
	return func() {
		db.endMu.Lock()
		delete(db.onEnd, id)
		db.endMu.Unlock()
	}
}

func (db *DB) announceEnds(ends []schulhof.SessionEnd) {
	db.endMu.Lock()
	fns := make([]func(schulhof.SessionEnd), 0, len(db.onEnd))
	for _, fn := range db.onEnd {
		fns = append(fns, fn)
	}
	db.endMu.Unlock()
	for _, e := range ends {
		for _, fn := range fns {
			fn(e)
		}
	}
}

// DeleteExpiredSessions removes what can never be used again.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now.Unix())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// TOTPSecret returns the user's secret and the last step used.
func (db *DB) TOTPSecret(ctx context.Context, user schulhof.UserID) (string, int64, error) {
	var secret string
	var step int64
	err := db.readRow(ctx, `SELECT totp_secret, totp_last_step FROM users WHERE id = $1`, user).Scan(&secret, &step)
	return secret, step, notFound(err, "user.not_found")
}

// SetTOTP stores the secret; enabled turns the second factor on or off.
func (db *DB) SetTOTP(ctx context.Context, user schulhof.UserID, secret string, enabled bool) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var school sql.NullInt64
		var login string
		if err := tx.QueryRowContext(ctx, `SELECT school_id, login FROM users WHERE id = $1`, user).Scan(&school, &login); err != nil {
			return notFound(err, "user.not_found")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = 0 WHERE id = $3`,
			secret, enabled, user); err != nil {
			return err
		}
		action := "user.two_factor.off"
		if enabled {
			action = "user.two_factor.on"
		} else if secret != "" {
			return nil // a secret being set up is not yet an action worth logging
		}
		return db.audit(ctx, tx, schulhof.SchoolID(school.Int64), action, login, "")
	})
}

// UseTOTPStep records step as used, so that a code cannot be replayed.
func (db *DB) UseTOTPStep(ctx context.Context, user schulhof.UserID, step int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1`, step, user)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return schulhof.Errorf(schulhof.EConflict, "totp.replayed")
		}
		return nil
	})
}

// SetSupportConsent lets the operator give support as the school's
// users until the time (the zero time: no more), by one of its admins.
func (db *DB) SetSupportConsent(ctx context.Context, school schulhof.SchoolID, admin schulhof.UserID, until time.Time) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM support_consents WHERE school_id = $1`, school); err != nil {
			return err
		}
		if until.IsZero() {
			// running support sessions end with the consent
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE school_id = $1 AND support_by <> ''`, school); err != nil {
				return err
			}
			return db.audit(ctx, tx, school, "support.consent", "", "withdrawn")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO support_consents (school_id, until, granted_by, granted_at) VALUES ($1, $2, $3, $4)`,
			school, until.Unix(), admin, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "support.consent", "", "until "+until.UTC().Format(time.RFC3339))
	})
}

// FindSupportConsent returns until when the school allows support; the
// zero time when it does not.
func (db *DB) FindSupportConsent(ctx context.Context, school schulhof.SchoolID) (time.Time, error) {
	var until int64
	err := db.readRow(ctx, `SELECT until FROM support_consents WHERE school_id = $1`, school).Scan(&until)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	return time.Unix(until, 0), err
}

// StartSupport stores the operator's session as a user of a school that
// allows support now, and notes it in the school's audit log.
func (db *DB) StartSupport(ctx context.Context, s *schulhof.Session, login string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var until int64
		err := tx.QueryRowContext(ctx, `SELECT until FROM support_consents WHERE school_id = $1`, s.SchoolID).Scan(&until)
		if err == sql.ErrNoRows || (err == nil && until <= db.now()) {
			return schulhof.Errorf(schulhof.EForbidden, "support.no_consent")
		}
		if err != nil {
			return err
		}
		if s.ExpiresAt.Unix() > until {
			s.ExpiresAt = time.Unix(until, 0)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, school_id, totp_pending, ip, user_agent, created_at, expires_at,
			last_seen_at, support_by) VALUES ($1, $2, $3, FALSE, $4, $5, $6, $7, $6, $8)`, s.TokenHash, s.UserID, s.SchoolID, s.IP, s.UserAgent,
			s.CreatedAt.Unix(), s.ExpiresAt.Unix(), s.SupportBy); err != nil {
			return err
		}
		return db.audit(ctx, tx, s.SchoolID, "support.start", login, "by "+s.SupportBy)
	})
}

// EndSupport ends a support session and notes it.
func (db *DB) EndSupport(ctx context.Context, tokenHash []byte, u *schulhof.User) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var by string
		if err := tx.QueryRowContext(ctx, `SELECT support_by FROM sessions WHERE token_hash = $1`, tokenHash).Scan(&by); err != nil {
			return notFound(err, "auth.session_expired")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
			return err
		}
		return db.audit(ctx, tx, u.SchoolID, "support.end", u.Login, "by "+by)
	})
}
