-- The version of a school's exam plan: it grows with every change of its
-- exams and exam settings, so that a check made against a plan read
-- before another node's change is known to be stale (SaveExamChecked).
ALTER TABLE schools ADD COLUMN exam_version BIGINT NOT NULL DEFAULT 0;
