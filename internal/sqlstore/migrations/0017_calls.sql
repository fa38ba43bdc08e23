-- Video calls ("Videostunden"): a group's room, one open at a time, or an
-- ad-hoc call a teacher opened. Who is in a call lives on the node that
-- hosts it; the table keeps its settings and whether it ended.

CREATE TABLE calls (
    id             {{ID}},
    school_id      BIGINT NOT NULL REFERENCES schools(id),
    group_id       BIGINT REFERENCES groups(id) ON DELETE CASCADE,
    title          TEXT NOT NULL,
    created_by     BIGINT NOT NULL REFERENCES users(id),
    created_at     BIGINT NOT NULL,
    ended_at       BIGINT,
    locked         BOOLEAN NOT NULL DEFAULT FALSE,
    allow_camera   BOOLEAN NOT NULL DEFAULT TRUE,
    allow_mic      BOOLEAN NOT NULL DEFAULT TRUE,
    allow_screen   BOOLEAN NOT NULL DEFAULT FALSE,
    guest_key      {{BLOB}}
);
CREATE INDEX calls_school ON calls(school_id, created_at);
-- a group has one open room: two who open it at once meet in the same
CREATE UNIQUE INDEX calls_group_open ON calls(group_id) WHERE ended_at IS NULL;
