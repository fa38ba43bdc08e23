package sqlstore_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestChatConversations: who may start conversations with whom, per role
// and school setting; direct rooms are found again; group chats are led by
// who started them.
func TestChatConversations(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		ben := MustCreateUser(t, db, s.ID, "ben", schulhof.RoleStudent)
		parent := MustCreateUser(t, db, s.ID, "mutter", schulhof.RoleParent)
		admin := MustCreateUser(t, db, s.ID, "leitung", schulhof.RoleSchoolAdmin)
		stranger := MustCreateUser(t, db, other.ID, "fremd", schulhof.RoleStudent)

		// defaults: students write to students and teachers, parents to teachers
		direct, err := db.StartConversation(ctx, anna, []schulhof.UserID{ben.ID}, "")
		if err != nil || direct.Kind != schulhof.RoomDirect || direct.Name != "Vor Nach ben" || direct.Leader {
			t.Fatalf("anna to ben: %+v %v", direct, err)
		}
		again, err := db.StartConversation(ctx, ben, []schulhof.UserID{anna.ID, ben.ID}, "")
		if err != nil || again.ID != direct.ID || again.Name != "Vor Nach anna" {
			t.Errorf("ben to anna again: %+v %v", again, err)
		}
		if _, err := db.StartConversation(ctx, anna, []schulhof.UserID{teacher.ID}, ""); err != nil {
			t.Errorf("a student to a teacher by default: %v", err)
		}
		for _, c := range []struct {
			from *schulhof.User
			to   []schulhof.UserID
			want schulhof.ErrorCode
		}{
			{anna, []schulhof.UserID{parent.ID}, schulhof.EForbidden},
			{anna, []schulhof.UserID{admin.ID}, schulhof.EForbidden},
			{parent, []schulhof.UserID{anna.ID}, schulhof.EForbidden},
			{anna, []schulhof.UserID{stranger.ID}, schulhof.EInvalid},
			{anna, []schulhof.UserID{anna.ID}, schulhof.EInvalid},
			{anna, nil, schulhof.EInvalid},
		} {
			if _, err := db.StartConversation(ctx, c.from, c.to, ""); !schulhof.Match(err, c.want) {
				t.Errorf("%s to %v: %v, want %s", c.from.Login, c.to, err, c.want)
			}
		}
		// the picker offers whom anna may write to
		if got, err := db.ChatContacts(ctx, anna, "vor"); err != nil || len(got) != 2 || got[0].ID != ben.ID || got[1].ID != teacher.ID {
			t.Errorf("anna's contacts: %v %v", got, err)
		}
		if got, _ := db.ChatContacts(ctx, anna, "nach BEN"); len(got) != 1 {
			t.Errorf("by two words: %v", got)
		}
		if got, _ := db.ChatContacts(ctx, parent, "vor"); len(got) != 1 || got[0].ID != teacher.ID {
			t.Errorf("the parent's contacts: %v", got)
		}
		// staff write to anyone
		if _, err := db.StartConversation(ctx, teacher, []schulhof.UserID{parent.ID}, ""); err != nil {
			t.Errorf("a teacher to a parent: %v", err)
		}
		// the school allows students no conversations at all
		set := schulhof.DefaultChatSettings()
		set.StartWith[schulhof.RoleStudent] = nil
		must(t, db.SetChatSettings(ctx, s.ID, set))
		if _, err := db.StartConversation(ctx, anna, []schulhof.UserID{ben.ID}, "Lerngruppe"); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("students when the school allows none: %v", err)
		}
		if got, _ := db.ChatContacts(ctx, anna, "vor"); len(got) != 0 {
			t.Errorf("contacts when the school allows none: %v", got)
		}
		if got, _ := db.ChatSettings(ctx, s.ID); len(got.StartWith[schulhof.RoleStudent]) != 0 || got.RetentionDays != 365 {
			t.Errorf("settings read back: %+v", got)
		}
		if err := db.SetChatSettings(ctx, s.ID, &schulhof.ChatSettings{StartWith: map[schulhof.Role][]schulhof.Role{schulhof.RoleTeacher: nil}}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("rules for teachers: %v", err)
		}
		// a group chat the teacher starts, and leads
		chat, err := db.StartConversation(ctx, teacher, []schulhof.UserID{anna.ID, ben.ID}, "Theater-AG Planung")
		if err != nil || chat.Kind != schulhof.RoomChat || !chat.Leader || chat.Name != "Theater-AG Planung" {
			t.Fatalf("group chat: %+v %v", chat, err)
		}
		members, err := db.RoomMembers(ctx, anna, chat.ID)
		if err != nil || len(members) != 3 {
			t.Errorf("members: %v %v", members, err)
		}
		if r, _ := db.FindRoom(ctx, anna, chat.ID); r == nil || r.Leader {
			t.Errorf("anna leads the chat: %+v", r)
		}
		must(t, db.MuteMember(ctx, teacher, chat.ID, ben.ID, sqltest.Clock.Add(time.Hour)))
		if err := db.MuteMember(ctx, anna, chat.ID, ben.ID, sqltest.Clock.Add(time.Hour)); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("a member mutes: %v", err)
		}
		if _, err := db.FindRoom(ctx, stranger, chat.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("another school's student sees the chat: %v", err)
		}
	})
}

