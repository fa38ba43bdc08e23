-- The operator's announcements to every school's admins.

CREATE TABLE announcements (
    id          {{ID}},
    text        TEXT NOT NULL,
    until       BIGINT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX announcements_until ON announcements(until);
