package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schulhof/schulhof"
)

// ChatSettings returns the school's messenger rules, the defaults until an
// admin sets them.
func (db *DB) ChatSettings(ctx context.Context, school schulhof.SchoolID) (*schulhof.ChatSettings, error) {
	var raw string
	err := db.readRow(ctx, `SELECT settings_json FROM chat_settings WHERE school_id = $1`, school).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return schulhof.DefaultChatSettings(), nil
	}
	if err != nil {
		return nil, err
	}
	s := &schulhof.ChatSettings{}
	if err := json.Unmarshal([]byte(raw), s); err != nil {
		return nil, fmt.Errorf("chat settings of school %d: %w", school, err)
	}
	return s, nil
}

// SetChatSettings stores the school's messenger rules; the audit log
// keeps the change.
func (db *DB) SetChatSettings(ctx context.Context, school schulhof.SchoolID, s *schulhof.ChatSettings) error {
	if err := s.Check(); err != nil {
		return err
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return db.chatUpdate(ctx, school, func(tx *chatTx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_settings (school_id, settings_json) VALUES ($1, $2)
			ON CONFLICT (school_id) DO UPDATE SET settings_json = excluded.settings_json`, school, string(b)); err != nil {
			return err
		}
		return db.audit(ctx, tx.Tx, school, "chat.settings", "school", string(b))
	})
}

// StartConversation makes a conversation of the user with others of the
// school: a direct one with one other person (the same room again if the
// two have one), or a small group chat the user leads. Whom a student or
// parent may write to is the school's setting per role.
func (db *DB) StartConversation(ctx context.Context, u *schulhof.User, members []schulhof.UserID, name string) (*schulhof.Room, error) {
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 80 {
		return nil, schulhof.Invalid("name", "chat.name_too_long")
	}
	var others []schulhof.UserID
	for _, id := range uniqueIDs(members) {
		if id != u.ID {
			others = append(others, id)
		}
	}
	if len(others) == 0 {
		return nil, schulhof.Invalid("members", "chat.no_members")
	}
	if len(others)+1 > schulhof.MaxChatMembers {
		return nil, schulhof.Invalid("members", "chat.too_many_members", schulhof.MaxChatMembers)
	}
	settings, err := db.ChatSettings(ctx, u.SchoolID)
	if err != nil {
		return nil, err
	}
	var id schulhof.RoomID
	err = db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		for _, o := range others {
			var role schulhof.Role
			err := tx.QueryRowContext(ctx, `SELECT role FROM users WHERE id = $1 AND school_id = $2 AND active`, o, u.SchoolID).Scan(&role)
			if errors.Is(err, sql.ErrNoRows) {
				return schulhof.Invalid("members", "user.not_found")
			}
			if err != nil {
				return err
			}
			if !settings.MayStart(u.Role, role) {
				return schulhof.Errorf(schulhof.EForbidden, "chat.may_not_start")
			}
		}
		if len(others) == 1 && name == "" {
			// a direct conversation of the two, if they have one
			err := tx.QueryRowContext(ctx, `SELECT r.id FROM chat_rooms r WHERE r.kind = 'direct' AND r.school_id = $1
				AND EXISTS (SELECT 1 FROM chat_members m WHERE m.room_id = r.id AND m.user_id = $2)
				AND EXISTS (SELECT 1 FROM chat_members m WHERE m.room_id = r.id AND m.user_id = $3)`, u.SchoolID, u.ID, others[0]).Scan(&id)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		kind := schulhof.RoomChat
		if len(others) == 1 && name == "" {
			kind = schulhof.RoomDirect
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO chat_rooms (school_id, kind, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			u.SchoolID, kind, name, db.now()).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO chat_members (room_id, user_id, leader) VALUES ($1, $2, $3)`, id, u.ID, kind == schulhof.RoomChat); err != nil {
			return err
		}
		for _, o := range others {
			if _, err := tx.ExecContext(ctx, `INSERT INTO chat_members (room_id, user_id, leader) VALUES ($1, $2, FALSE)`, id, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return db.FindRoom(ctx, u, id)
}

// RoomMembers lists who reads a conversation or a group's room, for the
// mention picker and the member list; the school's channel lists nobody.
func (db *DB) RoomMembers(ctx context.Context, u *schulhof.User, room schulhof.RoomID) ([]*schulhof.User, error) {
	r, err := db.RoomAccess(ctx, u, room)
	if err != nil {
		return nil, err
	}
	switch r.Kind {
	case schulhof.RoomGroup:
		return queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u JOIN memberships m ON m.user_id = u.id
			WHERE m.group_id = $1 AND u.active ORDER BY u.sort_name`, int64(r.GroupID))
	case schulhof.RoomSchool:
		return []*schulhof.User{}, nil
	}
	return queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u JOIN chat_members m ON m.user_id = u.id
		WHERE m.room_id = $1 ORDER BY u.sort_name`, int64(room))
}

// React gives (on) or takes back the user's emoji on a message of a room
// they read.
func (db *DB) React(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64, emoji string, on bool) (*schulhof.Message, error) {
	if !schulhof.ValidReaction(emoji) {
		return nil, schulhof.Invalid("emoji", "chat.bad_reaction")
	}
	err := db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		if _, err := roomAccess(ctx, tx, u, room); err != nil {
			return err
		}
		if _, deleted, err := messageOf(ctx, tx, room, msg); err != nil {
			return err
		} else if deleted {
			return schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
		}
		q := `DELETE FROM chat_reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3`
		if on {
			q = `INSERT INTO chat_reactions (message_id, user_id, emoji) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
		}
		_, err := tx.ExecContext(ctx, q, msg, u.ID, emoji)
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.FindMessage(ctx, u, room, msg)
}

// FindMessage returns one message of a room the user reads, as a page of
// messages shows it.
func (db *DB) FindMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) (*schulhof.Message, error) {
	ms, err := db.queryMessages(ctx, u, `SELECT `+messageColumns+` FROM chat_messages m JOIN users u ON u.id = m.sender_id
		WHERE m.room_id = $1 AND m.id = $2`, room, id)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_message")
	}
	return ms[0], nil
}

// SearchMessages finds messages containing the words, in the rooms the
// user reads (or in one of them), newest first.
func (db *DB) SearchMessages(ctx context.Context, u *schulhof.User, query string, room schulhof.RoomID, limit int) ([]*schulhof.Message, error) {
	query = strings.TrimSpace(query)
	if utf8.RuneCountInString(query) < 2 {
		return nil, schulhof.Invalid("q", "chat.search_too_short")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	args := []any{u.SchoolID, u.ID}
	where := ""
	for _, w := range strings.Fields(strings.ToLower(query)) {
		if len(args) > 9 {
			break
		}
		args = append(args, "%"+likeEscape(w)+"%")
		where += fmt.Sprintf(" AND m.search_text LIKE $%d ESCAPE '\\'", len(args))
	}
	if room != 0 {
		args = append(args, room)
		where += fmt.Sprintf(" AND r.id = $%d", len(args))
	}
	args = append(args, limit)
	return db.queryMessages(ctx, u, `SELECT `+messageColumns+` FROM chat_messages m JOIN users u ON u.id = m.sender_id
		JOIN chat_rooms r ON r.id = m.room_id
		WHERE `+roomAccessWhere+` AND m.deleted_at IS NULL`+where+fmt.Sprintf(` ORDER BY m.id DESC LIMIT $%d`, len(args)), args...)
}

// likeEscape escapes the wildcards of LIKE.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// messageColumns are a message's columns (m) with its sender's name (u).
const messageColumns = `m.id, m.room_id, m.sender_id, u.first_name, u.last_name, m.text, m.reply_to, m.created_at, m.edited_at, m.deleted_at, m.by_moderator`

// queryMessages reads messages of messageColumns and what they show.
func (db *DB) queryMessages(ctx context.Context, u *schulhof.User, q string, args ...any) ([]*schulhof.Message, error) {
	rows, err := db.readRows(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	out := []*schulhof.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, enrichMessages(ctx, readQuerier{db}, u, out)
}

func scanMessage(rows *sql.Rows) (*schulhof.Message, error) {
	var m schulhof.Message
	var first, last string
	var created int64
	var edited, deleted sql.NullInt64
	if err := rows.Scan(&m.ID, &m.RoomID, &m.Sender, &first, &last, &m.Text, &m.ReplyTo, &created, &edited, &deleted, &m.ByModerator); err != nil {
		return nil, err
	}
	m.Name, m.Created, m.Edited = first+" "+last, time.Unix(created, 0), nullTime(edited)
	if deleted.Valid {
		m.Deleted, m.Text = true, ""
	}
	return &m, nil
}

// ReportMessage files the user's report against a message of a room they
// read, for its leaders and the school's admins; once per message and
// reporter.
func (db *DB) ReportMessage(ctx context.Context, u *schulhof.User, room schulhof.RoomID, msg int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return schulhof.Invalid("reason", "chat.report_reason")
	}
	if utf8.RuneCountInString(reason) > schulhof.MaxReportReason {
		return schulhof.Invalid("reason", "chat.too_long", schulhof.MaxReportReason)
	}
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		if _, err := roomAccess(ctx, tx, u, room); err != nil {
			return err
		}
		if _, _, err := messageOf(ctx, tx, room, msg); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM chat_reports WHERE message_id = $1 AND reporter_id = $2`, msg, u.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return schulhof.Errorf(schulhof.EConflict, "chat.reported_already")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO chat_reports (room_id, message_id, reporter_id, reason, created_at) VALUES ($1, $2, $3, $4, $5)`,
			room, msg, u.ID, reason, db.now())
		return err
	})
}

// FindReports lists the open reports the user handles: those of the rooms
// they lead, and as a school admin all of the school.
func (db *DB) FindReports(ctx context.Context, u *schulhof.User) ([]*schulhof.Report, error) {
	rows, err := db.readRows(ctx, `SELECT p.id, p.room_id, COALESCE(g.name, r.name), r.kind, p.message_id, ru.first_name, ru.last_name, p.reason, p.created_at
		FROM chat_reports p JOIN chat_rooms r ON r.id = p.room_id LEFT JOIN groups g ON g.id = r.group_id
		JOIN users ru ON ru.id = p.reporter_id
		WHERE r.school_id = $1 AND p.handled_at IS NULL AND ($3 OR
			EXISTS (SELECT 1 FROM memberships m WHERE m.group_id = r.group_id AND m.user_id = $2 AND m.role = 'leader')
			OR EXISTS (SELECT 1 FROM chat_members cm WHERE cm.room_id = r.id AND cm.user_id = $2 AND cm.leader))
		ORDER BY p.id`, u.SchoolID, u.ID, u.Role == schulhof.RoleSchoolAdmin)
	if err != nil {
		return nil, err
	}
	type pending struct {
		*schulhof.Report
		msg int64
	}
	var ps []pending
	for rows.Next() {
		var p pending
		p.Report = &schulhof.Report{}
		var kind, first, last string
		var created int64
		if err := rows.Scan(&p.ID, &p.RoomID, &p.RoomName, &kind, &p.msg, &first, &last, &p.Reason, &created); err != nil {
			rows.Close()
			return nil, err
		}
		p.Reporter, p.Created = first+" "+last, time.Unix(created, 0)
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []*schulhof.Report{}
	for _, p := range ps {
		ms, err := db.queryMessages(ctx, u, `SELECT `+messageColumns+` FROM chat_messages m JOIN users u ON u.id = m.sender_id WHERE m.id = $1`, p.msg)
		if err != nil {
			return nil, err
		}
		if len(ms) == 1 {
			p.Message = ms[0]
		}
		out = append(out, p.Report)
	}
	return out, nil
}

// HandleReport closes a report, as one who may see it; the audit log
// keeps who did.
func (db *DB) HandleReport(ctx context.Context, u *schulhof.User, id int64) error {
	reports, err := db.FindReports(ctx, u)
	if err != nil {
		return err
	}
	var found *schulhof.Report
	for _, p := range reports {
		if p.ID == id {
			found = p
		}
	}
	if found == nil {
		return schulhof.Errorf(schulhof.ENotFound, "chat.no_report")
	}
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE chat_reports SET handled_by = $1, handled_at = $2 WHERE id = $3`, u.ID, db.now(), id); err != nil {
			return err
		}
		return db.audit(ctx, tx.Tx, u.SchoolID, "chat.report_handled", fmt.Sprintf("room %d report %d", found.RoomID, id), found.Reason)
	})
}

// PurgeOldMessages deletes the messages each school keeps no longer (its
// retention in days; 0 keeps them), with their reactions, mentions,
// reports and attachments; the attachments' blobs go with the next sweep.
func (db *DB) PurgeOldMessages(ctx context.Context, now time.Time) (int64, error) {
	rows, err := db.readRows(ctx, `SELECT id FROM schools`)
	if err != nil {
		return 0, err
	}
	var schools []schulhof.SchoolID
	for rows.Next() {
		var id schulhof.SchoolID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		schools = append(schools, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	var total int64
	for _, sc := range schools {
		s, err := db.ChatSettings(ctx, sc)
		if err != nil {
			return total, err
		}
		if s.RetentionDays == 0 {
			continue
		}
		before := now.AddDate(0, 0, -s.RetentionDays).Unix()
		err = db.chatUpdate(ctx, sc, func(tx *chatTx) error {
			old := `SELECT m.id FROM chat_messages m JOIN chat_rooms r ON r.id = m.room_id WHERE r.school_id = $1 AND m.created_at < $2`
			for _, q := range []string{
				`DELETE FROM chat_reactions WHERE message_id IN (` + old + `)`,
				`DELETE FROM chat_mentions WHERE message_id IN (` + old + `)`,
				`DELETE FROM chat_reports WHERE message_id IN (` + old + `)`,
				`DELETE FROM chat_attachments WHERE message_id IN (` + old + `)`,
			} {
				if _, err := tx.ExecContext(ctx, q, sc, before); err != nil {
					return err
				}
			}
			res, err := tx.ExecContext(ctx, `DELETE FROM chat_messages WHERE id IN (`+old+`)`, sc, before)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	// attachments that never found their message
	// (no room shows them: nothing cached changes)
	err = db.chatUpdate(ctx, 0, func(tx *chatTx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM chat_attachments WHERE message_id IS NULL AND created_at < $1`, now.Add(-24*time.Hour).Unix())
		return err
	})
	return total, err
}

// AddChatAttachment stores an attachment the user adds to a room they may
// write in; it waits for the message that sends it.
func (db *DB) AddChatAttachment(ctx context.Context, u *schulhof.User, room schulhof.RoomID, a *schulhof.Attachment) error {
	a.Name = strings.TrimSpace(strings.ToValidUTF8(a.Name, ""))
	if a.Name == "" || utf8.RuneCountInString(a.Name) > 200 || strings.ContainsAny(a.Name, "/\\\x00") {
		return schulhof.Invalid("name", "chat.attachment_name")
	}
	return db.chatUpdate(ctx, u.SchoolID, func(tx *chatTx) error {
		r, err := roomAccess(ctx, tx, u, room)
		if err != nil {
			return err
		}
		if !r.CanWrite {
			return schulhof.Errorf(schulhof.EForbidden, "chat.read_only")
		}
		a.Image = schulhof.InlineImageTypes[a.ContentType]
		return tx.QueryRowContext(ctx, `INSERT INTO chat_attachments (room_id, uploaded_by, name, content_type, size, blob_key, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, room, u.ID, a.Name, a.ContentType, a.Size, a.BlobKey, db.now()).Scan(&a.ID)
	})
}

// FindChatAttachment returns an attachment of a room the user reads: one on a
// message, or their own that waits for one.
func (db *DB) FindChatAttachment(ctx context.Context, u *schulhof.User, room schulhof.RoomID, id int64) (*schulhof.Attachment, error) {
	if _, err := db.RoomAccess(ctx, u, room); err != nil {
		return nil, err
	}
	a := &schulhof.Attachment{ID: id}
	err := db.readRow(ctx, `SELECT name, content_type, size, blob_key FROM chat_attachments
		WHERE id = $1 AND room_id = $2 AND (message_id IS NOT NULL OR uploaded_by = $3)`, id, room, u.ID).Scan(&a.Name, &a.ContentType, &a.Size, &a.BlobKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "chat.no_attachment")
	}
	a.Image = schulhof.InlineImageTypes[a.ContentType]
	return a, err
}

// ChatContacts finds the people of the user's school whose names match
// and whom the user may start a conversation with, for the "new
// conversation" picker: at most 20, by name.
func (db *DB) ChatContacts(ctx context.Context, u *schulhof.User, query string) ([]*schulhof.User, error) {
	settings, err := db.ChatSettings(ctx, u.SchoolID)
	if err != nil {
		return nil, err
	}
	var roles []string
	for _, r := range schulhof.Roles {
		if settings.MayStart(u.Role, r) {
			roles = append(roles, strconv.Itoa(int(r)))
		}
	}
	if len(roles) == 0 {
		return []*schulhof.User{}, nil
	}
	query = strings.ToLower(strings.TrimSpace(query))
	if utf8.RuneCountInString(query) < 2 {
		return nil, schulhof.Invalid("q", "chat.search_too_short")
	}
	// every word in the name (sort_name is lowered in Go, umlauts too)
	args := []any{u.SchoolID, u.ID}
	where := ""
	for _, w := range strings.Fields(query) {
		if len(args) > 6 {
			break
		}
		args = append(args, "%"+likeEscape(w)+"%")
		where += fmt.Sprintf(" AND u.sort_name LIKE $%d ESCAPE '\\'", len(args))
	}
	out, err := queryUsers(ctx, readQuerier{db}, `SELECT `+userColumns+` FROM users u WHERE u.school_id = $1 AND u.active AND u.id <> $2
		AND u.role IN (`+strings.Join(roles, ",")+`)`+where+` ORDER BY u.sort_name LIMIT 20`, args...)
	if out == nil {
		out = []*schulhof.User{}
	}
	return out, err
}
