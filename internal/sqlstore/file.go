package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.FileService = (*DB)(nil)

const nodeColumns = `n.id, n.school_id, n.space_kind, n.space_id, COALESCE(n.parent_id, 0), n.name, n.is_folder, n.size,
	n.sha256, n.content_type, n.version, n.blob_key, n.students_upload, n.created_by, n.created_at, n.updated_at, n.deleted_at`

func scanNode(row interface{ Scan(...any) error }) (*schulhof.Node, error) {
	var n schulhof.Node
	var created, updated int64
	var deleted sql.NullInt64
	if err := row.Scan(&n.ID, &n.SchoolID, &n.Space.Kind, &n.Space.ID, &n.ParentID, &n.Name, &n.IsFolder, &n.Size,
		&n.SHA256, &n.ContentType, &n.Version, &n.BlobKey, &n.StudentsUpload, &n.CreatedBy, &created, &updated, &deleted); err != nil {
		return nil, err
	}
	n.CreatedAt, n.UpdatedAt = time.Unix(created, 0), time.Unix(updated, 0)
	if deleted.Valid {
		t := time.Unix(deleted.Int64, 0)
		n.DeletedAt = &t
	}
	return &n, nil
}

func queryNodes(ctx context.Context, q querier, query string, args ...any) ([]*schulhof.Node, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Node
	for rows.Next() {
		n, err := scanNode(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func nullNode(id schulhof.NodeID) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

func actorID(ctx context.Context) int64 {
	if a := schulhof.ActorFromContext(ctx); a != nil && a.User != nil {
		return int64(a.User.ID)
	}
	return 0
}

// FindNode returns a node of the school, live or in the trash.
func (db *DB) FindNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (*schulhof.Node, error) {
	n, err := scanNode(db.readRow(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2`, id, school))
	return n, notFound(err, "file.not_found")
}

// FindNodeByPath walks the names from the top of the space; only live
// nodes are found.
func (db *DB) FindNodeByPath(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, names []string) (*schulhof.Node, error) {
	var n *schulhof.Node
	parent := schulhof.NodeID(0)
	for _, name := range names {
		var err error
		n, err = scanNode(db.readRow(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
			AND n.space_id = $3 AND COALESCE(n.parent_id, 0) = $4 AND n.name_key = $5 AND n.deleted_at IS NULL`,
			school, string(space.Kind), space.ID, int64(parent), schulhof.NameKey(name)))
		if err != nil {
			return nil, notFound(err, "file.not_found")
		}
		parent = n.ID
	}
	if n == nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	return n, nil
}

// FindNodes lists a folder (0: the top of the space), folders first.
func (db *DB) FindNodes(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID) ([]*schulhof.Node, error) {
	if parent != 0 {
		p, err := db.FindNode(ctx, school, parent)
		if err != nil {
			return nil, err
		}
		if p.Space != space || !p.IsFolder || p.DeletedAt != nil {
			return nil, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
	}
	return queryNodes(ctx, readQuerier{db}, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
		AND n.space_id = $3 AND COALESCE(n.parent_id, 0) = $4 AND n.deleted_at IS NULL
		ORDER BY n.is_folder DESC, n.name_key, n.id`, school, string(space.Kind), space.ID, int64(parent))
}

// FindRecentFiles lists up to limit live files of a space, the most
// recently changed first.
func (db *DB) FindRecentFiles(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, limit int) ([]*schulhof.Node, error) {
	return queryNodes(ctx, readQuerier{db}, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
		AND n.space_id = $3 AND NOT n.is_folder AND n.deleted_at IS NULL ORDER BY n.updated_at DESC, n.id DESC LIMIT $4`,
		school, string(space.Kind), space.ID, limit)
}

// liveFolder checks that parent is a live folder of the space (0 is the top).
func liveFolder(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID) error {
	if parent == 0 {
		return nil
	}
	p, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2`, parent, school))
	if err != nil {
		return notFound(err, "file.not_found")
	}
	if p.Space != space || p.DeletedAt != nil {
		return schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if !p.IsFolder {
		return schulhof.Errorf(schulhof.EConflict, "file.parent_not_folder")
	}
	return nil
}

func nameTaken() error {
	return &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
		Fields: []schulhof.FieldError{{Field: "name", Key: "file.name_taken"}}}
}

// CreateFolder makes a folder.
func (db *DB) CreateFolder(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.Node, error) {
	name, err := schulhof.CleanName(name)
	if err != nil {
		return nil, err
	}
	var out *schulhof.Node
	err = db.update(ctx, func(tx *sql.Tx) error {
		if err := liveFolder(ctx, tx, school, space, parent); err != nil {
			return err
		}
		now := db.now()
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO nodes (school_id, space_kind, space_id, parent_id, name, name_key, is_folder,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $8) RETURNING id`,
			school, string(space.Kind), space.ID, nullNode(parent), name, schulhof.NameKey(name), actorID(ctx), now).Scan(&id)
		if isUnique(err) {
			return nameTaken()
		}
		if err != nil {
			return fmt.Errorf("create folder: %w", err)
		}
		out, err = scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1`, id))
		return err
	})
	return out, err
}

// PutFile creates a file or gives it new content, keeping the old as a
// version. Writers of one file queue on its row (SELECT ... FOR UPDATE on
// PostgreSQL; SQLite has one writer anyway). Two first uploads of a name
// can still race to insert; the loser's unique violation is retried and
// then versions the winner: the last writer wins and nothing is lost.
func (db *DB) PutFile(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string, c schulhof.NewContent, keepVersions int) (*schulhof.Node, error) {
	name, err := schulhof.CleanName(name)
	if err != nil {
		return nil, err
	}
	var out *schulhof.Node
	for attempt := 0; attempt < 3; attempt++ {
		err = db.update(ctx, func(tx *sql.Tx) error {
			var err error
			out, err = db.putFile(ctx, tx, school, space, parent, name, c, keepVersions)
			return err
		})
		if !isUnique(err) {
			break
		}
	}
	if isUnique(err) {
		return nil, nameTaken()
	}
	return out, err
}

func (db *DB) putFile(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string, c schulhof.NewContent, keep int) (*schulhof.Node, error) {
	if err := liveFolder(ctx, tx, school, space, parent); err != nil {
		return nil, err
	}
	now, actor := db.now(), actorID(ctx)
	old, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
		AND n.space_id = $3 AND COALESCE(n.parent_id, 0) = $4 AND n.name_key = $5 AND n.deleted_at IS NULL`+db.forUpdate(),
		school, string(space.Kind), space.ID, int64(parent), schulhof.NameKey(name)))
	var id int64
	switch {
	case err == sql.ErrNoRows:
		err = tx.QueryRowContext(ctx, `INSERT INTO nodes (school_id, space_kind, space_id, parent_id, name, name_key, is_folder,
			size, blob_key, sha256, content_type, version, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, FALSE, $7, $8, $9, $10, 1, $11, $12, $12) RETURNING id`,
			school, string(space.Kind), space.ID, nullNode(parent), name, schulhof.NameKey(name),
			c.Size, c.BlobKey, c.SHA256, c.ContentType, actor, now).Scan(&id)
		if err != nil {
			return nil, err // a unique violation is retried by PutFile
		}
	case err != nil:
		return nil, err
	case old.IsFolder:
		return nil, &schulhof.Error{Code: schulhof.EConflict, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "name", Key: "file.name_is_folder"}}}
	default:
		id = int64(old.ID)
		if _, err := tx.ExecContext(ctx, `INSERT INTO node_versions (node_id, version, size, sha256, blob_key, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, old.Version, old.Size, old.SHA256, old.BlobKey, old.CreatedBy, old.UpdatedAt.Unix()); err != nil {
			return nil, fmt.Errorf("keep version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE nodes SET name = $1, size = $2, blob_key = $3, sha256 = $4, content_type = $5,
			version = version + 1, created_by = $6, updated_at = $7 WHERE id = $8`,
			name, c.Size, c.BlobKey, c.SHA256, c.ContentType, actor, now, id); err != nil {
			return nil, fmt.Errorf("new content: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM node_versions WHERE node_id = $1 AND version <= $2`, id, old.Version-keep); err != nil {
			return nil, fmt.Errorf("prune versions: %w", err)
		}
	}
	return scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1`, id))
}

// FindVersions lists a file's earlier contents, newest first.
func (db *DB) FindVersions(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) ([]*schulhof.FileVersion, error) {
	if _, err := db.FindNode(ctx, school, id); err != nil {
		return nil, err
	}
	rows, err := db.readRows(ctx, `SELECT node_id, version, size, sha256, blob_key, created_by, created_at FROM node_versions
		WHERE node_id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.FileVersion
	for rows.Next() {
		var v schulhof.FileVersion
		var created int64
		if err := rows.Scan(&v.NodeID, &v.Version, &v.Size, &v.SHA256, &v.BlobKey, &v.CreatedBy, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = time.Unix(created, 0)
		out = append(out, &v)
	}
	return out, rows.Err()
}

