-- A teacher the timetable import put into a class or course (she teaches
-- it by the plan, or is its class teacher): the next import takes her out
-- again when the plan no longer has her there. Memberships made by hand
-- keep FALSE, and no import touches them.
ALTER TABLE memberships ADD COLUMN from_timetable BOOLEAN NOT NULL DEFAULT FALSE;
