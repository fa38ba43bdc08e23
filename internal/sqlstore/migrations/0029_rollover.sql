-- The school year's rollover: archived groups (with their school year in
-- the name; read-only, deleted after the school's archive days), and
-- each applied rollover with what undoes it for a day.

ALTER TABLE groups ADD COLUMN archived_at BIGINT;
ALTER TABLE retention ADD COLUMN archive_days INTEGER NOT NULL DEFAULT 365;

CREATE TABLE rollovers (
    id          {{ID}},
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    plan        TEXT NOT NULL,   -- JSON: the RolloverPlan applied
    undo        TEXT NOT NULL,   -- JSON: what undoes it
    applied_at  BIGINT NOT NULL,
    undone_at   BIGINT
);
CREATE INDEX rollovers_school ON rollovers(school_id, applied_at);
