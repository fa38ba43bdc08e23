-- Properties that WebDAV clients set on files and folders (dead
-- properties, RFC 4918): kept as the XML the client sent.
CREATE TABLE node_props (
    node_id    BIGINT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    space      TEXT NOT NULL,
    name       TEXT NOT NULL,
    inner_xml  TEXT NOT NULL,
    lang       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (node_id, space, name)
);
