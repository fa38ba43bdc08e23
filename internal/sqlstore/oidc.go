package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

// Single sign-on: the OpenID Connect provider's clients, logins under
// way, tokens, signing keys, subjects and consents. The writes of logins
// and tokens keep the read cache: nothing cached reads them.

const oidcClientColumns = `id, school_id, name, redirect_uris, post_logout_uris, public, roles, group_ids, consent, created_at`

func scanOIDCClient(row interface{ Scan(...any) error }) (*schulhof.OIDCClient, error) {
	c := &schulhof.OIDCClient{}
	var school sql.NullInt64
	var redirects, logouts, roles, groups string
	var created int64
	if err := row.Scan(&c.ID, &school, &c.Name, &redirects, &logouts, &c.Public, &roles, &groups, &c.Consent, &created); err != nil {
		return nil, err
	}
	c.SchoolID = schulhof.SchoolID(school.Int64)
	c.RedirectURIs, c.PostLogoutURIs = lines(redirects), lines(logouts)
	for _, r := range strings.Fields(roles) {
		if role, ok := schulhof.ParseRole(r); ok {
			c.Roles = append(c.Roles, role)
		}
	}
	for _, g := range strings.Fields(groups) {
		if n, err := strconv.ParseInt(g, 10, 64); err == nil {
			c.Groups = append(c.Groups, schulhof.GroupID(n))
		}
	}
	c.CreatedAt = time.Unix(created, 0)
	return c, nil
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func oidcClientArgs(c *schulhof.OIDCClient) (roles, groups string) {
	var rs, gs []string
	for _, r := range c.Roles {
		rs = append(rs, r.String())
	}
	for _, g := range c.Groups {
		gs = append(gs, strconv.FormatInt(int64(g), 10))
	}
	return strings.Join(rs, " "), strings.Join(gs, " ")
}

// checkOIDCGroups refuses groups that are not the client's school's.
func checkOIDCGroups(ctx context.Context, tx *sql.Tx, c *schulhof.OIDCClient) error {
	for _, g := range c.Groups {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM groups WHERE id = $1 AND school_id = $2`, g, c.SchoolID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return schulhof.Invalid("groups", "oidc.groups.invalid")
		}
	}
	return nil
}

// CreateOIDCClient registers a client with the hash of its secret (nil
// for a public client); its id is made here.
func (db *DB) CreateOIDCClient(ctx context.Context, c *schulhof.OIDCClient, secretHash []byte) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	c.ID = "sh-" + rand.Text()[:20]
	now := db.now()
	c.CreatedAt = time.Unix(now, 0)
	roles, groups := oidcClientArgs(c)
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := checkOIDCGroups(ctx, tx, c); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_clients (`+oidcClientColumns+`, secret_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, c.ID, nullSchool(c.SchoolID), c.Name,
			strings.Join(c.RedirectURIs, "\n"), strings.Join(c.PostLogoutURIs, "\n"), c.Public, roles, groups, c.Consent, now, secretHash)
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, c.SchoolID, "oidc.client.create", c.ID, c.Name)
	})
}

// UpdateOIDCClient stores a client's changed registration (not whether
// it is public, not its secret).
func (db *DB) UpdateOIDCClient(ctx context.Context, c *schulhof.OIDCClient) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	roles, groups := oidcClientArgs(c)
	return db.update(ctx, func(tx *sql.Tx) error {
		if err := checkOIDCGroups(ctx, tx, c); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET name = $1, redirect_uris = $2, post_logout_uris = $3, roles = $4,
			group_ids = $5, consent = $6 WHERE id = $7 AND `+schoolIs("$8"), c.Name, strings.Join(c.RedirectURIs, "\n"),
			strings.Join(c.PostLogoutURIs, "\n"), roles, groups, c.Consent, c.ID, nullSchool(c.SchoolID))
		if err := oneRow(res, err, "oidc.client.not_found"); err != nil {
			return err
		}
		return db.audit(ctx, tx, c.SchoolID, "oidc.client.update", c.ID, c.Name)
	})
}

