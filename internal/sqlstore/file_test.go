package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func content(s string) schulhof.NewContent {
	return schulhof.NewContent{BlobKey: fmt.Sprintf("%032x", len(s)*7919+int(s[0])), Size: int64(len(s)), SHA256: "sha-" + s, ContentType: "text/plain"}
}

func TestFilesTree(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		u := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		actx := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: u})
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
		group := schulhof.Space{Kind: schulhof.SpaceGroup, ID: 1}

		mathe, err := db.CreateFolder(actx, s.ID, home, 0, "Mathe")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateFolder(actx, s.ID, home, 0, "MATHE"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("same name in other case: %v", err)
		}
		if _, err := db.CreateFolder(actx, s.ID, group, 0, "Mathe"); err != nil {
			t.Fatalf("same name in another space: %v", err)
		}
		if _, err := db.CreateFolder(actx, s.ID, home, 0, "a/b"); !schulhof.Match(err, schulhof.EInvalid) {
			t.Fatalf("bad name: %v", err)
		}
		if _, err := db.CreateFolder(actx, s.ID, group, mathe.ID, "x"); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("parent from another space: %v", err)
		}
		if _, err := db.CreateFolder(actx, other.ID, home, mathe.ID, "x"); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("parent from another school: %v", err)
		}
		f1, err := db.PutFile(actx, s.ID, home, mathe.ID, "Blatt 1.pdf", content("eins"), 3)
		if err != nil || f1.Version != 1 || f1.CreatedBy != u.ID {
			t.Fatalf("put: %+v %v", f1, err)
		}
		if _, err := db.CreateFolder(actx, s.ID, home, f1.ID, "x"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("folder in a file: %v", err)
		}
		if _, err := db.PutFile(actx, s.ID, home, 0, "mathe", content("x"), 3); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("file over a folder: %v", err)
		}
		// NFD from an iPad names the same file
		got, err := db.FindNodeByPath(ctx, s.ID, home, []string{"mathe", "BLATT 1.PDF"})
		if err != nil || got.ID != f1.ID {
			t.Fatalf("by path: %+v %v", got, err)
		}
		kids, err := db.FindNodes(ctx, s.ID, home, 0)
		if err != nil || len(kids) != 1 || !kids[0].IsFolder {
			t.Fatalf("top: %+v %v", kids, err)
		}
		if _, err := db.FindNodes(ctx, s.ID, group, mathe.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("listing another space's folder: %v", err)
		}
		if _, err := db.FindNode(ctx, other.ID, f1.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("file of another school: %v", err)
		}
	})
}

func TestFileVersions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: 1}
		var last *schulhof.Node
		for i, c := range []string{"a", "bb", "ccc", "dddd", "eeeee"} {
			n, err := db.PutFile(ctx, s.ID, home, 0, "Aufsatz.txt", content(c), 2)
			if err != nil || n.Version != i+1 || n.Size != int64(len(c)) {
				t.Fatalf("put %d: %+v %v", i, n, err)
			}
			last = n
		}
		vs, err := db.FindVersions(ctx, s.ID, last.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 4 || vs[1].Version != 3 || vs[0].Size != 4 {
			t.Fatalf("versions %+v %v", vs, err)
		}
		if inUse, _ := db.BlobInUse(ctx, content("dddd").BlobKey); !inUse {
			t.Fatal("a kept version's blob must count as in use")
		}
		if inUse, _ := db.BlobInUse(ctx, content("a").BlobKey); inUse {
			t.Fatal("a pruned version's blob must be free")
		}
		if used, err := db.BlobsInUse(ctx, []string{content("dddd").BlobKey, content("a").BlobKey, "unbekannt"}); err != nil ||
			len(used) != 1 || !used[content("dddd").BlobKey] {
			t.Fatalf("blobs in use together: %v %v", used, err)
		}
		if used, _ := db.SpaceUsage(ctx, s.ID, home); used != 5+4+3 {
			t.Fatalf("usage %d", used)
		}
	})
}

