-- Files and folders of users' and groups' spaces, their earlier versions,
-- and the trash (rows with deleted_at set).

CREATE TABLE nodes (
    id               {{ID}},
    school_id        BIGINT NOT NULL REFERENCES schools(id),
    space_kind       TEXT NOT NULL,
    space_id         BIGINT NOT NULL,
    parent_id        BIGINT REFERENCES nodes(id),
    name             TEXT NOT NULL,
    name_key         TEXT NOT NULL,
    is_folder        BOOLEAN NOT NULL,
    size             BIGINT NOT NULL DEFAULT 0,
    blob_key         TEXT NOT NULL DEFAULT '',
    sha256           TEXT NOT NULL DEFAULT '',
    content_type     TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 0,
    students_upload  BOOLEAN NOT NULL DEFAULT FALSE,
    created_by       BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    deleted_at       BIGINT,
    deleted_by       BIGINT,
    trash_root       BOOLEAN NOT NULL DEFAULT FALSE
);
-- one live node per name (case-insensitive) in a folder
CREATE UNIQUE INDEX nodes_live_name ON nodes(space_kind, space_id, COALESCE(parent_id, 0), name_key) WHERE deleted_at IS NULL;
CREATE INDEX nodes_parent ON nodes(parent_id);
CREATE INDEX nodes_space ON nodes(school_id, space_kind, space_id);
CREATE INDEX nodes_blob ON nodes(blob_key);
CREATE INDEX nodes_trash ON nodes(deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE node_versions (
    node_id     BIGINT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    size        BIGINT NOT NULL,
    sha256      TEXT NOT NULL,
    blob_key    TEXT NOT NULL,
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (node_id, version)
);
CREATE INDEX node_versions_blob ON node_versions(blob_key);
