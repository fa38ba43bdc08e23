-- IP addresses in the audit log and in sessions are shortened after 7
-- days (the last byte of IPv4, all but the first 48 bits of IPv6); the
-- mark says which are.

ALTER TABLE audit_log ADD COLUMN ip_short BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN ip_short BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX audit_log_ip_long ON audit_log(created_at) WHERE NOT ip_short AND ip <> '';
