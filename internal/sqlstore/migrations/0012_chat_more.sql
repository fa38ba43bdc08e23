-- The messenger's second part: who may start conversations and how long
-- messages are kept (per school), the leaders of conversations, emoji
-- reactions, mentions, attachments, reports against messages, and the
-- browsers that asked for Web Push notifications.

CREATE TABLE chat_settings (
    school_id      BIGINT PRIMARY KEY REFERENCES schools(id),
    settings_json  TEXT NOT NULL
);

-- who started a conversation leads it (may moderate it)
ALTER TABLE chat_members ADD COLUMN leader BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE chat_reactions (
    message_id  BIGINT NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    emoji       TEXT NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE chat_mentions (
    message_id  BIGINT NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (message_id, user_id)
);
CREATE INDEX chat_mentions_user ON chat_mentions(user_id);

-- Files attached to messages: uploaded into the room, or taken from the
-- files module (the blob is shared, not copied). message_id is NULL while
-- the attachment waits for its message.
CREATE TABLE chat_attachments (
    id            {{ID}},
    room_id       BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    message_id    BIGINT REFERENCES chat_messages(id) ON DELETE CASCADE,
    uploaded_by   BIGINT NOT NULL REFERENCES users(id),
    name          TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          BIGINT NOT NULL,
    blob_key      TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX chat_attachments_message ON chat_attachments(message_id);
CREATE INDEX chat_attachments_blob ON chat_attachments(blob_key);

CREATE TABLE chat_reports (
    id           {{ID}},
    room_id      BIGINT NOT NULL REFERENCES chat_rooms(id) ON DELETE CASCADE,
    message_id   BIGINT NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    reporter_id  BIGINT NOT NULL REFERENCES users(id),
    reason       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    handled_by   BIGINT,
    handled_at   BIGINT
);
CREATE UNIQUE INDEX chat_reports_once ON chat_reports(message_id, reporter_id);
CREATE INDEX chat_reports_room ON chat_reports(room_id, handled_at);

CREATE TABLE push_subscriptions (
    id          {{ID}},
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint    TEXT NOT NULL UNIQUE,
    p256dh      TEXT NOT NULL,
    auth        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);

CREATE INDEX chat_messages_created ON chat_messages(created_at);

-- the text in lower case (as Go lowers it, umlauts too), for search
ALTER TABLE chat_messages ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE chat_messages SET search_text = LOWER(text);
