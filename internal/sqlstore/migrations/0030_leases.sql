-- Leases: what one node of a cluster does at a time (the housekeeping),
-- held by a node until a time and renewed while it lives; when it dies,
-- another takes it once the time has passed.

CREATE TABLE leases (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    until   BIGINT NOT NULL
);
