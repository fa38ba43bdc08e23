-- Data protection: how long a school keeps what, and the deletion jobs'
-- marks. A leaver's account is blocked at once (deactivated) and their
-- data deleted some days later; chat messages and the audit log go
-- after their own time.

ALTER TABLE users ADD COLUMN deactivated_at BIGINT;
ALTER TABLE users ADD COLUMN purged_at BIGINT;
UPDATE users SET deactivated_at = updated_at WHERE NOT active;

CREATE TABLE retention (
    school_id    BIGINT PRIMARY KEY REFERENCES schools(id),
    leaver_days  INTEGER NOT NULL,
    chat_days    INTEGER NOT NULL,
    log_days     INTEGER NOT NULL
);
CREATE INDEX users_leavers ON users(school_id, deactivated_at) WHERE purged_at IS NULL AND NOT active;
CREATE INDEX audit_log_school_created ON audit_log(school_id, created_at);
