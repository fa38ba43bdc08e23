package sqlstore_test

import (
	"database/sql"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func TestChat(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		admin := MustCreateUser(t, db, s.ID, "leitung", schulhof.RoleSchoolAdmin)
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		carl := MustCreateUser(t, db, s.ID, "carl", schulhof.RoleStudent) // in another class
		stranger := MustCreateUser(t, db, other.ID, "fremd", schulhof.RoleStudent)
		g5a := &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}
		g5b := &schulhof.Group{SchoolID: s.ID, Name: "5b", Kind: schulhof.GroupClass}
		for _, g := range []*schulhof.Group{g5a, g5b} {
			must(t, db.CreateGroup(ctx, g))
		}
		must(t, db.SetMember(ctx, s.ID, g5a.ID, teacher.ID, schulhof.MemberRoleLeader))
		must(t, db.SetMember(ctx, s.ID, g5a.ID, anna.ID, schulhof.MemberRoleMember))
		must(t, db.SetMember(ctx, s.ID, g5b.ID, carl.ID, schulhof.MemberRoleMember))
		must(t, db.EnsureRooms(ctx, s.ID))
		must(t, db.EnsureRooms(ctx, s.ID)) // twice: nothing more
		must(t, db.EnsureRooms(ctx, other.ID))

		rooms, err := db.FindRooms(ctx, anna)
		if err != nil || len(rooms) != 2 || rooms[0].Kind != schulhof.RoomSchool || rooms[1].Name != "5a" || rooms[1].CanWrite != true || rooms[0].CanWrite {
			t.Fatalf("anna's rooms: %+v %v", rooms, err)
		}
		class := rooms[1].ID
		// the store answers only within the school it is asked for
		if a, err := db.RoomAudience(ctx, s.ID, class); err != nil || !a.Members[anna.ID] {
			t.Fatalf("audience: %+v %v", a, err)
		}
		if _, err := db.RoomAudience(ctx, other.ID, class); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("another school's room audience: %v", err)
		}
		if in, err := db.IsMember(ctx, s.ID, g5a.ID, anna.ID); err != nil || !in {
			t.Fatalf("member: %v %v", in, err)
		}
		if in, err := db.IsMember(ctx, other.ID, g5a.ID, anna.ID); err != nil || in {
			t.Fatalf("member asked for another school: %v %v", in, err)
		}
		school := rooms[0].ID
		// the teacher writes in the class room; anna has one unread
		m1, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "  Morgen bringt ihr den Atlas mit. "})
		if err != nil || m1.Text != "Morgen bringt ihr den Atlas mit." || m1.ID == 0 {
			t.Fatalf("%+v %v", m1, err)
		}
		if r, _ := db.FindRoom(ctx, anna, class); r.Unread != 1 || r.LastID != m1.ID {
			t.Errorf("anna's unread: %+v", r)
		}
		if r, _ := db.FindRoom(ctx, teacher, class); r.Unread != 0 || !r.Leader {
			t.Errorf("the sender's own message is read: %+v", r)
		}
		m2, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Okay!", ReplyTo: m1.ID})
		if err != nil || m2.ReplyTo != m1.ID {
			t.Fatalf("%+v %v", m2, err)
		}
		// who may not read or write
		for name, u := range map[string]*schulhof.User{"carl": carl, "stranger": stranger} {
			if _, err := db.FindRoom(ctx, u, class); !schulhof.Match(err, schulhof.ENotFound) {
				t.Errorf("%s reads 5a's room: %v", name, err)
			}
			if _, err := db.PostMessage(ctx, u, class, &schulhof.NewMessage{Text: "hallo"}); !schulhof.Match(err, schulhof.ENotFound) {
				t.Errorf("%s writes in 5a's room: %v", name, err)
			}
			if _, err := db.FindMessages(ctx, u, class, 0, 10); !schulhof.Match(err, schulhof.ENotFound) {
				t.Errorf("%s reads 5a's messages: %v", name, err)
			}
		}
		if _, err := db.PostMessage(ctx, anna, school, &schulhof.NewMessage{Text: "Hallo Schule"}); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("a student writes in the school's channel: %v", err)
		}
		if _, err := db.PostMessage(ctx, admin, school, &schulhof.NewMessage{Text: "Morgen ist Wandertag."}); err != nil {
			t.Errorf("the admin's announcement: %v", err)
		}
		for _, bad := range []string{"", "   ", string(make([]rune, schulhof.MaxMessageLength+1))} {
			if _, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: bad}); !schulhof.Match(err, schulhof.EInvalid) {
				t.Errorf("%q: %v", bad[:min(len(bad), 5)], err)
			}
		}
		if _, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Antwort", ReplyTo: 999999}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("a reply to nothing: %v", err)
		}
		// history by cursor
		for i := 0; i < 5; i++ {
			if _, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "Nachricht"}); err != nil {
				t.Fatal(err)
			}
		}
		newest, err := db.FindMessages(ctx, anna, class, 0, 3)
		if err != nil || len(newest) != 3 || newest[0].ID >= newest[2].ID {
			t.Fatalf("newest three: %v %v", newest, err)
		}
		page, _ := db.FindMessages(ctx, anna, class, m1.ID, 2)
		if len(page) != 2 || page[0].ID != m2.ID || page[0].Name == "" {
			t.Fatalf("after m1: %+v", page)
		}
		all, _ := db.FindMessages(ctx, anna, class, 0, 100)
		if len(all) != 7 {
			t.Fatalf("%d messages", len(all))
		}
		back, err := db.FindMessagesBefore(ctx, anna, class, all[4].ID, 3)
		if err != nil || len(back) != 3 || back[0].ID != all[3].ID || back[2].ID != all[1].ID || back[0].Name == "" {
			t.Fatalf("the three before the fifth, newest first: %+v %v", back, err)
		}
		if _, err := db.FindMessagesBefore(ctx, stranger, class, all[4].ID, 3); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("history of a room one does not read: %v", err)
		}
		// reading
		if r, _ := db.FindRoom(ctx, anna, class); r.Unread != 5 { // her reply read what came before
			t.Errorf("unread before reading: %d", r.Unread)
		}
		must(t, db.MarkRead(ctx, anna, class, all[3].ID))
		must(t, db.MarkRead(ctx, anna, class, m1.ID)) // never back
		if r, _ := db.FindRoom(ctx, anna, class); r.Unread != 3 {
			t.Errorf("unread after reading four: %d", r.Unread)
		}
		must(t, db.MarkRead(ctx, anna, class, 1<<40)) // never beyond
		if r, _ := db.FindRoom(ctx, anna, class); r.Unread != 0 {
			t.Errorf("unread after reading all: %d", r.Unread)
		}
		// editing and deleting: one's own; a leader deletes any, with a marker
		must(t, db.EditMessage(ctx, anna, class, m2.ID, "Okay, bringe ich mit!"))
		if err := db.EditMessage(ctx, anna, class, m1.ID, "gehackt"); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("anna edits the teacher's: %v", err)
		}
		if err := db.DeleteMessage(ctx, anna, class, m1.ID); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("anna deletes the teacher's: %v", err)
		}
		must(t, db.DeleteMessage(ctx, teacher, class, m2.ID))
		got, _ := db.FindMessages(ctx, teacher, class, m1.ID, 1)
		if len(got) != 1 || !got[0].Deleted || !got[0].ByModerator || got[0].Text != "" || got[0].Edited == nil {
			t.Errorf("deleted by the moderator: %+v", got)
		}
		if err := db.EditMessage(ctx, anna, class, m2.ID, "wieder da"); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("editing a deleted message: %v", err)
		}
		entries, _ := db.FindAuditEntries(ctx, schulhof.AuditFilter{SchoolID: s.ID, Limit: 10})
		if len(entries) == 0 || entries[0].Action != "chat.delete" {
			t.Errorf("the moderation is not in the audit log: %+v", entries)
		}
		// locking and muting: the leader's
		if err := db.LockRoom(ctx, anna, class, true); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("anna locks: %v", err)
		}
		must(t, db.LockRoom(ctx, teacher, class, true))
		if _, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Hallo?"}); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("writing in a locked room: %v", err)
		}
		if _, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "Ruhe bitte."}); err != nil {
			t.Errorf("the leader in the locked room: %v", err)
		}
		must(t, db.LockRoom(ctx, teacher, class, false))
		must(t, db.MuteMember(ctx, teacher, class, anna.ID, sqltest.Clock.Add(10*time.Minute)))
		if _, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Hallo?"}); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("writing while muted: %v", err)
		}
		must(t, db.MuteMember(ctx, teacher, class, anna.ID, time.Time{}))
		if _, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "Danke."}); err != nil {
			t.Errorf("after the mute: %v", err)
		}
		if err := db.MuteMember(ctx, teacher, class, stranger.ID, sqltest.Clock.Add(time.Hour)); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("muting someone of another school: %v", err)
		}
		// readers: the group's members; everyone at the school for its channel
		readers, err := db.RoomReaders(ctx, s.ID, class)
		if err != nil || len(readers) != 2 {
			t.Errorf("5a's readers: %v %v", readers, err)
		}
		if readers, _ := db.RoomReaders(ctx, s.ID, school); len(readers) != 4 {
			t.Errorf("the school's readers: %v", readers)
		}
		if _, err := db.RoomReaders(ctx, other.ID, class); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("another school's room: %v", err)
		}
	})
}