// schoolIs compares school_id with the parameter p, NULL meaning the
// installation's.
func schoolIs(p string) string {
	return "(school_id = " + p + " OR (school_id IS NULL AND " + p + " IS NULL))"
}

// oneRow maps an update that found no row to ENotFound.
func oneRow(res sql.Result, err error, key string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return schulhof.Errorf(schulhof.ENotFound, key)
	}
	return nil
}

// SetOIDCClientSecret replaces a confidential client's secret (by hash);
// the tokens it has keep working.
func (db *DB) SetOIDCClientSecret(ctx context.Context, school schulhof.SchoolID, id string, secretHash []byte) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_clients SET secret_hash = $1 WHERE id = $2 AND NOT public AND `+schoolIs("$3"), secretHash, id, nullSchool(school))
		if err := oneRow(res, err, "oidc.client.not_found"); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "oidc.client.secret", id, "")
	})
}

// DeleteOIDCClient removes a client with its logins, tokens and consents.
func (db *DB) DeleteOIDCClient(ctx context.Context, school schulhof.SchoolID, id string) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM oidc_clients WHERE id = $1 AND `+schoolIs("$2"), id, nullSchool(school)).Scan(&name)
		if err != nil {
			return notFound(err, "oidc.client.not_found")
		}
		for _, t := range []string{"oidc_consents", "oidc_tokens", "oidc_auth_requests"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE client_id = $1`, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_clients WHERE id = $1`, id); err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "oidc.client.delete", id, name)
	})
}

