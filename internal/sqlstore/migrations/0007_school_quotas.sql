-- A school's own storage limits: JSON of quota key -> bytes.

ALTER TABLE schools ADD COLUMN quotas TEXT NOT NULL DEFAULT '{}';