// subtree is the node and every live node below it.
const subtree = `WITH RECURSIVE sub(id) AS (
	SELECT id FROM nodes WHERE id = $1
	UNION ALL
	SELECT c.id FROM nodes c JOIN sub ON c.parent_id = sub.id WHERE c.deleted_at IS NULL)`

// TrashNode moves a live node and everything below it to the trash.
func (db *DB) TrashNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		n, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2`, id, school))
		if err != nil {
			return notFound(err, "file.not_found")
		}
		if n.DeletedAt != nil {
			return schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		if _, err := tx.ExecContext(ctx, subtree+` UPDATE nodes SET deleted_at = $2, deleted_by = $3
			WHERE id IN (SELECT id FROM sub) AND deleted_at IS NULL`, id, db.now(), actorID(ctx)); err != nil {
			return fmt.Errorf("trash: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE nodes SET trash_root = TRUE WHERE id = $1`, id)
		return err
	})
}

// RestoreNode brings a trashed node back with what was trashed with it.
func (db *DB) RestoreNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (*schulhof.Node, error) {
	var out *schulhof.Node
	err := db.update(ctx, func(tx *sql.Tx) error {
		n, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2 AND n.trash_root`, id, school))
		if err != nil {
			return notFound(err, "file.not_found")
		}
		if n.DeletedAt == nil {
			return schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		parent := n.ParentID
		if parent != 0 && liveFolder(ctx, tx, school, n.Space, parent) != nil {
			parent = 0 // its folder is gone: back to the top of the space
		}
		name := n.Name
		for i := 2; ; i++ {
			var taken int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM nodes WHERE space_kind = $1 AND space_id = $2
				AND COALESCE(parent_id, 0) = $3 AND name_key = $4 AND deleted_at IS NULL`,
				string(n.Space.Kind), n.Space.ID, int64(parent), schulhof.NameKey(name)).Scan(&taken); err != nil {
				return err
			}
			if taken == 0 {
				break
			}
			ext := path.Ext(n.Name)
			if n.IsFolder {
				ext = ""
			}
			name = fmt.Sprintf("%s (%d)%s", strings.TrimSuffix(n.Name, ext), i, ext)
		}
		// rename first, while it is still in the trash, so the live name
		// index never sees two of a kind
		if _, err := tx.ExecContext(ctx, `UPDATE nodes SET trash_root = FALSE, parent_id = $1, name = $2, name_key = $3 WHERE id = $4`,
			nullNode(parent), name, schulhof.NameKey(name), id); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		// what was trashed with it has the same time and lies below it
		if _, err := tx.ExecContext(ctx, `WITH RECURSIVE sub(id) AS (
				SELECT id FROM nodes WHERE id = $1
				UNION ALL
				SELECT c.id FROM nodes c JOIN sub ON c.parent_id = sub.id WHERE c.deleted_at = $2 AND NOT c.trash_root)
			UPDATE nodes SET deleted_at = NULL, deleted_by = NULL WHERE id IN (SELECT id FROM sub)`, id, n.DeletedAt.Unix()); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		out, err = scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1`, id))
		return err
	})
	return out, err
}

// FindTrash lists what was deleted in a space, newest first.
func (db *DB) FindTrash(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) ([]*schulhof.Node, error) {
	return queryNodes(ctx, readQuerier{db}, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
		AND n.space_id = $3 AND n.trash_root AND n.deleted_at IS NOT NULL ORDER BY n.deleted_at DESC, n.id`,
		school, string(space.Kind), space.ID)
}

