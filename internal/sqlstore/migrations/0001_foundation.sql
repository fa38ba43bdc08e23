-- Schools, users, groups, sessions and the audit log.
-- {{ID}} and {{BLOB}} are replaced per database (see migrate.go); times are
-- Unix seconds in BIGINT so that both databases read them alike.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE schools (
    id                  {{ID}},
    slug                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    state               TEXT NOT NULL,
    school_type         TEXT NOT NULL,
    require_two_factor  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at          BIGINT NOT NULL
);

CREATE TABLE users (
    id                    {{ID}},
    school_id             BIGINT REFERENCES schools(id),
    login                 TEXT NOT NULL,
    first_name            TEXT NOT NULL,
    last_name             TEXT NOT NULL,
    -- lower-cased "last first login", for search and sorting in Go's idea of case
    sort_name             TEXT NOT NULL,
    role                  INTEGER NOT NULL,
    external_id           TEXT NOT NULL DEFAULT '',
    birth_date            TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    short_code            TEXT NOT NULL DEFAULT '',
    active                BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash         TEXT NOT NULL DEFAULT '',
    must_change_password  BOOLEAN NOT NULL DEFAULT TRUE,
    totp_secret           TEXT NOT NULL DEFAULT '',
    totp_enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step        BIGINT NOT NULL DEFAULT 0,
    language              TEXT NOT NULL DEFAULT '',
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_school_login ON users(school_id, login);
-- Operators have no school; NULLs are distinct in a unique index, so they
-- need their own.
CREATE UNIQUE INDEX users_operator_login ON users(login) WHERE school_id IS NULL;
CREATE INDEX users_school_sort ON users(school_id, sort_name, id);
CREATE INDEX users_school_external ON users(school_id, external_id);

CREATE TABLE parent_links (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    parent_id  BIGINT NOT NULL REFERENCES users(id),
    child_id   BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX parent_links_child ON parent_links(child_id);

CREATE TABLE groups (
    id          {{ID}},
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_school_kind_name ON groups(school_id, kind, name);

CREATE TABLE memberships (
    group_id   BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    role       TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

CREATE TABLE sessions (
    token_hash    {{BLOB}} PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users(id),
    school_id     BIGINT,
    totp_pending  BOOLEAN NOT NULL DEFAULT FALSE,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE audit_log (
    id           {{ID}},
    school_id    BIGINT,
    actor_id     BIGINT NOT NULL DEFAULT 0,
    actor_login  TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    target       TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX audit_log_school ON audit_log(school_id, id);