// Last writer wins, and the other's content is kept as a version.
func TestConcurrentFirstUploads(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: 1}
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = db.PutFile(ctx, s.ID, home, 0, "Gleich.txt", content(fmt.Sprint("x", i)), 10)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		n, err := db.FindNodeByPath(ctx, s.ID, home, []string{"Gleich.txt"})
		if err != nil || n.Version != 8 {
			t.Fatalf("%+v %v", n, err)
		}
		vs, _ := db.FindVersions(ctx, s.ID, n.ID)
		if len(vs) != 7 {
			t.Fatalf("%d versions kept, want 7", len(vs))
		}
	})
}

func TestTrashRestorePurge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		sp := schulhof.Space{Kind: schulhof.SpaceGroup, ID: 7}
		folder, _ := db.CreateFolder(ctx, s.ID, sp, 0, "Projekt")
		sub, _ := db.CreateFolder(ctx, s.ID, sp, folder.ID, "Bilder")
		pic, _ := db.PutFile(ctx, s.ID, sp, sub.ID, "a.png", content("png"), 3)
		doc, _ := db.PutFile(ctx, s.ID, sp, folder.ID, "Bericht.odt", content("odt"), 3)

		// the document alone first, then the whole folder a minute later
		if err := db.TrashNode(ctx, s.ID, doc.ID); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return sqltest.Clock.Add(time.Minute) }
		if err := db.TrashNode(ctx, s.ID, folder.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindNodeByPath(ctx, s.ID, sp, []string{"Projekt", "Bilder", "a.png"}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("trashed file still found: %v", err)
		}
		if err := db.TrashNode(ctx, s.ID, folder.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("trash twice: %v", err)
		}
		trash, _ := db.FindTrash(ctx, s.ID, sp)
		if len(trash) != 2 || trash[0].ID != folder.ID || trash[1].ID != doc.ID {
			t.Fatalf("trash %+v", trash)
		}
		// a new folder takes the name meanwhile
		if _, err := db.CreateFolder(ctx, s.ID, sp, 0, "Projekt"); err != nil {
			t.Fatal(err)
		}
		back, err := db.RestoreNode(ctx, s.ID, folder.ID)
		if err != nil || back.Name != "Projekt (2)" {
			t.Fatalf("restore: %+v %v", back, err)
		}
		if _, err := db.FindNodeByPath(ctx, s.ID, sp, []string{"Projekt (2)", "Bilder", "a.png"}); err != nil {
			t.Fatalf("what was trashed with the folder came back: %v", err)
		}
		if _, err := db.FindNodeByPath(ctx, s.ID, sp, []string{"Projekt (2)", "Bericht.odt"}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("the earlier trashed document must stay in the trash: %v", err)
		}
		// the document's folder is live again, so it goes back there
		d, err := db.RestoreNode(ctx, s.ID, doc.ID)
		if err != nil || d.ParentID != folder.ID {
			t.Fatalf("restore doc: %+v %v", d, err)
		}
		// purge: trash the picture, then purge what is older than a day
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(db.TrashNode(ctx, s.ID, sub.ID))
		if n, err := db.PurgeTrash(ctx, sqltest.Clock); err != nil || n != 0 {
			t.Fatalf("purged %d too early: %v", n, err)
		}
		n, err := db.PurgeTrash(ctx, sqltest.Clock.Add(48*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("purged %d, want folder and picture: %v", n, err)
		}
		if inUse, _ := db.BlobInUse(ctx, content("png").BlobKey); inUse {
			t.Fatal("purged file's blob still counted")
		}
		if _, err := db.FindNode(ctx, s.ID, pic.ID); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatal("purged node still there")
		}
	})
}