// FindOIDCClients lists a school's clients (0: the installation's).
func (db *DB) FindOIDCClients(ctx context.Context, school schulhof.SchoolID) ([]*schulhof.OIDCClient, error) {
	rows, err := db.readRows(ctx, `SELECT `+oidcClientColumns+` FROM oidc_clients WHERE `+schoolIs("$1")+` ORDER BY name, id`, nullSchool(school))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.OIDCClient
	for rows.Next() {
		c, err := scanOIDCClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindOIDCClient returns a client of the school (0: the installation's).
func (db *DB) FindOIDCClient(ctx context.Context, school schulhof.SchoolID, id string) (*schulhof.OIDCClient, error) {
	c, err := scanOIDCClient(db.readRow(ctx, `SELECT `+oidcClientColumns+` FROM oidc_clients WHERE id = $1 AND `+schoolIs("$2"), id, nullSchool(school)))
	return c, notFound(err, "oidc.client.not_found")
}

// FindOIDCClientByID returns any client by its client_id, with the hash
// of its secret, for the provider's endpoints.
func (db *DB) FindOIDCClientByID(ctx context.Context, id string) (*schulhof.OIDCClient, []byte, error) {
	var hash []byte
	row := db.readRow(ctx, `SELECT `+oidcClientColumns+`, secret_hash FROM oidc_clients WHERE id = $1`, id)
	c, err := scanOIDCClient(scanWith{row, []any{&hash}})
	if err != nil {
		return nil, nil, notFound(err, "oidc.client.not_found")
	}
	return c, hash, nil
}

const oidcAuthColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode, code_challenge,
	code_method, prompt, max_age, created_at, user_id, school_id, subject, auth_time, amr, done, code_at, used`

func scanOIDCAuth(row interface{ Scan(...any) error }) (*schulhof.OIDCAuthRequest, error) {
	a := &schulhof.OIDCAuthRequest{}
	var scopes, amr string
	var created, authTime, codeAt int64
	var user, school sql.NullInt64
	err := row.Scan(&a.ID, &a.ClientID, &a.RedirectURI, &scopes, &a.State, &a.Nonce, &a.ResponseType, &a.ResponseMode, &a.CodeChallenge,
		&a.CodeMethod, &a.Prompt, &a.MaxAge, &created, &user, &school, &a.Subject, &authTime, &amr, &a.Done, &codeAt, &a.Used)
	if err != nil {
		return nil, notFound(err, "oidc.login.not_found")
	}
	a.Scopes, a.AMR = strings.Fields(scopes), strings.Fields(amr)
	a.CreatedAt, a.AuthTime = time.Unix(created, 0), time.Unix(authTime, 0)
	if codeAt != 0 {
		a.CodeAt = time.Unix(codeAt, 0)
	}
	a.UserID, a.SchoolID = schulhof.UserID(user.Int64), schulhof.SchoolID(school.Int64)
	return a, nil
}

// CreateOIDCAuthRequest keeps a login under way; its id is made here.
func (db *DB) CreateOIDCAuthRequest(ctx context.Context, a *schulhof.OIDCAuthRequest) error {
	a.ID = rand.Text()
	now := db.now()
	a.CreatedAt = time.Unix(now, 0)
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, state, nonce, response_type,
			response_mode, code_challenge, code_method, prompt, max_age, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			a.ID, a.ClientID, a.RedirectURI, strings.Join(a.Scopes, " "), a.State, a.Nonce, a.ResponseType, a.ResponseMode,
			a.CodeChallenge, a.CodeMethod, a.Prompt, a.MaxAge, now)
		return err
	})
}

// FindOIDCAuthRequest returns a login under way by its id.
func (db *DB) FindOIDCAuthRequest(ctx context.Context, id string) (*schulhof.OIDCAuthRequest, error) {
	return scanOIDCAuth(db.readRow(ctx, `SELECT `+oidcAuthColumns+` FROM oidc_auth_requests WHERE id = $1`, id))
}

// FindOIDCAuthRequestByCode returns a login by the hash of the code it
// gave, used or not.
func (db *DB) FindOIDCAuthRequestByCode(ctx context.Context, codeHash []byte) (*schulhof.OIDCAuthRequest, error) {
	return scanOIDCAuth(db.readRow(ctx, `SELECT `+oidcAuthColumns+` FROM oidc_auth_requests WHERE code_hash = $1`, codeHash))
}

// CompleteOIDCAuthRequest records who logged in, how and when; the login
// is done.
func (db *DB) CompleteOIDCAuthRequest(ctx context.Context, a *schulhof.OIDCAuthRequest) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET user_id = $1, school_id = $2, subject = $3, auth_time = $4, amr = $5,
			done = TRUE WHERE id = $6 AND NOT done`, a.UserID, nullSchool(a.SchoolID), a.Subject, a.AuthTime.Unix(), strings.Join(a.AMR, " "), a.ID)
		return oneRow(res, err, "oidc.login.not_found")
	})
}

// SetOIDCAuthCode keeps the hash of the code a done login gave.
func (db *DB) SetOIDCAuthCode(ctx context.Context, id string, codeHash []byte) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET code_hash = $1, code_at = $2 WHERE id = $3 AND done AND code_hash IS NULL`,
			codeHash, db.now(), id)
		return oneRow(res, err, "oidc.login.not_found")
	})
}

// UseOIDCAuthRequest marks a login's code exchanged; false when it was
// already (a replay: the caller revokes what it gave).
func (db *DB) UseOIDCAuthRequest(ctx context.Context, id string) (bool, error) {
	first := false
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_auth_requests SET used = TRUE WHERE id = $1 AND NOT used`, id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		first = n == 1
		return err
	})
	return first, err
}