// EmptyTrash removes for good what is in a space's trash, and returns
// how many files and folders; the audit log keeps it.
func (db *DB) EmptyTrash(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = deleteTrashed(ctx, tx, `school_id = $1 AND space_kind = $2 AND space_id = $3`, school, string(space.Kind), space.ID)
		if err != nil || n == 0 {
			return err
		}
		return db.audit(ctx, tx, school, "files.empty_trash", string(space.Kind)+":"+strconv.FormatInt(space.ID, 10), strconv.FormatInt(n, 10))
	})
	return n, err
}

// PurgeTrash removes for good what has been in the trash since before the
// time. The blobs stay until the sweeper finds them unnamed.
func (db *DB) PurgeTrash(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := db.update(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = deleteTrashed(ctx, tx, `deleted_at < $1`, before.Unix())
		return err
	})
	return n, err
}

// deleteTrashed deletes the nodes in the trash that match where, children
// first (a node's folder may go in the same run), and counts them.
func deleteTrashed(ctx context.Context, tx *sql.Tx, where string, args ...any) (int64, error) {
	var n int64
	for {
		res, err := tx.ExecContext(ctx, `DELETE FROM nodes WHERE deleted_at IS NOT NULL AND `+where+`
			AND NOT EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = nodes.id)`, args...)
		if err != nil {
			return n, fmt.Errorf("delete from the trash: %w", err)
		}
		k, _ := res.RowsAffected()
		if k == 0 {
			return n, nil
		}
		n += k
	}
}