func TestCopyNode(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		other := MustCreateSchool(t, db, "o")
		u := MustCreateUser(t, db, s.ID, "lehrer", schulhof.RoleTeacher)
		actx := schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: u})
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
		class := schulhof.Space{Kind: schulhof.SpaceGroup, ID: 1}
		mathe, err := db.CreateFolder(actx, s.ID, home, 0, "Mathe")
		must(t, err)
		sub, err := db.CreateFolder(actx, s.ID, home, mathe.ID, "Brüche")
		must(t, err)
		_, err = db.PutFile(actx, s.ID, home, sub.ID, "Blatt.pdf", content("blatt"), 3)
		must(t, err)
		_, err = db.PutFile(actx, s.ID, home, mathe.ID, "Test.pdf", content("test"), 3)
		must(t, err)
		trashed, err := db.PutFile(actx, s.ID, home, mathe.ID, "Alt.pdf", content("alt"), 3)
		must(t, err)
		must(t, db.TrashNode(actx, s.ID, trashed.ID))

		n, bytes, err := db.TreeSize(ctx, s.ID, mathe.ID)
		if err != nil || n != 4 || bytes != 9 {
			t.Fatalf("tree size: %d nodes, %d bytes, %v", n, bytes, err)
		}
		cp, err := db.CopyNode(actx, s.ID, mathe.ID, class, 0, "Mathe 5a")
		if err != nil || cp.Space != class || !cp.IsFolder {
			t.Fatalf("copy: %+v %v", cp, err)
		}
		got, err := db.FindNodeByPath(ctx, s.ID, class, []string{"Mathe 5a", "Brüche", "Blatt.pdf"})
		if err != nil || got.BlobKey != content("blatt").BlobKey || got.Version != 1 {
			t.Fatalf("copied file: %+v %v", got, err)
		}
		if _, err := db.FindNodeByPath(ctx, s.ID, class, []string{"Mathe 5a", "Alt.pdf"}); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("the trash was copied: %v", err)
		}
		if _, err := db.CopyNode(actx, s.ID, mathe.ID, class, 0, "mathe 5A"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("name taken: %v", err)
		}
		if _, err := db.CopyNode(actx, s.ID, mathe.ID, home, sub.ID, "Schleife"); !schulhof.Match(err, schulhof.EConflict) {
			t.Fatalf("copy into itself: %v", err)
		}
		if _, err := db.CopyNode(actx, other.ID, mathe.ID, home, 0, "x"); !schulhof.Match(err, schulhof.ENotFound) {
			t.Fatalf("other school: %v", err)
		}
		// the original's bytes stay named while a copy names them
		must(t, db.TrashNode(actx, s.ID, mathe.ID))
		if _, err := db.PurgeTrash(ctx, sqltest.Clock.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if in, err := db.BlobInUse(ctx, content("blatt").BlobKey); err != nil || !in {
			t.Fatalf("copied blob not in use after the original was purged: %v %v", in, err)
		}
	})
}

// TestRecentFiles: a space's live files, the last changed first, no
// folders and nothing from the trash or another space.
func TestRecentFiles(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s := MustCreateSchool(t, db, "s")
		sp := schulhof.Space{Kind: schulhof.SpaceUser, ID: 3}
		folder, _ := db.CreateFolder(ctx, s.ID, sp, 0, "Mathe")
		old, _ := db.PutFile(ctx, s.ID, sp, folder.ID, "alt.txt", content("alt"), 3)
		db.Now = func() time.Time { return sqltest.Clock.Add(time.Hour) }
		newer, _ := db.PutFile(ctx, s.ID, sp, 0, "neu.txt", content("neu"), 3)
		gone, _ := db.PutFile(ctx, s.ID, sp, 0, "weg.txt", content("weg"), 3)
		must(t, db.TrashNode(ctx, s.ID, gone.ID))
		if _, err := db.PutFile(ctx, s.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: 4}, 0, "fremd.txt", content("x"), 3); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindRecentFiles(ctx, s.ID, sp, 10)
		if err != nil || len(got) != 2 || got[0].ID != newer.ID || got[1].ID != old.ID {
			t.Fatalf("recent files: %+v %v", got, err)
		}
		if one, _ := db.FindRecentFiles(ctx, s.ID, sp, 1); len(one) != 1 {
			t.Fatalf("a limit of one gave %d", len(one))
		}
	})
}