// DeleteOIDCAuthRequest forgets a login (refused or left).
func (db *DB) DeleteOIDCAuthRequest(ctx context.Context, id string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE id = $1`, id)
		return err
	})
}

const oidcTokenColumns = `id, grant_id, client_id, user_id, school_id, subject, scopes, auth_time, amr, expires_at, refresh_expires_at, rotated`

func scanOIDCToken(row interface{ Scan(...any) error }) (*schulhof.OIDCToken, error) {
	t := &schulhof.OIDCToken{}
	var scopes, amr string
	var authTime, expires, refreshExpires int64
	err := row.Scan(&t.ID, &t.GrantID, &t.ClientID, &t.UserID, &t.SchoolID, &t.Subject, &scopes, &authTime, &amr, &expires, &refreshExpires, &t.Rotated)
	if err != nil {
		return nil, notFound(err, "oidc.token.not_found")
	}
	t.Scopes, t.AMR = strings.Fields(scopes), strings.Fields(amr)
	t.AuthTime, t.ExpiresAt = time.Unix(authTime, 0), time.Unix(expires, 0)
	if refreshExpires != 0 {
		t.RefreshExpiresAt = time.Unix(refreshExpires, 0)
	}
	return t, nil
}

// CreateOIDCToken keeps a token (its id made here) with the hash of its
// refresh token (nil: none). With rotate, the refresh token of that hash
// is rotated in the same transaction, and only once: a second refresh
// with it finds it rotated and gets ENotFound.
func (db *DB) CreateOIDCToken(ctx context.Context, t *schulhof.OIDCToken, refreshHash, rotate []byte) error {
	t.ID = rand.Text()
	var refreshExpires int64
	if !t.RefreshExpiresAt.IsZero() {
		refreshExpires = t.RefreshExpiresAt.Unix()
	}
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		if rotate != nil {
			res, err := tx.ExecContext(ctx, `UPDATE oidc_tokens SET rotated = TRUE WHERE refresh_hash = $1 AND NOT rotated`, rotate)
			if err := oneRow(res, err, "oidc.token.not_found"); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_tokens (id, grant_id, client_id, user_id, school_id, subject, scopes, auth_time, amr,
			expires_at, refresh_hash, refresh_expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			t.ID, t.GrantID, t.ClientID, t.UserID, t.SchoolID, t.Subject, strings.Join(t.Scopes, " "), t.AuthTime.Unix(),
			strings.Join(t.AMR, " "), t.ExpiresAt.Unix(), refreshHash, refreshExpires, db.now())
		return err
	})
}

// FindOIDCToken returns a token by its id.
func (db *DB) FindOIDCToken(ctx context.Context, id string) (*schulhof.OIDCToken, error) {
	return scanOIDCToken(db.readRow(ctx, `SELECT `+oidcTokenColumns+` FROM oidc_tokens WHERE id = $1`, id))
}

// FindOIDCTokenByRefresh returns a token by the hash of its refresh
// token, rotated or not.
func (db *DB) FindOIDCTokenByRefresh(ctx context.Context, refreshHash []byte) (*schulhof.OIDCToken, error) {
	return scanOIDCToken(db.readRow(ctx, `SELECT `+oidcTokenColumns+` FROM oidc_tokens WHERE refresh_hash = $1`, refreshHash))
}

// RevokeOIDCToken removes one token (access and refresh).
func (db *DB) RevokeOIDCToken(ctx context.Context, id string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE id = $1`, id)
		return err
	})
}

// RevokeOIDCGrant removes every token one login gave, refreshed or not.
func (db *DB) RevokeOIDCGrant(ctx context.Context, grant string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE grant_id = $1`, grant)
		return err
	})
}

// RevokeOIDCTokensOf removes a user's tokens of a client (all clients
// when client is ""): they logged out.
func (db *DB) RevokeOIDCTokensOf(ctx context.Context, user schulhof.UserID, client string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE user_id = $1 AND (client_id = $2 OR $2 = '')`, user, client)
		return err
	})
}

