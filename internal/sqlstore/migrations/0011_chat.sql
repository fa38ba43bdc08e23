-- The messenger: a room per group (its members follow the group's), the
-- school's announcement channel, and conversations people start; the
-- messages, and how far each reader has read.

CREATE TABLE chat_rooms (
    id          {{ID}},
    school_id   BIGINT NOT NULL REFERENCES schools(id),
    kind        TEXT NOT NULL,     -- group, school, direct, chat
    group_id    BIGINT REFERENCES groups(id) ON DELETE CASCADE,
    name        TEXT NOT NULL DEFAULT '',
    locked      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX chat_rooms_group ON chat_rooms(group_id);
CREATE INDEX chat_rooms_school ON chat_rooms(school_id, kind);

-- The members of conversations (rooms of kind direct and chat); group
-- rooms take the group's members, the school's channel everyone's.
CREATE TABLE chat_members (
    room_id  BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX chat_members_user ON chat_members(user_id);

CREATE TABLE chat_messages (
    id            {{ID}},
    room_id       BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    sender_id     BIGINT NOT NULL REFERENCES users(id),
    text          TEXT NOT NULL,
    reply_to      BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    edited_at     BIGINT,
    deleted_at    BIGINT,
    by_moderator  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX chat_messages_room ON chat_messages(room_id, id);

-- How far each reader has read a room (the id of the last message read).
CREATE TABLE chat_reads (
    room_id    BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    last_read  BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

-- Members a room's leader has muted, until when.
CREATE TABLE chat_mutes (
    room_id  BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id),
    until    BIGINT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