// SpaceUsage counts the bytes of a space's files and their versions, those
// in the trash too (what can be restored takes its room until the trash
// is emptied, by hand or after its retention: else upload, delete and
// restore would hold many times the quota), and for a user's space the
// files they uploaded to assignments and chats.
func (db *DB) SpaceUsage(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) (int64, error) {
	var files, versions int64
	err := db.readRow(ctx, `SELECT COALESCE(SUM(size), 0) FROM nodes WHERE school_id = $1 AND space_kind = $2 AND space_id = $3`,
		school, string(space.Kind), space.ID).Scan(&files)
	if err != nil {
		return 0, err
	}
	err = db.readRow(ctx, `SELECT COALESCE(SUM(v.size), 0) FROM node_versions v JOIN nodes n ON n.id = v.node_id
		WHERE n.school_id = $1 AND n.space_kind = $2 AND n.space_id = $3`, school, string(space.Kind), space.ID).Scan(&versions)
	if err != nil || space.Kind != schulhof.SpaceUser {
		return files + versions, err
	}
	// a user's hand-ins and assignment attachments count as theirs (not
	// files handed in from their space: those count there)
	var assignments int64
	err = db.readRow(ctx, `SELECT COALESCE(SUM(f.size), 0) FROM assignment_files f JOIN assignments a ON a.id = f.assignment_id
		WHERE a.school_id = $1 AND f.uploaded_by = $2 AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.blob_key = f.blob_key
		AND n.school_id = $1 AND n.space_kind = 'user' AND n.space_id = $2)`, school, space.ID).Scan(&assignments)
	if err != nil {
		return 0, err
	}
	// and what they uploaded into chats (not files shared from their space)
	var chat int64
	err = db.readRow(ctx, `SELECT COALESCE(SUM(a.size), 0) FROM chat_attachments a JOIN chat_rooms r ON r.id = a.room_id
		WHERE r.school_id = $1 AND a.uploaded_by = $2 AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.blob_key = a.blob_key)`, school, space.ID).Scan(&chat)
	if err != nil {
		return 0, err
	}
	// and pictures they uploaded onto boards
	var boards int64
	err = db.readRow(ctx, `SELECT COALESCE(SUM(i.size), 0) FROM board_images i JOIN boards b ON b.id = i.board_id
		WHERE b.school_id = $1 AND i.uploaded_by = $2 AND NOT i.shared`, school, space.ID).Scan(&boards)
	return files + versions + assignments + chat + boards, err
}

