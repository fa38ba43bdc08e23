-- Support by the operator: a school's admins allow it until a time; the
-- operator then sees Schulhof as one of the school's users, in a session
-- of its own that names who is behind it and does not slide.

CREATE TABLE support_consents (
    school_id   BIGINT PRIMARY KEY REFERENCES schools(id),
    until       BIGINT NOT NULL,
    granted_by  BIGINT NOT NULL REFERENCES users(id),
    granted_at  BIGINT NOT NULL
);

ALTER TABLE sessions ADD COLUMN support_by TEXT NOT NULL DEFAULT '';
