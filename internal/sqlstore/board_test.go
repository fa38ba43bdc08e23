package sqlstore_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func strp(s string) *string { return &s }

// TestBoards: who makes, sees, leads and draws on boards; the log numbers
// operations; a snapshot and the log after it load the same drawing.
func TestBoards(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		colleague := MustCreateUser(t, db, s.ID, "kollegin", schulhof.RoleTeacher)
		anna := MustCreateUser(t, db, s.ID, "anna", schulhof.RoleStudent)
		ben := MustCreateUser(t, db, s.ID, "ben", schulhof.RoleStudent)
		carla := MustCreateUser(t, db, s.ID, "carla", schulhof.RoleStudent) // another class
		stranger := MustCreateUser(t, db, other.ID, "lehrer", schulhof.RoleTeacher)
		class := &schulhof.Group{SchoolID: s.ID, Name: "7a", Kind: schulhof.GroupClass}
		if err := db.CreateGroup(ctx, class); err != nil {
			t.Fatal(err)
		}
		db.SetMember(ctx, s.ID, class.ID, teacher.ID, schulhof.MemberRoleLeader)
		db.SetMember(ctx, s.ID, class.ID, anna.ID, schulhof.MemberRoleMember)
		db.SetMember(ctx, s.ID, class.ID, ben.ID, schulhof.MemberRoleMember)

		for _, c := range []struct {
			who  *schulhof.User
			b    schulhof.Board
			want schulhof.ErrorCode
		}{
			{anna, schulhof.Board{Title: "Meine Tafel"}, schulhof.EForbidden},
			{colleague, schulhof.Board{Title: "Fremde Klasse", GroupID: class.ID}, schulhof.EForbidden},
			{teacher, schulhof.Board{Title: "  "}, schulhof.EInvalid},
			{teacher, schulhof.Board{Title: "x", Access: "everyone"}, schulhof.EInvalid},
			{stranger, schulhof.Board{Title: "x", GroupID: class.ID}, schulhof.EInvalid},
		} {
			if err := board.Create(ctx, db, c.who, &c.b); !schulhof.Match(err, c.want) {
				t.Errorf("%s makes %+v: %v, want %s", c.who.Login, c.b, err, c.want)
			}
		}
		b := &schulhof.Board{Title: " Bruchrechnung ", GroupID: class.ID}
		if err := board.Create(ctx, db, teacher, b); err != nil || b.Title != "Bruchrechnung" || b.Access != schulhof.BoardView || b.GroupName != "7a" {
			t.Fatalf("create: %+v %v", b, err)
		}
		private := &schulhof.Board{Title: "Vorbereitung"}
		if err := board.Create(ctx, db, teacher, private); err != nil || private.Access != schulhof.BoardPrivate {
			t.Fatalf("private: %+v %v", private, err)
		}

		// who sees what
		for _, c := range []struct {
			who          *schulhof.User
			id           schulhof.BoardID
			leader, draw bool
			hidden       bool
		}{
			{teacher, b.ID, true, true, false},
			{anna, b.ID, false, false, false},
			{carla, b.ID, false, false, true},
			{colleague, b.ID, false, false, true},
			{stranger, b.ID, false, false, true},
			{anna, private.ID, false, false, true},
		} {
			got, err := db.FindBoardByID(ctx, c.who, c.id)
			if c.hidden {
				if !schulhof.Match(err, schulhof.ENotFound) {
					t.Errorf("%s sees board %d: %v", c.who.Login, c.id, err)
				}
				continue
			}
			if err != nil || got.Leader != c.leader || got.CanDraw != c.draw {
				t.Errorf("%s on board %d: %+v %v", c.who.Login, c.id, got, err)
			}
		}
		if bs, err := db.FindBoards(ctx, anna); err != nil || len(bs) != 1 || bs[0].ID != b.ID {
			t.Errorf("anna's boards: %v %v", bs, err)
		}
		if bs, err := db.FindBoards(ctx, teacher); err != nil || len(bs) != 2 {
			t.Errorf("the teacher's boards: %v %v", bs, err)
		}

		// drawing: for all, then one by one
		if _, err := db.UpdateBoard(ctx, anna, b.ID, schulhof.BoardUpdate{Access: strp(schulhof.BoardDraw)}); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("a student switches drawing on: %v", err)
		}
		if _, err := db.UpdateBoard(ctx, teacher, b.ID, schulhof.BoardUpdate{Access: strp(schulhof.BoardDraw)}); err != nil {
			t.Fatal(err)
		}
		no := false
		if _, err := db.UpdateBoard(ctx, teacher, b.ID, schulhof.BoardUpdate{Drawer: ben.ID, DrawerAllow: &no}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateBoard(ctx, teacher, b.ID, schulhof.BoardUpdate{Drawer: carla.ID, DrawerAllow: &no}); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("drawing of a non-member: %v", err)
		}
		if got, _ := db.FindBoardByID(ctx, anna, b.ID); !got.CanDraw {
			t.Error("anna may not draw with drawing on for all")
		}
		if got, _ := db.FindBoardByID(ctx, ben, b.ID); got.CanDraw {
			t.Error("ben draws though switched off for him")
		}
		if _, err := db.UpdateBoard(ctx, teacher, b.ID, schulhof.BoardUpdate{Drawer: ben.ID}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindBoardByID(ctx, ben, b.ID); !got.CanDraw {
			t.Error("ben back to the group's setting, still not drawing")
		}

		// the log: numbered in order, loaded from a snapshot and the rest
		page := strp("p1")
		x := 10.0
		if err := board.Append(ctx, db, teacher.SchoolID, b.ID, teacher.ID, []*board.Op{
			{Op: "add", ID: "t-1", Kind: board.KindPen, Set: &board.Fields{Page: page}, Points: []board.Point{{X: 1, Y: 1, P: .5}}},
			{Op: "points", ID: "t-1", Batch: 1, Points: []board.Point{{X: 2, Y: 2, P: .5}}},
		}); err != nil {
			t.Fatal(err)
		}
		doc, err := board.LoadDoc(ctx, db, teacher.SchoolID, b.ID)
		if err != nil || doc.Seq != 2 || len(doc.Elements["t-1"].Points()) != 2 || doc.Elements["t-1"].Author != int64(teacher.ID) {
			t.Fatalf("loaded: %+v %v", doc, err)
		}
		snap, _ := json.Marshal(doc)
		if err := db.SaveBoardSnapshot(ctx, teacher.SchoolID, b.ID, snap, doc.Seq); err != nil {
			t.Fatal(err)
		}
		if err := board.Append(ctx, db, teacher.SchoolID, b.ID, anna.ID, []*board.Op{{Op: "set", ID: "t-1", Set: &board.Fields{X: &x}}}); err != nil {
			t.Fatal(err)
		}
		doc, err = board.LoadDoc(ctx, db, teacher.SchoolID, b.ID)
		if err != nil || doc.Seq != 3 || doc.Elements["t-1"].X != 10 {
			t.Fatalf("after the snapshot: %+v %v", doc, err)
		}
		if ops, err := board.FindOps(ctx, db, teacher.SchoolID, b.ID, 1, 10); err != nil || len(ops) != 2 || ops[0].Seq != 2 || ops[1].Author != int64(anna.ID) {
			t.Errorf("ops after 1: %v %v", ops, err)
		}

		// another school's board is not found by id, whatever is asked
		elsewhere := MustCreateSchool(t, db, "woanders").ID
		if _, err := board.LoadDoc(ctx, db, elsewhere, b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("loaded through another school: %v", err)
		}
		if err := board.Append(ctx, db, elsewhere, b.ID, teacher.ID, []*board.Op{{Op: "set", ID: "t-1", Set: &board.Fields{X: &x}}}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("drawn through another school: %v", err)
		}
		if ops, err := board.FindOps(ctx, db, elsewhere, b.ID, 0, 0); !schulhof.Match(err, schulhof.ENotFound) || len(ops) != 0 {
			t.Errorf("the log through another school: %d %v", len(ops), err)
		}
		if err := db.SaveBoardSnapshot(ctx, elsewhere, b.ID, []byte(`{}`), 99); err != nil {
			t.Fatal(err)
		}
		if seq, err := db.BoardSnapshotSeq(ctx, teacher.SchoolID, b.ID); err != nil || seq != 2 {
			t.Errorf("a snapshot through another school was kept: seq %d %v", seq, err)
		}
		if _, err := db.BoardSnapshotSeq(ctx, elsewhere, b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("the snapshot seq through another school: %v", err)
		}
		img := &schulhof.BoardImage{BoardID: b.ID, ContentType: "image/png", Size: 3, BlobKey: "k"}
		if err := db.AddBoardImage(ctx, teacher, img); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindBoardImage(ctx, teacher.SchoolID, b.ID, img.ID); err != nil {
			t.Errorf("the board's picture: %v", err)
		}
		if _, err := db.FindBoardImage(ctx, elsewhere, b.ID, img.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("the picture through another school: %v", err)
		}

		// appends from many at once get distinct numbers
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := board.Append(ctx, db, teacher.SchoolID, b.ID, teacher.ID, []*board.Op{{Op: "set", ID: "t-1", Set: &board.Fields{X: &x}}, {Op: "set", ID: "t-1", Set: &board.Fields{X: &x}}}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		ops, err := board.FindOps(ctx, db, teacher.SchoolID, b.ID, 0, 0)
		if err != nil || len(ops) != 19 {
			t.Fatalf("%d ops, %v", len(ops), err)
		}
		for i, op := range ops {
			if op.Seq != int64(i+1) {
				t.Fatalf("op %d has seq %d", i, op.Seq)
			}
		}
		// several people's operations in one append (a class's, gathered
		// while the last was stored), more than one statement takes
		var many []*board.Op
		for i := range 450 {
			author := []int64{int64(teacher.ID), int64(anna.ID)}[i%2]
			many = append(many, &board.Op{Op: "set", ID: "t-1", Set: &board.Fields{X: &x}, Author: author})
		}
		if err := board.AppendSent(ctx, db, teacher.SchoolID, b.ID, many); err != nil || many[0].Seq != 20 || many[449].Seq != 469 {
			t.Fatalf("450 at once: seq %d to %d, %v", many[0].Seq, many[449].Seq, err)
		}
		ops, err = board.FindOps(ctx, db, teacher.SchoolID, b.ID, 19, 0)
		if err != nil || len(ops) != 450 || ops[449].Seq != 469 || ops[0].Author != int64(teacher.ID) || ops[1].Author != int64(anna.ID) {
			t.Fatalf("450 at once, read back: %d ops, %v", len(ops), err)
		}

		// copy as next year's template; trash and back
		doc, _ = board.LoadDoc(ctx, db, teacher.SchoolID, b.ID)
		cp := &schulhof.Board{Title: "Bruchrechnung (Vorlage)"}
		if err := board.Copy(ctx, db, anna, b.ID, cp, doc); !schulhof.Match(err, schulhof.EForbidden) {
			t.Errorf("a student copies: %v", err)
		}
		if err := board.Copy(ctx, db, colleague, b.ID, cp, doc); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("a teacher of another class copies: %v", err)
		}
		if err := board.Copy(ctx, db, teacher, b.ID, cp, doc); err != nil || cp.Access != schulhof.BoardPrivate {
			t.Fatalf("copy: %+v %v", cp, err)
		}
		if d, err := board.LoadDoc(ctx, db, teacher.SchoolID, cp.ID); err != nil || d.Seq != doc.Seq || d.Elements["t-1"] == nil {
			t.Errorf("the copy's drawing: %+v %v", d, err)
		}
		// a copy's picture is a row of its own, and its drawing points at it
		pic := "i" + strconv.FormatInt(img.ID, 10)
		if err := board.Append(ctx, db, teacher.SchoolID, b.ID, teacher.ID, []*board.Op{{Op: "add", ID: "im-1", Kind: board.KindImage, Set: &board.Fields{Image: &pic}}}); err != nil {
			t.Fatal(err)
		}
		doc, _ = board.LoadDoc(ctx, db, teacher.SchoolID, b.ID)
		withPicture := &schulhof.Board{Title: "Mit Bild"}
		if err := board.Copy(ctx, db, teacher, b.ID, withPicture, doc); err != nil {
			t.Fatal(err)
		}
		d, err := board.LoadDoc(ctx, db, teacher.SchoolID, withPicture.ID)
		if err != nil || d.Elements["im-1"] == nil || d.Elements["im-1"].Image == pic {
			t.Fatalf("the copy's picture: %+v %v", d, err)
		}
		copied, _ := strconv.ParseInt(strings.TrimPrefix(d.Elements["im-1"].Image, "i"), 10, 64)
		if _, err := db.FindBoardImage(ctx, teacher.SchoolID, withPicture.ID, copied); err != nil {
			t.Errorf("the copy's picture %s is not its own: %v", d.Elements["im-1"].Image, err)
		}
		if doc.Elements["im-1"].Image != pic {
			t.Errorf("copying renamed the original's picture: %s", doc.Elements["im-1"].Image)
		}
		if err := db.DeleteBoard(ctx, anna, b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("a student deletes: %v", err)
		}
		if err := db.DeleteBoard(ctx, teacher, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindBoardByID(ctx, anna, b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("a deleted board: %v", err)
		}
		if bs, err := db.FindDeletedBoards(ctx, teacher); err != nil || len(bs) != 1 || bs[0].ID != b.ID {
			t.Errorf("the teacher's trash: %v %v", bs, err)
		}
		if bs, err := db.FindDeletedBoards(ctx, colleague); err != nil || len(bs) != 0 {
			t.Errorf("a colleague's trash: %v %v", bs, err)
		}
		if err := board.Append(ctx, db, teacher.SchoolID, b.ID, teacher.ID, []*board.Op{{Op: "set", ID: "t-1", Set: &board.Fields{X: &x}}}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("drawing on a deleted board: %v", err)
		}
		if err := db.RestoreBoard(ctx, teacher, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindBoardByID(ctx, anna, b.ID); err != nil {
			t.Errorf("restored: %v", err)
		}
		// the trash is emptied after a while: the board, its log, its copy stays
		if err := db.DeleteBoard(ctx, teacher, b.ID); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PurgeBoards(ctx, db.Now()); err != nil || n != 0 {
			t.Fatalf("purged at once: %d %v", n, err)
		}
		if n, err := db.PurgeBoards(ctx, db.Now().Add(time.Second)); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		if ops, err := board.FindOps(ctx, db, teacher.SchoolID, b.ID, 0, 0); !schulhof.Match(err, schulhof.ENotFound) || len(ops) != 0 {
			t.Errorf("the purged board's log: %d %v", len(ops), err)
		}
		if err := db.RestoreBoard(ctx, teacher, b.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("restoring a purged board: %v", err)
		}
		if _, err := board.LoadDoc(ctx, db, teacher.SchoolID, cp.ID); err != nil {
			t.Errorf("the copy after the purge: %v", err)
		}
	})
}

