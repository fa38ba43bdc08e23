-- Resumable uploads under way; their bytes are in the blob store.

CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    space_kind  TEXT NOT NULL,
    space_id    BIGINT NOT NULL,
    parent_id   BIGINT NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    size        BIGINT NOT NULL,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX uploads_created ON uploads(created_at);