// TestChatBatch: on SQLite, posts and read markers that arrive while a
// batch is under way are stored together, each in its own savepoint: one
// refused, even after its row was written, leaves the others stored and
// takes nothing of theirs along. (PostgreSQL stores each in a
// transaction of its own.)
func TestChatBatch(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	s := MustCreateSchool(t, db, "s")
	teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
	anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
	carl := MustCreateUser(t, db, s.ID, "carl", schulhof.RoleStudent) // not in 5a
	class := classRoom(t, db, s.ID, "5a", teacher, anna)
	first, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "Guten Morgen"})
	if err != nil {
		t.Fatal(err)
	}
	batchesBefore, writesBefore := db.ChatBatches()

	type post struct {
		u  *schulhof.User
		in schulhof.NewMessage
	}
	posts := []post{
		{anna, schulhof.NewMessage{Text: "eins", ClientToken: "t1"}},
		{teacher, schulhof.NewMessage{Text: "zwei"}},
		// written, then refused for its attachment: undone alone
		{anna, schulhof.NewMessage{Text: "mit Anhang", Attachments: []int64{999999}}},
		{carl, schulhof.NewMessage{Text: "nicht meine Klasse"}},
		// the same message twice in one batch: stored once
		{anna, schulhof.NewMessage{Text: "eins", ClientToken: "t1"}},
		{teacher, schulhof.NewMessage{Text: "drei"}},
	}
	waiting, release := db.HoldChatBatches()
	type answer struct {
		m   *schulhof.Message
		err error
	}
	answers := make([]chan answer, len(posts))
	for i, p := range posts {
		answers[i] = make(chan answer, 1)
		go func() {
			m, err := db.PostMessage(ctx, p.u, class, &p.in)
			answers[i] <- answer{m, err}
		}()
		for waiting() < i+1 {
			runtime.Gosched() // in this order, one after the other
		}
	}
	read := make(chan error, 1)
	go func() { read <- db.MarkRead(ctx, anna, class, first.ID) }()
	for waiting() < len(posts)+1 {
		select {
		case err := <-read:
			release()
			t.Fatalf("the read marker was not batched: %v", err)
		default:
			runtime.Gosched()
		}
	}
	release()

	got := make([]answer, len(posts))
	for i := range posts {
		got[i] = <-answers[i]
	}
	must(t, <-read)
	for _, i := range []int{0, 1, 5} {
		if got[i].err != nil || got[i].m.ID == 0 || got[i].m.Repeated {
			t.Errorf("post %d: %+v %v", i, got[i].m, got[i].err)
		}
	}
	if !schulhof.Match(got[2].err, schulhof.EInvalid) {
		t.Errorf("a post with an unknown attachment: %v", got[2].err)
	}
	if !schulhof.Match(got[3].err, schulhof.ENotFound) {
		t.Errorf("a post outside one's class: %v", got[3].err)
	}
	if got[4].err != nil || !got[4].m.Repeated || got[4].m.ID != got[0].m.ID {
		t.Errorf("the same post again: %+v %v, first %+v", got[4].m, got[4].err, got[0].m)
	}
	ms, err := db.FindMessages(ctx, teacher, class, first.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range ms {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, ",") != "eins,zwei,drei" {
		t.Errorf("stored after the first: %q", texts)
	}
	// anna read up to the teacher's first, then her own post moved
	// her marker to it: only the teacher's two after it are unread
	if r, err := db.FindRoom(ctx, anna, class); err != nil || r.Unread != 2 {
		t.Errorf("anna's unread: %+v %v", r, err)
	}
	batches, writes := db.ChatBatches()
	// one transaction, which stored three posts and the read marker
	if batches-batchesBefore != 1 || writes-writesBefore != 4 {
		t.Errorf("%d batches storing %d writes, want 1 storing 4", batches-batchesBefore, writes-writesBefore)
	}
}

