-- Damage to devices ("Schadensmeldungen"): what happened, the repair's
-- status and cost, the insurance case, and photos (blobs, like the
-- files'). A report stays with the device's history; it is kept as long
-- as the school's retention says.

CREATE TABLE device_damage (
    id           {{ID}},
    school_id    BIGINT NOT NULL REFERENCES schools(id),
    device_id    BIGINT NOT NULL REFERENCES devices(id),
    reported_by  BIGINT NOT NULL REFERENCES users(id),
    reported_at  BIGINT NOT NULL,
    description  TEXT NOT NULL,
    status       TEXT NOT NULL,              -- open, in_repair, repaired, written_off
    cost_cents   BIGINT NOT NULL DEFAULT 0,
    insurance    TEXT NOT NULL DEFAULT '',   -- the insurance case's number, if any
    updated_at   BIGINT NOT NULL
);
CREATE INDEX device_damage_device ON device_damage(device_id);
CREATE INDEX device_damage_school ON device_damage(school_id, status);

CREATE TABLE device_damage_photos (
    id            {{ID}},
    damage_id     BIGINT NOT NULL REFERENCES device_damage(id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    blob_key      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX device_damage_photos_damage ON device_damage_photos(damage_id);
CREATE INDEX device_damage_photos_blob ON device_damage_photos(blob_key);
