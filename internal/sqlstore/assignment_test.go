package sqlstore_test

import (
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func TestAssignments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		ben := MustCreateUser(t, db, s.ID, "ben", schulhof.RoleStudent)
		carl := MustCreateUser(t, db, s.ID, "carl", schulhof.RoleStudent) // in another class
		parent := MustCreateUser(t, db, s.ID, "mutter", schulhof.RoleParent)
		if err := db.LinkParent(ctx, s.ID, parent.ID, ben.ID); err != nil {
			t.Fatal(err)
		}
		g5a := &schulhof.Group{SchoolID: s.ID, Name: "5a", Kind: schulhof.GroupClass}
		g5b := &schulhof.Group{SchoolID: s.ID, Name: "5b", Kind: schulhof.GroupClass}
		foreign := &schulhof.Group{SchoolID: other.ID, Name: "5a", Kind: schulhof.GroupClass}
		for _, g := range []*schulhof.Group{g5a, g5b, foreign} {
			if err := db.CreateGroup(ctx, g); err != nil {
				t.Fatal(err)
			}
		}
		must(t, db.SetMember(ctx, s.ID, g5a.ID, teacher.ID, schulhof.MemberRoleLeader))
		must(t, db.SetMember(ctx, s.ID, g5a.ID, anna.ID, schulhof.MemberRoleMember))
		must(t, db.SetMember(ctx, s.ID, g5a.ID, ben.ID, schulhof.MemberRoleMember))
		must(t, db.SetMember(ctx, s.ID, g5b.ID, carl.ID, schulhof.MemberRoleMember))
		tctx := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: teacher})

		a := &schulhof.Assignment{SchoolID: s.ID, Title: "  Aufsatz ", Groups: []schulhof.GroupID{g5a.ID, g5a.ID},
			StartsAt: sqltest.Clock, DueAt: sqltest.Clock.Add(48 * time.Hour), CreatedBy: teacher.ID}
		must(t, db.CreateAssignment(tctx, a))
		if a.Title != "Aufsatz" || a.ID == 0 {
			t.Fatalf("created: %+v", a)
		}
		bad := &schulhof.Assignment{SchoolID: s.ID, Title: "x", Groups: []schulhof.GroupID{foreign.ID},
			StartsAt: sqltest.Clock, DueAt: sqltest.Clock.Add(time.Hour), CreatedBy: teacher.ID}
		if err := db.CreateAssignment(tctx, bad); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("group of another school: %v", err)
		}
		bad.Groups, bad.DueAt = []schulhof.GroupID{g5a.ID}, sqltest.Clock.Add(-time.Hour)
		if err := db.CreateAssignment(tctx, bad); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("due before start: %v", err)
		}
		if _, err := db.FindAssignment(ctx, other.ID, a.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("other school finds it: %v", err)
		}

		att, err := db.AddAttachment(tctx, s.ID, a.ID, schulhof.NamedContent{Name: "Blatt.pdf", NewContent: content("blatt")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.FindAssignment(ctx, s.ID, a.ID)
		if err != nil || len(got.Groups) != 1 || len(got.Attachments) != 1 || got.Attachments[0].ID != att.ID {
			t.Fatalf("find: %+v %v", got, err)
		}
		for _, c := range []struct {
			user *schulhof.User
			n    int
		}{{teacher, 1}, {anna, 1}, {parent, 1}, {carl, 0}} {
			as, err := db.FindAssignmentsFor(ctx, s.ID, c.user.ID)
			if err != nil || len(as) != c.n {
				t.Errorf("%s sees %d assignments, want %d (%v)", c.user.Login, len(as), c.n, err)
			}
		}

		// Anna hands in, then replaces her hand-in; Carl is not in the class.
		if _, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "", nil, nil); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("empty hand-in: %v", err)
		}
		sub, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "erste Fassung", nil, []schulhof.NamedContent{{Name: "a.txt", NewContent: content("aaa")}})
		if err != nil || sub.Status != schulhof.StatusHandedIn || len(sub.Files) != 1 {
			t.Fatalf("hand in: %+v %v", sub, err)
		}
		sub, err = db.HandIn(ctx, s.ID, a.ID, anna.ID, "zweite Fassung", nil, []schulhof.NamedContent{
			{Name: "b.txt", NewContent: content("bbbb")}, {Name: "c.txt", NewContent: content("cc")}})
		if err != nil || sub.Text != "zweite Fassung" || len(sub.Files) != 2 || sub.Files[0].Name != "b.txt" {
			t.Fatalf("replace: %+v %v", sub, err)
		}
		// she adds a file and corrects c.txt, keeping b.txt: nothing else goes
		b, c := sub.Files[0].ID, sub.Files[1].ID
		sub, err = db.HandIn(ctx, s.ID, a.ID, anna.ID, "dritte Fassung", []int64{b, c}, []schulhof.NamedContent{
			{Name: "C.txt", NewContent: content("ccc")}, {Name: "d.txt", NewContent: content("d")}})
		if err != nil {
			t.Fatal(err)
		}
		sizes := map[string]int64{}
		for _, f := range sub.Files {
			sizes[f.Name] = f.Size
		}
		if len(sizes) != 3 || sizes["b.txt"] != 4 || sizes["C.txt"] != 3 || sizes["d.txt"] != 1 {
			t.Fatalf("add to the hand-in: %v", sizes)
		}
		// keeping nothing and adding nothing with no text is empty
		if _, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "", nil, nil); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("an empty hand-in: %v", err)
		}
		// only her own files are kept: another's id names nothing of hers
		sub, err = db.HandIn(ctx, s.ID, a.ID, anna.ID, "", []int64{b, 999999}, nil)
		if err != nil || len(sub.Files) != 1 || sub.Files[0].ID != b || sub.Text != "" {
			t.Fatalf("keep one: %+v %v", sub, err)
		}
		// and back to the second version, which the rest of the test reads
		if _, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "zweite Fassung", nil, []schulhof.NamedContent{
			{Name: "b.txt", NewContent: content("bbbb")}, {Name: "c.txt", NewContent: content("cc")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.HandIn(ctx, s.ID, a.ID, carl.ID, "x", nil, nil); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("student of another class hands in: %v", err)
		}
		if _, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "x", nil, []schulhof.NamedContent{
			{Name: "x.txt", NewContent: content("1")}, {Name: "X.TXT", NewContent: content("2")}}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("two files of one name: %v", err)
		}
		if _, err := db.SetFeedback(tctx, s.ID, a.ID, ben.ID, "Bitte nachreichen."); err != nil {
			t.Fatal(err)
		}
		subs, err := db.FindSubmissions(ctx, s.ID, a.ID)
		if err != nil || len(subs) != 2 {
			t.Fatalf("submissions: %+v %v", subs, err)
		}
		if subs[0].Student.ID != anna.ID || subs[0].Status != schulhof.StatusHandedIn || len(subs[0].Files) != 2 {
			t.Errorf("anna: %+v", subs[0])
		}
		annaFile := subs[0].Files[0].ID
		if subs[1].Student.ID != ben.ID || subs[1].Status != schulhof.StatusOpen || subs[1].Feedback != "Bitte nachreichen." || subs[1].FeedbackBy != teacher.ID {
			t.Errorf("ben: %+v", subs[1])
		}
		// hand-ins count against the student's quota
		use, err := db.SpaceUsage(ctx, s.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(anna.ID)})
		if err != nil || use != 6 {
			t.Errorf("anna's usage %d, want 6 (%v)", use, err)
		}
		// a file handed in from her own files counts once, there
		annaSpace := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(anna.ID)}
		if _, err := db.PutFile(ctx, s.ID, annaSpace, 0, "d.txt", content("dd"), 10); err != nil {
			t.Fatal(err)
		}
		var keepAll []int64
		for _, f := range subs[0].Files {
			keepAll = append(keepAll, f.ID)
		}
		if _, err := db.HandIn(ctx, s.ID, a.ID, anna.ID, "zweite Fassung", keepAll, []schulhof.NamedContent{{Name: "d.txt", NewContent: content("dd")}}); err != nil {
			t.Fatal(err)
		}
		if use, err := db.SpaceUsage(ctx, s.ID, annaSpace); err != nil || use != 8 {
			t.Errorf("anna's usage with a file of hers handed in: %d, want 8 (%v)", use, err)
		}
		if in, err := db.BlobInUse(ctx, content("cc").BlobKey); err != nil || !in {
			t.Errorf("hand-in blob not in use: %v %v", in, err)
		}
		if in, err := db.BlobInUse(ctx, content("aaa").BlobKey); err != nil || in {
			t.Errorf("replaced hand-in blob still in use: %v %v", in, err)
		}

		// after the due date, Ben is missing; marking reviewed sticks
		db.Now = func() time.Time { return sqltest.Clock.Add(72 * time.Hour) }
		defer func() { db.Now = func() time.Time { return sqltest.Clock } }()
		sub, err = db.FindSubmission(ctx, s.ID, a.ID, ben.ID)
		if err != nil || sub.Status != schulhof.StatusMissing {
			t.Fatalf("ben after due: %+v %v", sub, err)
		}
		sub, err = db.HandIn(ctx, s.ID, a.ID, ben.ID, "spät", nil, nil)
		if err != nil || sub.Status != schulhof.StatusLate || sub.Feedback != "Bitte nachreichen." {
			t.Fatalf("late: %+v %v", sub, err)
		}
		yes := true
		up, err := db.UpdateAssignment(tctx, s.ID, a.ID, schulhof.AssignmentUpdate{Reviewed: &yes, Groups: []schulhof.GroupID{g5a.ID, g5b.ID}})
		if err != nil || up.ReviewedAt == nil || len(up.Groups) != 2 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if subs, _ := db.FindSubmissions(ctx, s.ID, a.ID); len(subs) != 3 {
			t.Errorf("after adding 5b: %d submissions, want 3", len(subs))
		}

		must(t, db.DeleteAttachment(tctx, s.ID, a.ID, att.ID))
		if err := db.DeleteAttachment(tctx, s.ID, a.ID, annaFile); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("delete a hand-in's file as an attachment: %v", err)
		}
		if err := db.DeleteAssignment(tctx, other.ID, a.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("other school deletes: %v", err)
		}
		must(t, db.DeleteAssignment(tctx, s.ID, a.ID))
		if in, _ := db.BlobInUse(ctx, content("cc").BlobKey); in {
			t.Error("deleted assignment's blob still in use")
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