// TestChatMessageExtras: replies, reactions, mentions, search, reports
// and retention.
func TestChatMessageExtras(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		carl := MustCreateUser(t, db, s.ID, "carl", schulhof.RoleStudent)
		admin := MustCreateUser(t, db, s.ID, "leitung", schulhof.RoleSchoolAdmin)
		class := classRoom(t, db, s.ID, "7c", teacher, anna)
		rooms, _ := db.FindRooms(ctx, anna) // the school's channel first

		m1, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "Die Übung zur Bruchrechnung ist online, @anna Test bitte prüfen.",
			Mentions: []schulhof.UserID{anna.ID, anna.ID}})
		if err != nil || len(m1.Mentions) != 1 || m1.Mentions[0] != anna.ID {
			t.Fatalf("with a mention: %+v %v", m1, err)
		}
		if _, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "x", Mentions: []schulhof.UserID{carl.ID}}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("mentioning someone outside the room: %v", err)
		}
		reply, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Mache ich!", ReplyTo: m1.ID})
		if err != nil || reply.Reply == nil || reply.Reply.Sender != "Vor Nach lehrer" || reply.Reply.Text == "" {
			t.Fatalf("reply: %+v %v", reply, err)
		}
		// reactions: a fixed set; each user once per emoji
		if _, err := db.React(ctx, anna, class, m1.ID, "💩", true); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("an emoji outside the set: %v", err)
		}
		if _, err := db.React(ctx, anna, class, m1.ID, "👍", true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.React(ctx, anna, class, m1.ID, "👍", true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.React(ctx, anna, class, m1.ID, "🎉", true); err != nil {
			t.Fatal(err)
		}
		m, err := db.React(ctx, teacher, class, m1.ID, "👍", true)
		if err != nil || len(m.Reactions) != 2 || m.Reactions[0] != (schulhof.Reaction{Emoji: "👍", Count: 2, Mine: true}) ||
			m.Reactions[1] != (schulhof.Reaction{Emoji: "🎉", Count: 1, Mine: false}) {
			t.Fatalf("reactions: %+v %v", m, err)
		}
		m, _ = db.React(ctx, anna, class, m1.ID, "🎉", false)
		if len(m.Reactions) != 1 {
			t.Errorf("after taking one back: %+v", m.Reactions)
		}
		if _, err := db.React(ctx, carl, class, m1.ID, "👍", true); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("reacting outside the room: %v", err)
		}
		page, _ := db.FindMessages(ctx, anna, class, 0, 10)
		if len(page) != 2 || len(page[0].Reactions) != 1 || !page[0].Reactions[0].Mine || page[1].Reply == nil || len(page[0].Mentions) != 1 {
			t.Errorf("the page: %+v %+v", page[0], page[1])
		}
		// search: case and umlauts, only rooms one reads
		for q, want := range map[string]int{"übung": 1, "ÜBUNG bruch": 1, "mache": 1, "100%": 0, "fehlt": 0} {
			got, err := db.SearchMessages(ctx, anna, q, 0, 0)
			if err != nil || len(got) != want {
				t.Errorf("search %q: %d %v, want %d", q, len(got), err, want)
			}
		}
		if got, _ := db.SearchMessages(ctx, carl, "übung", 0, 0); len(got) != 0 {
			t.Errorf("carl finds a room he does not read: %+v", got)
		}
		if _, err := db.SearchMessages(ctx, anna, "ü", 0, 0); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("a search of one letter: %v", err)
		}
		// reports: for the room's leader and the school's admin
		must(t, db.ReportMessage(ctx, anna, class, m1.ID, "Das war gemein."))
		if err := db.ReportMessage(ctx, anna, class, m1.ID, "nochmal"); !schulhof.Match(err, schulhof.EConflict) {
			t.Errorf("reporting twice: %v", err)
		}
		if err := db.ReportMessage(ctx, carl, class, m1.ID, "x"); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("reporting outside the room: %v", err)
		}
		for _, u := range []*schulhof.User{teacher, admin} {
			if rs, err := db.FindReports(ctx, u); err != nil || len(rs) != 1 || rs[0].Reason != "Das war gemein." || rs[0].Message.ID != m1.ID || rs[0].RoomName != "7c" {
				t.Errorf("%s's reports: %+v %v", u.Login, rs, err)
			}
		}
		if rs, _ := db.FindReports(ctx, anna); len(rs) != 0 {
			t.Errorf("anna sees reports: %+v", rs)
		}
		rs, _ := db.FindReports(ctx, teacher)
		if err := db.HandleReport(ctx, anna, rs[0].ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("anna handles a report: %v", err)
		}
		must(t, db.HandleReport(ctx, teacher, rs[0].ID))
		if rs, _ := db.FindReports(ctx, admin); len(rs) != 0 {
			t.Errorf("handled, still open: %+v", rs)
		}
		// attachments: waiting for their message, then on it
		a := &schulhof.Attachment{Name: "tafel.png", ContentType: "image/png", Size: 10, BlobKey: "k1"}
		must(t, db.AddChatAttachment(ctx, anna, class, a))
		if _, err := db.FindChatAttachment(ctx, teacher, class, a.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("another member sees an attachment not yet sent: %v", err)
		}
		if _, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Attachments: []int64{a.ID}}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("sending another's attachment: %v", err)
		}
		withFile, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Attachments: []int64{a.ID}})
		if err != nil || len(withFile.Attachments) != 1 || !withFile.Attachments[0].Image {
			t.Fatalf("a message of only an image: %+v %v", withFile, err)
		}
		if got, err := db.FindChatAttachment(ctx, teacher, class, a.ID); err != nil || got.BlobKey != "k1" {
			t.Errorf("the teacher opens it: %+v %v", got, err)
		}
		if used, _ := db.BlobInUse(ctx, "k1"); !used {
			t.Error("the attachment's blob is not in use")
		}
		// push: the room's readers' browsers, not the sender's, not others'
		if has, _ := db.HasPushSubscriptions(ctx, s.ID); has {
			t.Error("subscriptions before any")
		}
		for i, u := range []*schulhof.User{anna, carl, teacher, anna} {
			must(t, db.SavePushSubscription(ctx, u, &schulhof.PushSubscription{Endpoint: "https://fcm.googleapis.com/x/" + u.Login + strconv.Itoa(i), P256dh: "k", Auth: "a"}))
		}
		if has, _ := db.HasPushSubscriptions(ctx, s.ID); !has {
			t.Error("no subscriptions after some")
		}
		subs, err := db.RoomPushSubscriptions(ctx, s.ID, class, teacher.ID)
		if err != nil || len(subs) != 2 || subs[0].User != anna.ID || subs[1].User != anna.ID {
			t.Errorf("the class room's subscriptions: %+v %v", subs, err)
		}
		if subs, _ := db.RoomPushSubscriptions(ctx, s.ID, rooms[0].ID, admin.ID); len(subs) != 4 {
			t.Errorf("the school channel's subscriptions: %+v", subs)
		}
		must(t, db.DeletePushSubscription(ctx, carl.ID, "https://fcm.googleapis.com/x/anna0")) // not his
		must(t, db.DeletePushSubscription(ctx, 0, "https://fcm.googleapis.com/x/anna3"))
		if subs, _ := db.RoomPushSubscriptions(ctx, s.ID, class, teacher.ID); len(subs) != 1 {
			t.Errorf("after deleting: %+v", subs)
		}
		// retention: the school keeps messages 30 days
		set := schulhof.DefaultChatSettings()
		set.RetentionDays = 30
		must(t, db.SetChatSettings(ctx, s.ID, set))
		if n, err := db.PurgeOldMessages(ctx, sqltest.Clock.Add(29*24*time.Hour)); err != nil || n != 0 {
			t.Errorf("after 29 days: %d %v", n, err)
		}
		if n, err := db.PurgeOldMessages(ctx, sqltest.Clock.Add(31*24*time.Hour)); err != nil || n != 3 {
			t.Errorf("after 31 days: %d %v", n, err)
		}
		if page, _ := db.FindMessages(ctx, anna, class, 0, 10); len(page) != 0 {
			t.Errorf("left: %+v", page)
		}
		if used, _ := db.BlobInUse(ctx, "k1"); used {
			t.Error("the purged attachment's blob is still in use")
		}
	})
}
