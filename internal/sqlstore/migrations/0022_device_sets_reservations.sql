-- Class sets ("Klassensatz"): a cart of devices kept for a class or in a
-- room, used at school (its devices are "in use"); and reservations of a
-- class set or a single device by a teacher for periods of a day, which
-- must not overlap.

CREATE TABLE device_sets (
    id          {{ID}},
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    name        TEXT NOT NULL,
    group_id    BIGINT REFERENCES groups(id) ON DELETE SET NULL,
    room        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX device_sets_name ON device_sets(school_id, name);

ALTER TABLE devices ADD COLUMN set_id BIGINT REFERENCES device_sets(id) ON DELETE SET NULL;
CREATE INDEX devices_set ON devices(set_id) WHERE set_id IS NOT NULL;

CREATE TABLE device_reservations (
    id           {{ID}},
    school_id    BIGINT NOT NULL REFERENCES schools(id),
    set_id       BIGINT REFERENCES device_sets(id) ON DELETE CASCADE,
    device_id    BIGINT REFERENCES devices(id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    day          TEXT NOT NULL,      -- YYYY-MM-DD
    from_period  INTEGER NOT NULL,
    to_period    INTEGER NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX device_reservations_day ON device_reservations(school_id, day);
