package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

var _ schulhof.ChatService = (*DB)(nil)

// EnsureRooms makes a room for every group of the school that has none,
// and the school's channel.
func (db *DB) EnsureRooms(ctx context.Context, school schulhof.SchoolID) error {
	var missing int
	if err := db.readRow(ctx, `SELECT (SELECT COUNT(*) FROM groups g WHERE g.school_id = $1
		AND NOT EXISTS (SELECT 1 FROM chat_rooms r WHERE r.group_id = g.id))
		+ (SELECT CASE WHEN EXISTS (SELECT 1 FROM chat_rooms WHERE school_id = $1 AND kind = 'school') THEN 0 ELSE 1 END)`, school).Scan(&missing); err != nil {
		return err
	}
	if missing == 0 {
		return nil // the common case, without taking the writer
	}
	return db.chatUpdate(ctx, school, func(tx *chatTx) error {
		now := db.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_rooms (school_id, kind, group_id, created_at)
			SELECT g.school_id, 'group', g.id, $2 FROM groups g WHERE g.school_id = $1
			AND NOT EXISTS (SELECT 1 FROM chat_rooms r WHERE r.group_id = g.id)`, school, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_rooms (school_id, kind, created_at)
			SELECT $1, 'school', $2 WHERE NOT EXISTS (SELECT 1 FROM chat_rooms WHERE school_id = $1 AND kind = 'school')`, school, now)
		return err
	})
}

// chatUpdate is update for the messenger's tables of a school: it drops
// only what the read cache holds of that school's messenger (the rooms
// with their unread counts; school 0: nothing), so that a school
// chatting at 8:00 does not empty the cache with every message.
//
// Its statements run prepared: SQLite parses every statement of a
// transaction anew, and parsing was the larger part of posting a message.
// A statement is prepared on the writer after the first transaction that
// used it (during one, the writer's only connection is taken).
func (db *DB) chatUpdate(ctx context.Context, school schulhof.SchoolID, fn func(tx *chatTx) error) error {
	return db.chatUpdateOf(ctx, []schulhof.SchoolID{school}, fn)
}

// chatUpdateOf is chatUpdate for writes of several schools at once (a
// batch, see chatBatched).
func (db *DB) chatUpdateOf(ctx context.Context, schools []schulhof.SchoolID, fn func(tx *chatTx) error) error {
	var missed []string
	schools = uniqueIDs(schools)
	for _, school := range schools {
		if school != 0 {
			// before and after: a read that began before the commit must
			// not keep its answer as current
			gen := db.cache.chatGen(school)
			gen.Add(1)
			defer gen.Add(1)
		}
	}
	err := db.writeTx(ctx, false, func(tx *sql.Tx) error {
		ct := &chatTx{Tx: tx, db: db}
		err := fn(ct)
		missed = ct.missed
		return err
	})
	if err == nil {
		for _, school := range schools {
			if school != 0 {
				db.tellDropped(school)
			}
		}
	}
	for _, q := range missed {
		if s, perr := db.write.PrepareContext(ctx, q); perr == nil {
			if _, loaded := db.wstmts.LoadOrStore(q, s); loaded {
				s.Close()
			}
		}
	}
	return err
}

// chatTx is a write transaction that runs the statements prepared on the
// writer, and notes the others for chatUpdate to prepare.
type chatTx struct {
	*sql.Tx
	db     *DB
	missed []string
	// batch, when set, is the context every statement runs under instead
	// of the one it is given: in a batch of several requests' writes, one
	// request's end must not interrupt the statement of another's
	batch context.Context
}

// ctx is the context a statement runs under.
func (t *chatTx) ctx(ctx context.Context) context.Context {
	if t.batch != nil {
		return t.batch
	}
	return ctx
}

