-- The exam plan ("Klausurplan"): exams teachers plan for their groups,
-- with who writes, where and who supervises; the school's rules, blocked
-- days and coordinators.

CREATE TABLE exams (
    id               {{ID}},
    school_id        BIGINT NOT NULL REFERENCES schools(id),
    day              TEXT NOT NULL,     -- YYYY-MM-DD
    from_period      INTEGER NOT NULL,
    to_period        INTEGER NOT NULL,
    kind             TEXT NOT NULL,     -- klassenarbeit, klausur, test, nachschreibtermin
    title            TEXT NOT NULL,
    override_reason  TEXT NOT NULL DEFAULT '',
    created_by       BIGINT NOT NULL REFERENCES users(id),
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX exams_school_day ON exams(school_id, day);

CREATE TABLE exam_groups (
    exam_id   BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    group_id  BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE, -- the exam stays with its students
    PRIMARY KEY (exam_id, group_id)
);
CREATE INDEX exam_groups_group ON exam_groups(group_id);

CREATE TABLE exam_students (
    exam_id  BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (exam_id, user_id)
);
CREATE INDEX exam_students_user ON exam_students(user_id);

CREATE TABLE exam_rooms (
    exam_id  BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    room     TEXT NOT NULL,
    PRIMARY KEY (exam_id, room)
);

CREATE TABLE exam_supervisors (
    exam_id  BIGINT NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (exam_id, user_id)
);
CREATE INDEX exam_supervisors_user ON exam_supervisors(user_id);

CREATE TABLE exam_settings (
    school_id      BIGINT PRIMARY KEY REFERENCES schools(id),
    rules_json     TEXT NOT NULL DEFAULT '',  -- '' = the state's preset
    announce_days  INTEGER NOT NULL
);

CREATE TABLE exam_blocked_days (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    day        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (school_id, day)
);

CREATE TABLE exam_coordinators (
    school_id  BIGINT NOT NULL REFERENCES schools(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (school_id, user_id)
);
