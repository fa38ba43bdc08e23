-- Assignments ("Aufgaben") for groups, their attachments, and students'
-- hand-ins with the teacher's feedback.

CREATE TABLE assignments (
    id           {{ID}},
    school_id    BIGINT NOT NULL REFERENCES schools(id),
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    starts_at    BIGINT NOT NULL,
    due_at       BIGINT NOT NULL,
    allow_late   BOOLEAN NOT NULL DEFAULT FALSE,
    reviewed_at  BIGINT,
    created_by   BIGINT NOT NULL REFERENCES users(id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX assignments_school ON assignments(school_id, due_at);
CREATE INDEX assignments_created_by ON assignments(created_by);

CREATE TABLE assignment_groups (
    assignment_id  BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    group_id       BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (assignment_id, group_id)
);
CREATE INDEX assignment_groups_group ON assignment_groups(group_id);

CREATE TABLE submissions (
    assignment_id  BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id     BIGINT NOT NULL REFERENCES users(id),
    text           TEXT NOT NULL DEFAULT '',
    submitted_at   BIGINT,
    feedback       TEXT NOT NULL DEFAULT '',
    feedback_by    BIGINT,
    feedback_at    BIGINT,
    PRIMARY KEY (assignment_id, student_id)
);

-- student_id 0: an attachment of the assignment; else a hand-in's file.
-- uploaded_by counts the bytes against that user's quota.
CREATE TABLE assignment_files (
    id             {{ID}},
    assignment_id  BIGINT NOT NULL REFERENCES assignments(id) ON DELETE CASCADE,
    student_id     BIGINT NOT NULL DEFAULT 0,
    name           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    content_type   TEXT NOT NULL DEFAULT '',
    blob_key       TEXT NOT NULL,
    uploaded_by    BIGINT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX assignment_files_assignment ON assignment_files(assignment_id, student_id);
CREATE INDEX assignment_files_blob ON assignment_files(blob_key);
CREATE INDEX assignment_files_uploader ON assignment_files(uploaded_by);