func (t *chatTx) prepared(ctx context.Context, q string) *sql.Stmt {
	if s, ok := t.db.wstmts.Load(q); ok {
		return t.Tx.StmtContext(ctx, s.(*sql.Stmt))
	}
	if !slices.Contains(t.missed, q) { // a loop runs one statement often
		t.missed = append(t.missed, q)
	}
	return nil
}

func (t *chatTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	if s := t.prepared(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

func (t *chatTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	if s := t.prepared(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t *chatTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = t.ctx(ctx)
	if s := t.prepared(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

// roomAccessWhere is the condition that the user ($2) reads room r of the
// school ($1): a group's members its room, everyone at the school the
// school's channel, a conversation's members the conversation.
const roomAccessWhere = `r.school_id = $1 AND (
	(r.kind = 'group' AND EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = r.group_id AND m.user_id = $2))
	OR r.kind = 'school'
	OR (r.kind IN ('direct', 'chat') AND EXISTS (SELECT 1 FROM chat_members cm WHERE cm.room_id = r.id AND cm.user_id = $2)))`

const roomColumns = `r.id, r.school_id, r.kind, COALESCE(g.name, CASE WHEN r.name = '' THEN
		(SELECT u.first_name || ' ' || u.last_name FROM chat_members cm JOIN users u ON u.id = cm.user_id
		WHERE cm.room_id = r.id AND cm.user_id <> $2 ORDER BY u.sort_name LIMIT 1) END, r.name, ''),
	COALESCE(r.group_id, 0), r.locked,
	COALESCE((SELECT MAX(id) FROM chat_messages x WHERE x.room_id = r.id), 0),
	COALESCE((SELECT role FROM memberships m WHERE m.group_id = r.group_id AND m.user_id = $2),
		(SELECT CASE WHEN leader THEN 'leader' ELSE 'member' END FROM chat_members cm WHERE cm.room_id = r.id AND cm.user_id = $2), ''),
	(SELECT COUNT(*) FROM chat_messages x WHERE x.room_id = r.id AND x.sender_id <> $2 AND x.deleted_at IS NULL
		AND x.id > COALESCE((SELECT last_read FROM chat_reads rd WHERE rd.room_id = r.id AND rd.user_id = $2), 0))`

func scanRoom(row interface{ Scan(...any) error }, u *schulhof.User) (*schulhof.Room, error) {
	var r schulhof.Room
	var role string
	if err := row.Scan(&r.ID, &r.SchoolID, &r.Kind, &r.Name, &r.GroupID, &r.Locked, &r.LastID, &role, &r.Unread); err != nil {
		return nil, err
	}
	// the rooms listed are those the user reads
	rel := schulhof.RoomRelation{Member: true, Leader: r.Kind != schulhof.RoomDirect && role == string(schulhof.MemberRoleLeader)}
	r.Leader = schulhof.CanModerateRoom(u, r.SchoolID, r.Kind, rel)
	r.CanWrite = schulhof.CanWriteRoom(u, r.SchoolID, r.Kind, r.Locked, rel)
	return &r, nil
}

// FindRooms returns the rooms the user reads, the newest activity first.
func (db *DB) FindRooms(ctx context.Context, u *schulhof.User) ([]*schulhof.Room, error) {
	// the start page shows the unread ones on every visit; kept until the
	// school's messenger or anything else is written
	return cachedChat(db, fmt.Sprintf("rooms\x00%d", u.ID), u.SchoolID, cloneRooms,
		func() ([]*schulhof.Room, error) { return db.findRooms(ctx, u) })
}

func cloneRooms(rs []*schulhof.Room) []*schulhof.Room { return clonePointers(rs) }

func (db *DB) findRooms(ctx context.Context, u *schulhof.User) ([]*schulhof.Room, error) {
	rows, err := db.readRows(ctx, `SELECT `+roomColumns+` FROM chat_rooms r LEFT JOIN groups g ON g.id = r.group_id
		WHERE `+roomAccessWhere+` ORDER BY r.id`, u.SchoolID, u.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*schulhof.Room
	for rows.Next() {
		r, err := scanRoom(rows, u)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b *schulhof.Room) int {
		if a.Kind == schulhof.RoomSchool != (b.Kind == schulhof.RoomSchool) { // the school's channel first
			if a.Kind == schulhof.RoomSchool {
				return -1
			}
			return 1
		}
		switch {
		case a.LastID > b.LastID:
			return -1
		case a.LastID < b.LastID:
			return 1
		}
		return 0
	})
	return out, nil
}

// FindRoom returns a room the user reads, or ENotFound.
func (db *DB) FindRoom(ctx context.Context, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error) {
	return findRoom(ctx, readQuerier{db}, u, id)
}

// RoomAccess is FindRoom without the unread count: whether the user reads
// the room, may write in it and leads it.
func (db *DB) RoomAccess(ctx context.Context, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error) {
	return roomAccess(ctx, readQuerier{db}, u, id)
}

// roomAccess is the check before a write, in the writer's transaction:
// small queries, as SQLite parses every statement of a transaction anew
// and the one of FindRoom costs more to parse than to run. It gives
// Kind, GroupID, Locked, Leader and CanWrite, not Name, LastID, Unread.
func roomAccess(ctx context.Context, q querier, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error) {
	r := &schulhof.Room{ID: id}
	err := q.QueryRowContext(ctx, `SELECT school_id, kind, COALESCE(group_id, 0), locked FROM chat_rooms WHERE id = $1`, id).
		Scan(&r.SchoolID, &r.Kind, &r.GroupID, &r.Locked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && r.SchoolID != u.SchoolID {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	if err != nil {
		return nil, err
	}
	var rel schulhof.RoomRelation
	switch r.Kind {
	case schulhof.RoomGroup:
		var role string
		err := q.QueryRowContext(ctx, `SELECT role FROM memberships WHERE group_id = $1 AND user_id = $2`, r.GroupID, u.ID).Scan(&role)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		rel = schulhof.RoomRelation{Member: err == nil, Leader: role == string(schulhof.MemberRoleLeader)}
	case schulhof.RoomSchool:
	default:
		err := q.QueryRowContext(ctx, `SELECT leader FROM chat_members WHERE room_id = $1 AND user_id = $2`, id, u.ID).Scan(&rel.Leader)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		rel.Member = err == nil
	}
	if !schulhof.CanReadRoom(u, r.SchoolID, r.Kind, rel) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	r.Leader = schulhof.CanModerateRoom(u, r.SchoolID, r.Kind, rel)
	r.CanWrite = schulhof.CanWriteRoom(u, r.SchoolID, r.Kind, r.Locked, rel)
	return r, nil
}

func findRoom(ctx context.Context, q querier, u *schulhof.User, id schulhof.RoomID) (*schulhof.Room, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+roomColumns+` FROM chat_rooms r LEFT JOIN groups g ON g.id = r.group_id
		WHERE `+roomAccessWhere+` AND r.id = $3`, u.SchoolID, u.ID, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	return scanRoom(rows, u)
}

// PostMessage stores a message in a room the user may write in, with its
// mentions and attachments; the sender has read it.
func (db *DB) PostMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, in *schulhof.NewMessage) (*schulhof.Message, error) {
	text, err := schulhof.CleanMessageText(in.Text)
	if err != nil && !(len(in.Attachments) > 0 && strings.TrimSpace(in.Text) == "") {
		return nil, err // a message may be only attachments
	}
	if len(in.Attachments) > schulhof.MaxAttachments {
		return nil, schulhof.Invalid("attachments", "chat.too_many_attachments", schulhof.MaxAttachments)
	}
	mentions := uniqueIDs(in.Mentions)
	if len(mentions) > 50 {
		return nil, schulhof.Invalid("mentions", "chat.too_many_mentions")
	}
	if len(in.ClientToken) > schulhof.MaxClientToken {
		return nil, schulhof.Invalid("client_token", "chat.client_token_too_long", schulhof.MaxClientToken)
	}
	if m, err := db.repeatedMessage(ctx, u, room, in.ClientToken); m != nil || err != nil {
		return m, err
	}
	var m *schulhof.Message
	err = db.chatBatched(ctx, u.SchoolID, func(tx *chatTx) error {
		r, err := roomAccess(ctx, tx, u, room)
		if err != nil {
			return err
		}
		if !r.CanWrite {
			return schulhof.Errorf(schulhof.EForbidden, "chat.read_only")
		}
		var until int64
		err = tx.QueryRowContext(ctx, `SELECT until FROM chat_mutes WHERE room_id = $1 AND user_id = $2`, room, u.ID).Scan(&until)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if until > db.now() {
			return schulhof.Errorf(schulhof.EForbidden, "chat.muted", time.Unix(until, 0).In(berlin).Format("15:04"))
		}
		if in.ReplyTo != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM chat_messages WHERE id = $1 AND room_id = $2`, in.ReplyTo, room).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
			}
		}
		for _, id := range mentions {
			if ok, err := readsRoom(ctx, tx, r, id); err != nil {
				return err
			} else if !ok {
				return schulhof.Invalid("mentions", "chat.mention_not_member")
			}
		}
		// A room's posts commit in the order of their ids: a socket that
		// reconnects asks for what came after the last id it saw, and a
		// smaller id committed after a bigger one would never reach it.
		// PostgreSQL hands out ids to transactions that run at once, so
		// posts to one room take their id in turn, holding the room's
		// lock until they commit. (SQLite has one writer: in order.)
		if err := db.lockOnPostgres(ctx, tx, chatLockClass, int32(room)); err != nil {
			return fmt.Errorf("lock room: %w", err)
		}
		now := db.now()
		m = &schulhof.Message{RoomID: room, Sender: u.ID, Name: u.Name(), Text: text, ReplyTo: in.ReplyTo, Created: time.Unix(now, 0), Mentions: mentions}
		if err := tx.QueryRowContext(ctx, `INSERT INTO chat_messages (room_id, sender_id, text, reply_to, created_at, search_text, client_token)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, room, u.ID, text, in.ReplyTo, now, strings.ToLower(text), in.ClientToken).Scan(&m.ID); err != nil {
			return err
		}
		if db.messageStored != nil {
			db.messageStored(m.ID)
		}
		for _, id := range mentions {
			if _, err := tx.ExecContext(ctx, `INSERT INTO chat_mentions (message_id, user_id) VALUES ($1, $2)`, m.ID, id); err != nil {
				return err
			}
		}
		for _, a := range uniqueIDs(in.Attachments) {
			res, err := tx.ExecContext(ctx, `UPDATE chat_attachments SET message_id = $1
				WHERE id = $2 AND room_id = $3 AND uploaded_by = $4 AND message_id IS NULL`, m.ID, a, room, u.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return schulhof.Invalid("attachments", "chat.no_attachment")
			}
		}
		if m.ReplyTo != 0 || len(in.Attachments) > 0 {
			if err := enrichMessages(ctx, tx, u, []*schulhof.Message{m}); err != nil {
				return err
			}
		}
		return setRead(ctx, tx, room, u.ID, m.ID)
	})
	if isUnique(err) && in.ClientToken != "" {
		// the same message, sent again at the same moment (through
		// another node): the first one stored wins
		if m, rerr := db.repeatedMessage(ctx, u, room, in.ClientToken); m != nil || rerr != nil {
			return m, rerr
		}
	}
	return m, err
}

// chatLockClass is the first key of the rooms' advisory locks on
// PostgreSQL (the second is the room; rooms beyond 2³¹ share a lock with
// another, which only makes them wait for each other): "CH".
const chatLockClass = 0x4348

// repeatedMessage is the message the user stored before in the room
// under the client token, marked Repeated, or nil.
func (db *DB) repeatedMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, token string) (*schulhof.Message, error) {
	if token == "" {
		return nil, nil
	}
	var id int64
	err := db.write.QueryRowContext(ctx, `SELECT id FROM chat_messages WHERE sender_id = $1 AND client_token = $2 AND room_id = $3`,
		u.ID, token, room).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := db.FindMessage(ctx, u, room, id)
	if err != nil {
		return nil, err
	}
	m.Repeated = true
	return m, nil
}

// readsRoom says whether a user reads a room the actor has access to.
func readsRoom(ctx context.Context, q querier, r *schulhof.Room, user schulhof.UserID) (bool, error) {
	var n int
	var err error
	switch r.Kind {
	case schulhof.RoomGroup:
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE group_id = $1 AND user_id = $2`, r.GroupID, user).Scan(&n)
	case schulhof.RoomSchool:
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2 AND active`, user, r.SchoolID).Scan(&n)
	default:
		err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM chat_members WHERE room_id = $1 AND user_id = $2`, r.ID, user).Scan(&n)
	}
	return n > 0, err
}

// enrichMessages adds what a message shows beyond its row: the glimpse of
// the message it answers, reactions (with the reader's own), mentions and
// attachments, in one query each for the whole page.
func enrichMessages(ctx context.Context, q querier, reader *schulhof.User, ms []*schulhof.Message) error {
	if len(ms) == 0 {
		return nil
	}
	byID := map[int64]*schulhof.Message{}
	ids := make([]string, 0, len(ms))
	var replies []string
	for _, m := range ms {
		byID[m.ID] = m
		ids = append(ids, strconv.FormatInt(m.ID, 10))
		if m.ReplyTo != 0 {
			replies = append(replies, strconv.FormatInt(m.ReplyTo, 10))
		}
	}
	in := strings.Join(ids, ",") // ids are numbers we read ourselves
	if len(replies) > 0 {
		rows, err := q.QueryContext(ctx, `SELECT m.id, u.first_name, u.last_name, m.text, m.deleted_at IS NOT NULL
			FROM chat_messages m JOIN users u ON u.id = m.sender_id WHERE m.id IN (`+strings.Join(replies, ",")+`)`)
		if err != nil {
			return err
		}
		glimpses := map[int64]*schulhof.ReplyGlimpse{}
		for rows.Next() {
			var id int64
			var first, last, text string
			var deleted bool
			if err := rows.Scan(&id, &first, &last, &text, &deleted); err != nil {
				rows.Close()
				return err
			}
			if deleted {
				text = ""
			}
			if r := []rune(text); len(r) > 120 {
				text = string(r[:120]) + "…"
			}
			glimpses[id] = &schulhof.ReplyGlimpse{Sender: first + " " + last, Text: text}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms {
			if m.ReplyTo != 0 {
				m.Reply = glimpses[m.ReplyTo]
			}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT message_id, emoji, COUNT(*), SUM(CASE WHEN user_id = $1 THEN 1 ELSE 0 END)
		FROM chat_reactions WHERE message_id IN (`+in+`) GROUP BY message_id, emoji`, reader.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var r schulhof.Reaction
		var mine int
		if err := rows.Scan(&id, &r.Emoji, &r.Count, &mine); err != nil {
			rows.Close()
			return err
		}
		r.Mine = mine > 0
		byID[id].Reactions = append(byID[id].Reactions, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, m := range ms { // in the order the picker shows them
		slices.SortFunc(m.Reactions, func(a, b schulhof.Reaction) int {
			return slices.Index(schulhof.ReactionEmoji, a.Emoji) - slices.Index(schulhof.ReactionEmoji, b.Emoji)
		})
	}
	rows, err = q.QueryContext(ctx, `SELECT message_id, user_id FROM chat_mentions WHERE message_id IN (`+in+`) ORDER BY message_id, user_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var user schulhof.UserID
		if err := rows.Scan(&id, &user); err != nil {
			rows.Close()
			return err
		}
		byID[id].Mentions = append(byID[id].Mentions, user)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, `SELECT message_id, id, name, content_type, size, blob_key FROM chat_attachments
		WHERE message_id IN (`+in+`) ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		a := &schulhof.Attachment{}
		if err := rows.Scan(&id, &a.ID, &a.Name, &a.ContentType, &a.Size, &a.BlobKey); err != nil {
			return err
		}
		a.Image = schulhof.InlineImageTypes[a.ContentType]
		byID[id].Attachments = append(byID[id].Attachments, a)
	}
	return rows.Err()
}

func setRead(ctx context.Context, tx *chatTx, room schulhof.RoomID, user schulhof.UserID, upTo int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO chat_reads (room_id, user_id, last_read) VALUES ($1, $2, $3)
		ON CONFLICT (room_id, user_id) DO UPDATE SET last_read = CASE WHEN excluded.last_read > chat_reads.last_read
		THEN excluded.last_read ELSE chat_reads.last_read END`, room, user, upTo)
	return err
}

// MaxMessagesPage is the most messages one read returns.
const MaxMessagesPage = 200

// FindMessages returns up to limit messages after the id, oldest first;
// after 0 gives the newest limit.
func (db *DB) FindMessages(ctx context.Context, u *schulhof.User, room schulhof.RoomID, after int64, limit int) ([]*schulhof.Message, error) {
	if _, err := db.RoomAccess(ctx, u, room); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxMessagesPage {
		limit = 50
	}
	q := `SELECT ` + messageColumns + ` FROM chat_messages m JOIN users u ON u.id = m.sender_id WHERE m.room_id = $1 `
	if after > 0 {
		return db.queryMessages(ctx, u, q+`AND m.id > $2 ORDER BY m.id LIMIT $3`, room, after, limit)
	}
	// the newest: read backwards, shown oldest first
	return db.queryMessages(ctx, u, `SELECT * FROM (`+q+`ORDER BY m.id DESC LIMIT $2) newest ORDER BY id`, room, limit)
}

// FindMessagesBefore returns up to limit messages older than the id,
// newest first.
func (db *DB) FindMessagesBefore(ctx context.Context, u *schulhof.User, room schulhof.RoomID, before int64, limit int) ([]*schulhof.Message, error) {
	if _, err := db.RoomAccess(ctx, u, room); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxMessagesPage+1 {
		limit = 50
	}
	return db.queryMessages(ctx, u, `SELECT `+messageColumns+` FROM chat_messages m JOIN users u ON u.id = m.sender_id
		WHERE m.room_id = $1 AND m.id < $2 ORDER BY m.id DESC LIMIT $3`, room, before, limit)
}

// MarkRead records that the user has read the room up to the id (never
// back, never beyond its newest message).
func (db *DB) MarkRead(ctx context.Context, u *schulhof.User, room schulhof.RoomID, upTo int64) error {
	if _, err := db.RoomAccess(ctx, u, room); err != nil {
		return err
	}
	var last int64
	if err := db.readRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM chat_messages WHERE room_id = $1`, room).Scan(&last); err != nil {
		return err
	}
	upTo = min(upTo, last)
	if upTo <= 0 {
		return nil
	}
	return db.chatBatched(ctx, u.SchoolID, func(tx *chatTx) error { return setRead(ctx, tx, room, u.ID, upTo) })
}

// RoomAudience says who reads a room, in one query however many follow
// it live: the check at every delivery asks this, cached per room. A
// room of another school than the one asked for is not found.
func (db *DB) RoomAudience(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID) (*schulhof.RoomAudience, error) {
	var a schulhof.RoomAudience
	var group sql.NullInt64
	err := db.readRow(ctx, `SELECT school_id, kind, group_id FROM chat_rooms WHERE id = $1 AND school_id = $2`, room, school).Scan(&a.School, &a.Kind, &group)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_room")
	}
	if err != nil {
		return nil, err
	}
	if a.Kind == schulhof.RoomSchool {
		return &a, nil // everyone at the school
	}
	q, arg := `SELECT user_id FROM chat_members WHERE room_id = $1`, int64(room)
	if a.Kind == schulhof.RoomGroup {
		q, arg = `SELECT user_id FROM memberships WHERE group_id = $1`, group.Int64
	}
	rows, err := db.readRows(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("audience of room %d: %w", room, err)
	}
	defer rows.Close()
	a.Members = map[schulhof.UserID]bool{}
	for rows.Next() {
		var id schulhof.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		a.Members[id] = true
	}
	return &a, rows.Err()
}

// RoomReaders returns the ids of everyone who reads the room: whom a new
// message goes to.
func (db *DB) RoomReaders(ctx context.Context, school schulhof.SchoolID, room schulhof.RoomID) ([]schulhof.UserID, error) {
	a, err := db.RoomAudience(ctx, school, room)
	if err != nil {
		return nil, err
	}
	if a.Kind != schulhof.RoomSchool {
		out := slices.Collect(maps.Keys(a.Members))
		slices.Sort(out)
		return out, nil
	}
	rows, err := db.readRows(ctx, `SELECT id FROM users WHERE school_id = $1 AND active ORDER BY id`, school)
	if err != nil {
		return nil, fmt.Errorf("readers of room %d: %w", room, err)
	}
	defer rows.Close()
	var out []schulhof.UserID
	for rows.Next() {
		var id schulhof.UserID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MessageReads says who of the room's readers has read a message and
// who not yet; only its sender and the room's leaders may ask.
func (db *DB) MessageReads(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64) (read, unread []*schulhof.User, err error) {
	r, err := db.RoomAccess(ctx, u, room)
	if err != nil {
		return nil, nil, err
	}
	var sender schulhof.UserID
	err = db.readRow(ctx, `SELECT sender_id FROM chat_messages WHERE id = $1 AND room_id = $2`, msg, room).Scan(&sender)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
	}
	if err != nil {
		return nil, nil, err
	}
	if sender != u.ID && !r.Leader {
		return nil, nil, schulhof.Errorf(schulhof.EForbidden, "chat.not_yours")
	}
	readers, err := db.RoomReaders(ctx, u.SchoolID, room)
	if err != nil {
		return nil, nil, err
	}
	upTo := map[schulhof.UserID]int64{}
	rows, err := db.readRows(ctx, `SELECT user_id, last_read FROM chat_reads WHERE room_id = $1`, room)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id schulhof.UserID
		var last int64
		if err := rows.Scan(&id, &last); err != nil {
			rows.Close()
			return nil, nil, err
		}
		upTo[id] = last
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	users, err := db.usersByID(ctx, u.SchoolID, readers)
	if err != nil {
		return nil, nil, err
	}
	read, unread = []*schulhof.User{}, []*schulhof.User{}
	for _, id := range readers {
		who := users[id]
		if id == sender || who == nil { // nil: left the school meanwhile
			continue
		}
		if upTo[id] >= msg {
			read = append(read, who)
		} else {
			unread = append(unread, who)
		}
	}
	return read, unread, nil
}

// berlin is the time of German schools, for messages that name a time.
var berlin = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return l
	}
	return time.UTC
}()

// messageOf returns a message of the room with its sender.
func messageOf(ctx context.Context, tx *chatTx, room schulhof.RoomID, id int64) (sender schulhof.UserID, deleted bool, err error) {
	var del sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT sender_id, deleted_at FROM chat_messages WHERE id = $1 AND room_id = $2`, id, room).Scan(&sender, &del)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
	}
	return sender, del.Valid, err
}

// EditMessage changes the text of one's own message.
func (db *DB) EditMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64, text string) error {
	text, err := schulhof.CleanMessageText(text)
	if err != nil {
		return err
	}
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		if _, err := roomAccess(ctx, tx, u, room); err != nil {
			return err
		}
		sender, deleted, err := messageOf(ctx, tx, room, id)
		if err != nil {
			return err
		}
		if sender != u.ID || deleted {
			return schulhof.Errorf(schulhof.EForbidden, "chat.not_yours")
		}
		_, err = tx.ExecContext(ctx, `UPDATE chat_messages SET text = $1, edited_at = $2, search_text = $3 WHERE id = $4`, text, db.now(), strings.ToLower(text), id)
		return err
	})
}

// DeleteMessage takes a message away: one's own, or any as the room's
// leader, which leaves a marker and goes into the audit log.
func (db *DB) DeleteMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) error {
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		r, err := roomAccess(ctx, tx, u, room)
		if err != nil {
			return err
		}
		sender, deleted, err := messageOf(ctx, tx, room, id)
		if err != nil {
			return err
		}
		if deleted {
			return nil
		}
		moderator := sender != u.ID
		if moderator && !r.Leader {
			return schulhof.Errorf(schulhof.EForbidden, "chat.not_yours")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chat_messages SET text = '', search_text = '', deleted_at = $1, by_moderator = $2 WHERE id = $3`,
			db.now(), moderator, id); err != nil {
			return err
		}
		// what hung on it goes with it (the attachments' blobs with the
		// next sweep, where nothing else names them)
		for _, q := range []string{`DELETE FROM chat_attachments WHERE message_id = $1`, `DELETE FROM chat_reactions WHERE message_id = $1`,
			`DELETE FROM chat_mentions WHERE message_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		if moderator {
			return db.audit(ctx, tx.Tx, u.SchoolID, "chat.delete", fmt.Sprintf("room %d message %d", room, id), fmt.Sprintf("sender %d", sender))
		}
		return nil
	})
}

// LockRoom makes a room read-only for its members (or writable again);
// only its leaders may, and the audit log keeps it.
func (db *DB) LockRoom(ctx context.Context, u *schulhof.User, room schulhof.RoomID, locked bool) error {
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		r, err := roomAccess(ctx, tx, u, room)
		if err != nil {
			return err
		}
		if !r.Leader {
			return schulhof.Errorf(schulhof.EForbidden, "chat.not_leader")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE chat_rooms SET locked = $1 WHERE id = $2`, locked, room); err != nil {
			return err
		}
		return db.audit(ctx, tx.Tx, u.SchoolID, "chat.lock", fmt.Sprintf("room %d", room), fmt.Sprint(locked))
	})
}

// MuteMember keeps a member of the room from writing until a time (the
// zero time lifts it); only its leaders may, and the audit log keeps it.
func (db *DB) MuteMember(ctx context.Context, u *schulhof.User, room schulhof.RoomID, member schulhof.UserID, until time.Time) error {
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		r, err := roomAccess(ctx, tx, u, room)
		if err != nil {
			return err
		}
		if !r.Leader {
			return schulhof.Errorf(schulhof.EForbidden, "chat.not_leader")
		}
		if err := mustBeOfSchool(ctx, tx.Tx, `SELECT COUNT(*) FROM users WHERE id = $1 AND school_id = $2`, int64(member), u.SchoolID, "user.not_found"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM chat_mutes WHERE room_id = $1 AND user_id = $2`, room, member); err != nil {
			return err
		}
		if !until.IsZero() {
			if _, err := tx.ExecContext(ctx, `INSERT INTO chat_mutes (room_id, user_id, until) VALUES ($1, $2, $3)`, room, member, until.Unix()); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx.Tx, u.SchoolID, "chat.mute", fmt.Sprintf("room %d user %d", room, member), until.UTC().Format(time.RFC3339))
	})
}