// TestChatBatchPanic: a write that panics (a bug) fails alone; the others
// of its batch are stored and the server goes on.
func TestChatBatchPanic(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	s := MustCreateSchool(t, db, "s")
	admin := MustCreateUser(t, db, s.ID, "leitung", schulhof.RoleSchoolAdmin)
	must(t, db.EnsureRooms(ctx, s.ID))
	rooms, err := db.FindRooms(ctx, admin)
	if err != nil || len(rooms) != 1 {
		t.Fatalf("rooms: %+v %v", rooms, err)
	}
	waiting, release := db.HoldChatBatches()
	panicked := make(chan error, 1)
	go func() { panicked <- db.ChatBatched(ctx, func() error { panic("kaputt") }) }()
	for waiting() < 1 {
		runtime.Gosched()
	}
	posted := make(chan error, 1)
	go func() {
		_, err := db.PostMessage(ctx, admin, rooms[0].ID, &schulhof.NewMessage{Text: "Durchsage"})
		posted <- err
	}()
	for waiting() < 2 {
		runtime.Gosched()
	}
	release()
	if err := <-panicked; err == nil || !strings.Contains(err.Error(), "kaputt") {
		t.Errorf("the write that panicked: %v", err)
	}
	must(t, <-posted)
	if ms, err := db.FindMessages(ctx, admin, rooms[0].ID, 0, 10); err != nil || len(ms) != 1 {
		t.Errorf("stored: %d, %v", len(ms), err)
	}
}

