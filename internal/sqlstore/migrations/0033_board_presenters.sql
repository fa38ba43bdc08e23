-- Who presents on a board and where (page, view): a node that loads the
-- board later (started after, restarted) lets those who join follow at
-- once, not from the presenter's next move. The live view travels on the
-- bus; this row is at most a second behind it.

CREATE TABLE board_presenters (
    board_id   BIGINT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    view       TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
