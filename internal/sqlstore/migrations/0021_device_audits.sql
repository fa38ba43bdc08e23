-- Stock-takes ("Inventur"): a room's or the whole school's devices
-- scanned; what was expected there and not seen is listed. Each
-- stock-take keeps which devices it expected and which it saw, and when
-- the next is due.

CREATE TABLE device_audits (
    id        {{ID}},
    school_id BIGINT NOT NULL REFERENCES schools(id),
    room      TEXT NOT NULL,           -- '' for the whole school
    done_by   BIGINT NOT NULL REFERENCES users(id),
    done_at   BIGINT NOT NULL,
    next_due  TEXT NOT NULL DEFAULT '', -- YYYY-MM-DD or ''
    expected  INTEGER NOT NULL,
    seen      INTEGER NOT NULL,
    missing   INTEGER NOT NULL
);
CREATE INDEX device_audits_school ON device_audits(school_id, done_at);

CREATE TABLE device_audit_items (
    audit_id  BIGINT NOT NULL REFERENCES device_audits(id) ON DELETE CASCADE,
    device_id BIGINT NOT NULL REFERENCES devices(id),
    expected  BOOLEAN NOT NULL,  -- kept in the room (or at the school)
    seen      BOOLEAN NOT NULL,  -- scanned
    PRIMARY KEY (audit_id, device_id)
);
CREATE INDEX device_audit_items_device ON device_audit_items(device_id);
