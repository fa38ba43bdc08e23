-- Devices ("Geräte"): the school's iPads, notebooks, PCs and displays,
-- and their loans to students and teachers. A device's status says where
-- it is; a loan that runs has no returned_at, and a device has at most
-- one (a unique partial index settles two who lend it at once).

CREATE TABLE devices (
    id            {{ID}},
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    type          TEXT NOT NULL,
    model         TEXT NOT NULL,
    serial        TEXT NOT NULL DEFAULT '',
    asset_tag     TEXT NOT NULL,
    purchased_on  TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD or ''
    warranty_end  TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    location      TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    mdm_id        TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX devices_tag ON devices(school_id, asset_tag);
CREATE UNIQUE INDEX devices_serial ON devices(school_id, serial) WHERE serial <> '';
CREATE INDEX devices_status ON devices(school_id, status);

CREATE TABLE device_loans (
    id              {{ID}},
    school_id       BIGINT NOT NULL REFERENCES schools(id),
    device_id       BIGINT NOT NULL REFERENCES devices(id),
    user_id         BIGINT NOT NULL REFERENCES users(id),
    start_day       TEXT NOT NULL,
    until_day       TEXT NOT NULL,
    lent_by         BIGINT NOT NULL REFERENCES users(id),
    lent_at         BIGINT NOT NULL,
    returned_at     BIGINT,
    condition       TEXT NOT NULL DEFAULT '',
    condition_note  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX device_loans_open ON device_loans(device_id) WHERE returned_at IS NULL;
CREATE INDEX device_loans_user ON device_loans(user_id);
CREATE INDEX device_loans_due ON device_loans(school_id, until_day) WHERE returned_at IS NULL;

-- The teachers a school named device managers (besides its admins).
CREATE TABLE device_managers (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (school_id, user_id)
);
