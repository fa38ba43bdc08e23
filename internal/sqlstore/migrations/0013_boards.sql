-- Whiteboards ("Tafeln"): a board's drawing is its operation log, the
-- log numbered by seq in the order the server took the operations, with
-- a snapshot of the whole drawing now and then so that a board with
-- thousands of strokes loads from the snapshot and the few operations
-- after it.

CREATE TABLE boards (
    id            {{ID}},
    school_id     BIGINT NOT NULL REFERENCES schools(id),
    owner_id      BIGINT NOT NULL REFERENCES users(id),
    group_id      BIGINT REFERENCES groups(id) ON DELETE SET NULL,
    title         TEXT NOT NULL,
    access        TEXT NOT NULL,           -- private, view, draw
    seq           BIGINT NOT NULL DEFAULT 0,  -- the last operation's
    snapshot      TEXT NOT NULL DEFAULT '',   -- board.Doc as JSON, up to snapshot_seq
    snapshot_seq  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX boards_owner ON boards(school_id, owner_id);
CREATE INDEX boards_group ON boards(group_id);

CREATE TABLE board_ops (
    board_id   BIGINT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    author_id  BIGINT NOT NULL,
    op         TEXT NOT NULL,  -- board.Op as JSON
    PRIMARY KEY (board_id, seq)
);

-- Members whose drawing the teacher switched one by one.
CREATE TABLE board_drawers (
    board_id  BIGINT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users(id),
    allowed   BOOLEAN NOT NULL,
    PRIMARY KEY (board_id, user_id)
);

-- Pictures on boards (image elements, page backgrounds, PDF pages
-- rendered for a background): a blob, uploaded (counted in the
-- uploader's space) or shared from a file of the files module.
CREATE TABLE board_images (
    id            {{ID}},
    board_id      BIGINT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
    uploaded_by   BIGINT NOT NULL REFERENCES users(id),
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    blob_key      TEXT NOT NULL,
    shared        BOOLEAN NOT NULL DEFAULT FALSE, -- from the files module
    created_at    BIGINT NOT NULL
);
CREATE INDEX board_images_board ON board_images(board_id);
CREATE INDEX board_images_blob ON board_images(blob_key);