// DeleteExpiredOIDC forgets logins older than loginsBefore and tokens
// whose access and refresh tokens both ended.
func (db *DB) DeleteExpiredOIDC(ctx context.Context, now, loginsBefore time.Time) (int64, error) {
	var n int64
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oidc_auth_requests WHERE created_at < $1`, loginsBefore.Unix())
		if err != nil {
			return err
		}
		a, _ := res.RowsAffected()
		res, err = tx.ExecContext(ctx, `DELETE FROM oidc_tokens WHERE expires_at < $1 AND refresh_expires_at < $1`, now.Unix())
		if err != nil {
			return err
		}
		b, _ := res.RowsAffected()
		n = a + b
		return nil
	})
	return n, err
}

// OIDCSubject is the user's subject for every client, made at their
// first single sign-on and kept: random, so that it tells nothing and
// survives the school moving to another installation.
func (db *DB) OIDCSubject(ctx context.Context, user schulhof.UserID) (string, error) {
	var sub string
	err := db.readRow(ctx, `SELECT subject FROM oidc_subjects WHERE user_id = $1`, user).Scan(&sub)
	if err != sql.ErrNoRows {
		return sub, err
	}
	err = db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_subjects (user_id, subject) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`,
			user, strings.ToLower(rand.Text()))
		if err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT subject FROM oidc_subjects WHERE user_id = $1`, user).Scan(&sub)
	})
	return sub, err
}

// FindOIDCConsent returns the scopes the user agreed to give the client.
func (db *DB) FindOIDCConsent(ctx context.Context, user schulhof.UserID, client string) ([]string, error) {
	var scopes string
	err := db.readRow(ctx, `SELECT scopes FROM oidc_consents WHERE user_id = $1 AND client_id = $2`, user, client).Scan(&scopes)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return strings.Fields(scopes), err
}

// SaveOIDCConsent keeps what the user (of the school) agreed to give
// the client, in the audit log too: data going to another service.
func (db *DB) SaveOIDCConsent(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID, client string, scopes []string) error {
	return db.writeTx(ctx, false, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_consents (user_id, client_id, scopes, granted_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
			user, client, strings.Join(scopes, " "), db.now())
		if err != nil {
			return err
		}
		return db.audit(ctx, tx, school, "oidc.consent", client, strings.Join(scopes, " "))
	})
}

// FindOIDCKeys returns the signing keys still published, newest first.
func (db *DB) FindOIDCKeys(ctx context.Context, now time.Time) ([]*schulhof.OIDCKey, error) {
	rows, err := db.readRows(ctx, `SELECT id, private_key, created_at, publish_until FROM oidc_keys
		WHERE publish_until = 0 OR publish_until > $1 ORDER BY created_at DESC, id`, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.OIDCKey
	for rows.Next() {
		k := &schulhof.OIDCKey{}
		var created, until int64
		if err := rows.Scan(&k.ID, &k.PrivateKey, &created, &until); err != nil {
			return nil, err
		}
		k.CreatedAt = time.Unix(created, 0)
		if until != 0 {
			k.PublishUntil = time.Unix(until, 0)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RotateOIDCKey adds a new signing key unless one newer than since signs
// already (two nodes rotating at once make one key); the keys that
// signed before stay published until retireAt. It reports whether it
// added the key.
func (db *DB) RotateOIDCKey(ctx context.Context, k *schulhof.OIDCKey, since, retireAt time.Time) (bool, error) {
	added := false
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM oidc_keys WHERE publish_until = 0 AND created_at > $1`, since.Unix()).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE oidc_keys SET publish_until = $1 WHERE publish_until = 0`, retireAt.Unix()); err != nil {
			return err
		}
		k.CreatedAt = db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO oidc_keys (id, private_key, created_at) VALUES ($1, $2, $3)`,
			k.ID, k.PrivateKey, k.CreatedAt.Unix()); err != nil {
			return err
		}
		added = true
		return db.audit(ctx, tx, 0, "oidc.key.rotate", k.ID, "")
	})
	return added, err
}

// FindOIDCSubjectUser returns the user (and school) of a subject.
func (db *DB) FindOIDCSubjectUser(ctx context.Context, subject string) (schulhof.UserID, schulhof.SchoolID, error) {
	var user schulhof.UserID
	var school sql.NullInt64
	err := db.readRow(ctx, `SELECT s.user_id, u.school_id FROM oidc_subjects s JOIN users u ON u.id = s.user_id WHERE s.subject = $1`,
		subject).Scan(&user, &school)
	return user, schulhof.SchoolID(school.Int64), notFound(err, "user.not_found")
}
