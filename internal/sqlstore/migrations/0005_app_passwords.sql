-- App passwords for WebDAV and other programs: only their SHA-256 is kept.

CREATE TABLE app_passwords (
    id            {{ID}},
    user_id       BIGINT NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    hash          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE UNIQUE INDEX app_passwords_hash ON app_passwords(hash);
CREATE INDEX app_passwords_user ON app_passwords(user_id);
