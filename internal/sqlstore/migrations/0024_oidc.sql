-- Single sign-on: Schulhof as the school's OpenID Connect provider. The
-- clients (per school, or the installation's with no school), the logins
-- under way, the tokens they gave, the signing keys, each user's stable
-- subject and what a user agreed to give a client.

CREATE TABLE oidc_clients (
    id               TEXT PRIMARY KEY,
    school_id        BIGINT REFERENCES schools(id),
    name             TEXT NOT NULL,
    redirect_uris    TEXT NOT NULL,   -- one per line
    post_logout_uris TEXT NOT NULL,   -- one per line
    public           BOOLEAN NOT NULL,
    secret_hash      {{BLOB}},        -- SHA-256 of the secret (random, 256 bits)
    roles            TEXT NOT NULL,   -- role names, space-separated; empty: all
    group_ids        TEXT NOT NULL,   -- group ids, space-separated; empty: no limit
    consent          BOOLEAN NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX oidc_clients_school ON oidc_clients(school_id);

CREATE TABLE oidc_auth_requests (
    id              TEXT PRIMARY KEY,
    client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    redirect_uri    TEXT NOT NULL,
    scopes          TEXT NOT NULL,
    state           TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    response_type   TEXT NOT NULL,
    response_mode   TEXT NOT NULL,
    code_challenge  TEXT NOT NULL,
    code_method     TEXT NOT NULL,
    prompt          TEXT NOT NULL,
    max_age         BIGINT NOT NULL,   -- seconds; -1: none asked
    created_at      BIGINT NOT NULL,
    user_id         BIGINT REFERENCES users(id) ON DELETE CASCADE,
    school_id       BIGINT REFERENCES schools(id),
    subject         TEXT NOT NULL DEFAULT '',
    auth_time       BIGINT NOT NULL DEFAULT 0,
    amr             TEXT NOT NULL DEFAULT '',
    done            BOOLEAN NOT NULL DEFAULT FALSE,
    code_hash       {{BLOB}},
    code_at         BIGINT NOT NULL DEFAULT 0,
    used            BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE UNIQUE INDEX oidc_auth_requests_code ON oidc_auth_requests(code_hash);
CREATE INDEX oidc_auth_requests_created ON oidc_auth_requests(created_at);

CREATE TABLE oidc_tokens (
    id                  TEXT PRIMARY KEY,
    grant_id            TEXT NOT NULL,
    client_id           TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    user_id             BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    school_id           BIGINT NOT NULL REFERENCES schools(id),
    subject             TEXT NOT NULL,
    scopes              TEXT NOT NULL,
    auth_time           BIGINT NOT NULL,
    amr                 TEXT NOT NULL,
    expires_at          BIGINT NOT NULL,
    refresh_hash        {{BLOB}},
    refresh_expires_at  BIGINT NOT NULL DEFAULT 0,
    rotated             BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX oidc_tokens_refresh ON oidc_tokens(refresh_hash);
CREATE INDEX oidc_tokens_grant ON oidc_tokens(grant_id);
CREATE INDEX oidc_tokens_user ON oidc_tokens(user_id, client_id);
CREATE INDEX oidc_tokens_expiry ON oidc_tokens(expires_at);

CREATE TABLE oidc_keys (
    id             TEXT PRIMARY KEY,
    private_key    {{BLOB}} NOT NULL,   -- PKCS #8 DER
    created_at     BIGINT NOT NULL,
    publish_until  BIGINT NOT NULL DEFAULT 0   -- 0 while it signs
);

CREATE TABLE oidc_subjects (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    subject    TEXT NOT NULL UNIQUE
);

CREATE TABLE oidc_consents (
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
