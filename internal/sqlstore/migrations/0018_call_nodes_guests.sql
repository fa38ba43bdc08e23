-- The node of a cluster that hosts a call while anyone is in it: the
-- others find it here and pass it what their sockets and requests ask
-- of the call. node_until is when the claim runs out unless the node
-- renews it (a node that died loses its calls to the next who joins).
ALTER TABLE calls ADD COLUMN node TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN node_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX calls_node ON calls(node) WHERE node <> '';

-- The guests of calls, who came by a guest link: no account, the name
-- they gave; their cookie (kept only as its hash) names them on every
-- node until it runs out.
CREATE TABLE call_guests (
    id         {{ID}},
    call_id    BIGINT NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    key_hash   {{BLOB}} NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    until      BIGINT NOT NULL
);
CREATE INDEX call_guests_until ON call_guests(until);
