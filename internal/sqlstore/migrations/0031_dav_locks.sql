-- WebDAV locks, in the store so that every node of a cluster sees them
-- (they lived in one process's memory). Found by the tree they are in.

CREATE TABLE dav_locks (
    token       TEXT PRIMARY KEY,
    space       TEXT NOT NULL,
    lock_key    TEXT NOT NULL,
    shown       TEXT NOT NULL,
    zero_depth  BOOLEAN NOT NULL,
    shared      BOOLEAN NOT NULL,
    owner       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    owner_xml   TEXT NOT NULL,
    duration_ms BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX dav_locks_space ON dav_locks(space);