// TestChatBatchIgnoresRequestsEnd: a batched write's statements run under
// the batch's context, not its request's: in a batch of several
// requests' writes, one that ends must not interrupt a statement (on
// SQLite an interrupt stops the connection's running statement, whoever's).
func TestChatBatchIgnoresRequestsEnd(t *testing.T) {
	db := sqltest.MustOpenSQLite(t)
	if err := db.ChatBatchedAfterItsEnd(`INSERT INTO settings (key, value) VALUES ($1, $2)`, "probe", "da"); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Setting(ctx, "probe"); err != nil || v != "da" {
		t.Fatalf("stored: %q %v", v, err)
	}
}

// classRoom makes a class of the school with its leader and members and
// returns the class's room.
func classRoom(tb testing.TB, db *sqlstore.DB, school schulhof.SchoolID, name string, leader *schulhof.User, members ...*schulhof.User) schulhof.RoomID {
	tb.Helper()
	g := &schulhof.Group{SchoolID: school, Name: name, Kind: schulhof.GroupClass}
	must(tb, db.CreateGroup(ctx, g))
	if leader != nil {
		must(tb, db.SetMember(ctx, school, g.ID, leader.ID, schulhof.MemberRoleLeader))
	}
	for _, u := range members {
		must(tb, db.SetMember(ctx, school, g.ID, u.ID, schulhof.MemberRoleMember))
	}
	must(tb, db.EnsureRooms(ctx, school))
	rooms, err := db.FindRooms(ctx, append(members, leader)[0])
	must(tb, err)
	for _, r := range rooms {
		if r.GroupID == g.ID {
			return r.ID
		}
	}
	tb.Fatalf("no room of class %s", name)
	return 0
}

// TestChatPostsCommitInIdOrder: on PostgreSQL, which hands out ids before
// commit, a room's posts still commit in the order of their ids — a socket
// that reconnects asks for what came after the last id it saw and would
// never get a smaller one committed later. A post that starts while
// another's row is written but not committed waits for it.
func TestChatPostsCommitInIdOrder(t *testing.T) {
	db := sqltest.MustOpenPostgres(t)
	s := MustCreateSchool(t, db, "s")
	teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
	anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
	class := classRoom(t, db, s.ID, "5a", teacher, anna)
	held, release, laterStored := make(chan int64, 1), make(chan struct{}), make(chan int64, 1)
	var stored atomic.Int32
	db.OnMessageStored(func(id int64) {
		if stored.Add(1) == 1 {
			held <- id
			<-release // the first post's transaction stays open
			return
		}
		laterStored <- id
	})
	type answer struct {
		m   *schulhof.Message
		err error
	}
	first, second := make(chan answer, 1), make(chan answer, 1)
	go func() {
		m, err := db.PostMessage(ctx, teacher, class, &schulhof.NewMessage{Text: "eins"})
		first <- answer{m, err}
	}()
	firstID := <-held
	go func() {
		m, err := db.PostMessage(ctx, anna, class, &schulhof.NewMessage{Text: "zwei"})
		second <- answer{m, err}
	}()
	// the second post either waits for the room's lock, or (wrong) is
	// written while the first is not committed
	watch, err := sql.Open("pgx", os.Getenv("SCHULHOF_TEST_POSTGRES"))
	must(t, err)
	defer watch.Close()
	for waiting := 0; waiting == 0; {
		select {
		case id := <-laterStored:
			close(release)
			t.Fatalf("post %d was written while post %d was not committed yet", id, firstID)
		default:
		}
		must(t, watch.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = $1 AND objid = $2 AND objsubid = 2`, 0x4348, class).Scan(&waiting))
	}
	close(release)
	a, b := <-first, <-second
	must(t, a.err)
	must(t, b.err)
	if b.m.ID <= a.m.ID {
		t.Fatalf("the later post has id %d, the earlier %d", b.m.ID, a.m.ID)
	}
	msgs, err := db.FindMessages(ctx, anna, class, 0, 10)
	must(t, err)
	if len(msgs) != 2 || msgs[0].Text != "eins" || msgs[1].Text != "zwei" {
		t.Fatalf("messages: %+v", msgs)
	}
}
