-- The timetable from Untis: plans (a weekly grid valid for a range of
-- dates), their periods, and substitutions for single days.

ALTER TABLE groups ADD COLUMN untis_code TEXT NOT NULL DEFAULT '';
CREATE INDEX groups_untis_code ON groups(school_id, untis_code);

CREATE TABLE timetable_plans (
    id           {{ID}},
    school_id    BIGINT NOT NULL REFERENCES schools(id),
    valid_from   TEXT NOT NULL,   -- YYYY-MM-DD
    valid_to     TEXT NOT NULL,   -- YYYY-MM-DD, inclusive
    imported_at  BIGINT NOT NULL
);
CREATE INDEX timetable_plans_school ON timetable_plans(school_id, valid_from);

CREATE TABLE timetable_entries (
    plan_id     BIGINT NOT NULL REFERENCES timetable_plans(id) ON DELETE CASCADE,
    lesson      INTEGER NOT NULL,
    weekday     INTEGER NOT NULL, -- 1 = Monday
    period      INTEGER NOT NULL,
    class_code  TEXT NOT NULL DEFAULT '',
    teacher     TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    room        TEXT NOT NULL DEFAULT '',
    group_id    BIGINT,           -- the class or course group it was matched to
    teacher_id  BIGINT            -- the teacher it was matched to
);
CREATE INDEX timetable_entries_plan ON timetable_entries(plan_id, weekday, period);
CREATE INDEX timetable_entries_group ON timetable_entries(group_id);
CREATE INDEX timetable_entries_teacher ON timetable_entries(teacher_id);

CREATE TABLE substitutions (
    school_id       BIGINT NOT NULL REFERENCES schools(id),
    number          INTEGER NOT NULL,
    day             TEXT NOT NULL,    -- YYYY-MM-DD
    period          INTEGER NOT NULL,
    lesson          INTEGER NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL DEFAULT '',
    flags           INTEGER NOT NULL DEFAULT 0,
    absent_teacher  TEXT NOT NULL DEFAULT '',
    teacher         TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    new_subject     TEXT NOT NULL DEFAULT '',
    room            TEXT NOT NULL DEFAULT '',
    new_room        TEXT NOT NULL DEFAULT '',
    classes         TEXT NOT NULL DEFAULT '', -- "~"-joined class codes
    new_classes     TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    imported_at     BIGINT NOT NULL,
    PRIMARY KEY (school_id, day, number, period)
);

-- The school's lesson times ("Stundenraster"): weekday 0 holds for every
-- day a weekday of its own does not set.
CREATE TABLE lesson_times (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    weekday    INTEGER NOT NULL,
    period     INTEGER NOT NULL,
    start_at   TEXT NOT NULL, -- HH:MM
    end_at     TEXT NOT NULL,
    PRIMARY KEY (school_id, weekday, period)
);

-- Students see teachers' codes in their timetable only where the school
-- allows it.
ALTER TABLE schools ADD COLUMN show_teacher_codes BOOLEAN NOT NULL DEFAULT FALSE;

-- The admin's text for a day of the substitution plan ("Tagestext").
CREATE TABLE day_texts (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    day        TEXT NOT NULL,
    text       TEXT NOT NULL,
    PRIMARY KEY (school_id, day)
);

-- The secret of the school's info screen (the TV in the hall), and when
-- the plan last changed, for the screen to reload.
ALTER TABLE schools ADD COLUMN info_token TEXT NOT NULL DEFAULT '';

-- Each user's private iCalendar address; a new token ends the old one.
CREATE TABLE calendar_feeds (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id),
    token       TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

-- School holidays ("Ferien") and other days without lessons, set by the
-- school; public holidays come from its state.
CREATE TABLE school_holidays (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    name       TEXT NOT NULL,
    from_day   TEXT NOT NULL,
    to_day     TEXT NOT NULL
);
CREATE INDEX school_holidays_school ON school_holidays(school_id, from_day);

-- Exams from the Untis export (GPU017), shown in the timetable; the exam
-- planning module keeps its own.
CREATE TABLE timetable_exams (
    school_id    BIGINT NOT NULL REFERENCES schools(id),
    number       INTEGER NOT NULL,
    day          TEXT NOT NULL,
    from_period  INTEGER NOT NULL,
    to_period    INTEGER NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    subjects     TEXT NOT NULL DEFAULT '', -- "~"-joined
    lessons      TEXT NOT NULL DEFAULT '', -- "~"-joined lesson numbers
    rooms        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX timetable_exams_day ON timetable_exams(school_id, day);