// TestBoardPresenting: who presents on a board is kept, the latest view
// replaces the one before, the end removes it; another school's board
// is neither written nor read.
func TestBoardPresenting(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		teacher := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		b := &schulhof.Board{Title: "Bruchrechnung"}
		must(t, board.Create(ctx, db, teacher, b))
		find := func(school schulhof.SchoolID) string {
			t.Helper()
			view, at, err := db.FindBoardPresenting(ctx, school, b.ID)
			must(t, err)
			if view != nil && !at.Equal(sqltest.Clock.Truncate(time.Second)) {
				t.Errorf("the view's time: %v", at)
			}
			return string(view)
		}
		if got := find(s.ID); got != "" {
			t.Fatalf("nobody presents yet: %q", got)
		}
		must(t, db.SetBoardPresenting(ctx, s.ID, b.ID, teacher.ID, []byte(`{"page":"p1","x":1}`)))
		must(t, db.SetBoardPresenting(ctx, s.ID, b.ID, teacher.ID, []byte(`{"page":"p1","x":2}`)))
		if got := find(s.ID); got != `{"page":"p1","x":2}` {
			t.Fatalf("the latest view: %q", got)
		}
		if got := find(other.ID); got != "" {
			t.Fatalf("another school reads the view: %q", got)
		}
		must(t, db.SetBoardPresenting(ctx, other.ID, b.ID, teacher.ID, nil))
		must(t, db.SetBoardPresenting(ctx, other.ID, b.ID, teacher.ID, []byte(`{"page":"p9"}`)))
		if got := find(s.ID); got != `{"page":"p1","x":2}` {
			t.Fatalf("another school changed the view: %q", got)
		}
		must(t, db.SetBoardPresenting(ctx, s.ID, b.ID, teacher.ID, nil))
		if got := find(s.ID); got != "" {
			t.Fatalf("presenting ended: %q", got)
		}
	})
}
