-- A/B weeks: the Untis lesson group of each timetable entry, and the
-- school's week model that says which groups run in which weeks.

ALTER TABLE timetable_entries ADD COLUMN week_group TEXT NOT NULL DEFAULT '';

CREATE TABLE week_models (
    school_id      BIGINT PRIMARY KEY REFERENCES schools(id),
    weeks          INTEGER NOT NULL,          -- 2 for A/B, 3, 4
    start_day      TEXT NOT NULL,             -- the Monday of an A week
    skip_holidays  BOOLEAN NOT NULL,
    groups_json    TEXT NOT NULL              -- [["A","AW"],["B","BW"]]
);