// BlobInUse reports whether a file, a version, an assignment's file, a
// chat attachment, a board's picture (or its copy for exports) or a
// photo of a device's damage names the blob.
func (db *DB) BlobInUse(ctx context.Context, key string) (bool, error) {
	var n int
	err := db.readRow(ctx, `SELECT (SELECT COUNT(*) FROM nodes WHERE blob_key = $1) + (SELECT COUNT(*) FROM node_versions WHERE blob_key = $1)
		+ (SELECT COUNT(*) FROM assignment_files WHERE blob_key = $1) + (SELECT COUNT(*) FROM chat_attachments WHERE blob_key = $1)
		+ (SELECT COUNT(*) FROM board_images WHERE blob_key = $1 OR render_key = $1)
		+ (SELECT COUNT(*) FROM device_damage_photos WHERE blob_key = $1)`, key).Scan(&n)
	return n > 0, err
}

// BlobsInUse is BlobInUse for many keys at once (the housekeeping's sweep
// of every blob): a few queries per 500 keys instead of one per key.
func (db *DB) BlobsInUse(ctx context.Context, keys []string) (map[string]bool, error) {
	used := map[string]bool{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		part := keys[:n]
		keys = keys[n:]
		marks := make([]string, len(part))
		args := make([]any, len(part))
		for i, k := range part {
			marks[i] = "$" + strconv.Itoa(i+1)
			args[i] = k
		}
		in := strings.Join(marks, ",")
		q := `SELECT blob_key FROM nodes WHERE blob_key IN (` + in + `)
			UNION SELECT blob_key FROM node_versions WHERE blob_key IN (` + in + `)
			UNION SELECT blob_key FROM assignment_files WHERE blob_key IN (` + in + `)
			UNION SELECT blob_key FROM chat_attachments WHERE blob_key IN (` + in + `)
			UNION SELECT blob_key FROM board_images WHERE blob_key IN (` + in + `)
			UNION SELECT render_key FROM board_images WHERE render_key IN (` + in + `)
			UNION SELECT blob_key FROM device_damage_photos WHERE blob_key IN (` + in + `)`
		db.reads.Add(1)
		rows, err := db.read.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("blobs in use: %w", err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			used[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return used, nil
}

// forUpdate locks the rows a write transaction read on PostgreSQL; SQLite
// has no such clause and needs none, its writers take turns.
func (db *DB) forUpdate() string {
	if db.dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// SetStudentsUpload lets group members add files to a folder, or not.
func (db *DB) SetStudentsUpload(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, on bool) (*schulhof.Node, error) {
	var out *schulhof.Node
	err := db.update(ctx, func(tx *sql.Tx) error {
		n, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2 AND n.deleted_at IS NULL`, id, school))
		if err != nil {
			return notFound(err, "file.not_found")
		}
		if !n.IsFolder || n.Space.Kind != schulhof.SpaceGroup {
			return schulhof.Errorf(schulhof.EInvalid, "file.upload_setting_folder")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE nodes SET students_upload = $1 WHERE id = $2`, on, id); err != nil {
			return err
		}
		n.StudentsUpload, out = on, n
		return nil
	})
	return out, err
}

// MoveNode gives a live node a new folder in the same space and a new
// name; a folder cannot move into itself or below itself.
func (db *DB) MoveNode(ctx context.Context, school schulhof.SchoolID, id, parent schulhof.NodeID, name string) (*schulhof.Node, error) {
	name, err := schulhof.CleanName(name)
	if err != nil {
		return nil, err
	}
	var out *schulhof.Node
	err = db.update(ctx, func(tx *sql.Tx) error {
		n, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2 AND n.deleted_at IS NULL`, id, school))
		if err != nil {
			return notFound(err, "file.not_found")
		}
		if err := liveFolder(ctx, tx, school, n.Space, parent); err != nil {
			return err
		}
		if parent != 0 {
			var inside int
			if err := tx.QueryRowContext(ctx, subtree+` SELECT COUNT(*) FROM sub WHERE id = $2`, id, parent).Scan(&inside); err != nil {
				return err
			}
			if inside > 0 {
				return schulhof.Errorf(schulhof.EConflict, "file.move_into_itself")
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE nodes SET parent_id = $1, name = $2, name_key = $3, updated_at = $4 WHERE id = $5`,
			nullNode(parent), name, schulhof.NameKey(name), db.now(), id)
		if isUnique(err) {
			return nameTaken()
		}
		if err != nil {
			return fmt.Errorf("move: %w", err)
		}
		out, err = scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1`, id))
		return err
	})
	return out, err
}

// FindNodeProps returns a node's stored properties.
func (db *DB) FindNodeProps(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) ([]schulhof.NodeProp, error) {
	rows, err := db.readRows(ctx, `SELECT p.space, p.name, p.inner_xml, p.lang FROM node_props p JOIN nodes n ON n.id = p.node_id
		WHERE p.node_id = $1 AND n.school_id = $2 ORDER BY p.space, p.name`, id, school)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schulhof.NodeProp
	for rows.Next() {
		var p schulhof.NodeProp
		if err := rows.Scan(&p.Space, &p.Name, &p.InnerXML, &p.Lang); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PatchNodeProps applies the changes in their order (a PROPPATCH may set
// and then remove the same property) in one transaction.
func (db *DB) PatchNodeProps(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, changes []schulhof.NodePropChange) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM nodes WHERE id = $1 AND school_id = $2`, id, school).Scan(&one); err != nil {
			return notFound(err, "file.not_found")
		}
		for _, c := range changes {
			p := c.Prop
			var err error
			if c.Remove {
				_, err = tx.ExecContext(ctx, `DELETE FROM node_props WHERE node_id = $1 AND space = $2 AND name = $3`, id, p.Space, p.Name)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO node_props (node_id, space, name, inner_xml, lang) VALUES ($1, $2, $3, $4, $5)
					ON CONFLICT (node_id, space, name) DO UPDATE SET inner_xml = excluded.inner_xml, lang = excluded.lang`,
					id, p.Space, p.Name, p.InnerXML, p.Lang)
			}
			if err != nil {
				return err
			}
		}
		var size, count int64
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(LENGTH(space) + LENGTH(name) + LENGTH(inner_xml) + LENGTH(lang)), 0), COUNT(*)
			FROM node_props WHERE node_id = $1`, id).Scan(&size, &count); err != nil {
			return err
		}
		if size > schulhof.MaxNodePropsSize || count > schulhof.MaxNodeProps {
			return schulhof.Errorf(schulhof.EInvalid, "dav.props_too_large")
		}
		return nil
	})
}

// MaxCopyNodes bounds one copy: a class's whole year of material, not a
// whole school in one transaction.
const MaxCopyNodes = 10000

// TreeSize counts the live files and folders below (and including) a
// node and the bytes of the files, for the quota check before a copy.
func (db *DB) TreeSize(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (nodes int, bytes int64, err error) {
	err = db.readRow(ctx, subtree+` SELECT COUNT(*), COALESCE(SUM(n.size), 0) FROM nodes n JOIN sub ON sub.id = n.id
		WHERE n.school_id = $2 AND n.deleted_at IS NULL`, id, school).Scan(&nodes, &bytes)
	return nodes, bytes, err
}

// CopyNode copies a file, or a folder with everything in it, into a
// folder of any space of the school. Copies name the same bytes as the
// originals (a blob is removed only when no row names it any more) and
// start without versions.
func (db *DB) CopyNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.Node, error) {
	name, err := schulhof.CleanName(name)
	if err != nil {
		return nil, err
	}
	var out *schulhof.Node
	err = db.update(ctx, func(tx *sql.Tx) error {
		src, err := scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1 AND n.school_id = $2 AND n.deleted_at IS NULL`, id, school))
		if err != nil {
			return notFound(err, "file.not_found")
		}
		if err := liveFolder(ctx, tx, school, space, parent); err != nil {
			return err
		}
		var count, inside int
		if err := tx.QueryRowContext(ctx, subtree+` SELECT COUNT(*), COALESCE(SUM(CASE WHEN id = $2 THEN 1 ELSE 0 END), 0) FROM sub`,
			id, int64(parent)).Scan(&count, &inside); err != nil {
			return err
		}
		if inside > 0 {
			return schulhof.Errorf(schulhof.EConflict, "file.copy_into_itself")
		}
		if count > MaxCopyNodes {
			return schulhof.Errorf(schulhof.EInvalid, "file.copy_too_many", MaxCopyNodes)
		}
		now, actor := db.now(), actorID(ctx)
		var copyTree func(n *schulhof.Node, parent schulhof.NodeID, name string) (schulhof.NodeID, error)
		copyTree = func(n *schulhof.Node, parent schulhof.NodeID, name string) (schulhof.NodeID, error) {
			var nid schulhof.NodeID
			version := 0
			if !n.IsFolder {
				version = 1
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO nodes (school_id, space_kind, space_id, parent_id, name, name_key, is_folder,
				size, blob_key, sha256, content_type, version, students_upload, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
				school, string(space.Kind), space.ID, nullNode(parent), name, schulhof.NameKey(name), n.IsFolder,
				n.Size, n.BlobKey, n.SHA256, n.ContentType, version, n.StudentsUpload && space.Kind == schulhof.SpaceGroup, actor, now).Scan(&nid)
			if isUnique(err) {
				return 0, nameTaken()
			}
			if err != nil || !n.IsFolder {
				return nid, err
			}
			children, err := queryNodes(ctx, tx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.parent_id = $1 AND n.deleted_at IS NULL ORDER BY n.id`, n.ID)
			if err != nil {
				return 0, err
			}
			for _, c := range children {
				if _, err := copyTree(c, nid, c.Name); err != nil {
					return 0, err
				}
			}
			return nid, nil
		}
		nid, err := copyTree(src, parent, name)
		if err != nil {
			return err
		}
		out, err = scanNode(tx.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM nodes n WHERE n.id = $1`, nid))
		return err
	})
	return out, err
}

// FindFolders lists the live folders of a space (at most 5,000), for
// choosing where to move or copy something.
func (db *DB) FindFolders(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) ([]*schulhof.Node, error) {
	return queryNodes(ctx, readQuerier{db}, `SELECT `+nodeColumns+` FROM nodes n WHERE n.school_id = $1 AND n.space_kind = $2
		AND n.space_id = $3 AND n.is_folder AND n.deleted_at IS NULL ORDER BY n.name_key, n.id LIMIT 5000`, school, string(space.Kind), space.ID)
}

// FindChildProps returns the stored properties of all live nodes in a
// folder (0: the top of the space) at once, by node, for listing a
// folder over WebDAV without a query per entry.
func (db *DB) FindChildProps(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID) (map[schulhof.NodeID][]schulhof.NodeProp, error) {
	rows, err := db.readRows(ctx, `SELECT p.node_id, p.space, p.name, p.inner_xml, p.lang FROM node_props p JOIN nodes n ON n.id = p.node_id
		WHERE n.school_id = $1 AND n.space_kind = $2 AND n.space_id = $3 AND COALESCE(n.parent_id, 0) = $4 AND n.deleted_at IS NULL
		ORDER BY p.node_id, p.space, p.name`, school, string(space.Kind), space.ID, int64(parent))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[schulhof.NodeID][]schulhof.NodeProp{}
	for rows.Next() {
		var id schulhof.NodeID
		var p schulhof.NodeProp
		if err := rows.Scan(&id, &p.Space, &p.Name, &p.InnerXML, &p.Lang); err != nil {
			return nil, err
		}
		out[id] = append(out[id], p)
	}
	return out, rows.Err()
}
