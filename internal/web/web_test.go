package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
	"github.com/schulhof/schulhof/internal/web/video"
)

var ctx = context.Background()

const testPassword = "richtig-geheim"

// fixture is an installation with two schools, A and B, each with an
// admin, a teacher, two students in different classes, and a parent of
// the first student; plus the operator.
type fixture struct {
	t     testing.TB
	srv   *web.Server
	db    *sqlstore.DB
	blobs *blob.Disk
	// blobDir is where blobs keeps the bytes, to copy a frozen fixture
	blobDir string
	school  map[string]*schulhof.School
	user    map[string]*schulhof.User  // "a-admin", "b-student", "operator", ...
	group   map[string]*schulhof.Group // "a-5a", "a-5b", ...
	node    map[string]*schulhof.Node  // "a-material", "a-sheet", "a-note", "a-old"
	// ids of other things: "a-task" (an assignment for 5a), "a-task-sheet"
	// (its attachment), "a-handin-file" (a file of a-student's hand-in)
	ids   map[string]int64
	keys  map[string]string // "a-upload": a resumable upload of a-student; "a-info": the info screen's token
	token map[string]string
}

func newServer(tb testing.TB, db *sqlstore.DB, blobs *blob.Disk, hasher *password.Hasher) *web.Server {
	tb.Helper()
	if hasher == nil {
		hasher = password.NewHasher(password.Fast, 0, 0)
	}
	srv, err := web.New(web.Config{Version: "test", Video: video.Config{RTC: rtc.Config{Loopback: true},
		TURN: []string{"turn:127.0.0.1:3478"}, TURNSecret: "coturn-geheimnis"}}, db, blobs, hasher, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.CloseSockets(); srv.WaitBackground() })
	return srv
}

func newBlobs(tb testing.TB) *blob.Disk {
	tb.Helper()
	return blobsIn(tb, tb.TempDir())
}

// blobsIn is a blob store in dir without the free-space reserve.
func blobsIn(tb testing.TB, dir string) *blob.Disk {
	tb.Helper()
	blobs, err := blob.NewDisk(dir)
	if err != nil {
		tb.Fatal(err)
	}
	blobs.Reserve = 0
	return blobs
}

// newFixture makes the fixture on db, or on SQLite when db is nil: then
// as a copy of the one built by the first test that asked, since building
// it was most of a web test's time under the race detector (about a
// hundred write transactions, each statement parsed anew): a small test
// took 0.53–0.62 s with its own, 0.16–0.23 s with a copy.
func newFixture(tb testing.TB, db *sqlstore.DB) *fixture {
	tb.Helper()
	if db != nil {
		return buildFixture(tb, db)
	}
	sqliteFixture.Lock()
	defer sqliteFixture.Unlock()
	if sqliteFixture.z == nil {
		z := buildFixture(tb, sqltest.MustOpenSQLite(tb)).freeze()
		// the first test's temp directory goes when it ends; the
		// template's blobs stay until the package's tests end (TestMain)
		dir, err := os.MkdirTemp("", "schulhof-fixture-")
		if err != nil {
			tb.Fatal(err)
		}
		sqliteFixture.dir = dir
		z.blobDir = filepath.Join(dir, "blobs")
		if err := copyBlobs(z.blobDir, z.f.blobDir); err != nil {
			tb.Fatal(err)
		}
		sqliteFixture.z = z
	}
	return sqliteFixture.z.thaw(tb)
}

// sqliteFixture is the frozen fixture on SQLite that newFixture copies.
var sqliteFixture struct {
	sync.Mutex
	z   *frozenFixture
	dir string // removed by TestMain
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sqliteFixture.dir != "" {
		os.RemoveAll(sqliteFixture.dir)
	}
	os.Exit(code)
}

// buildFixture makes the fixture on db.
func buildFixture(tb testing.TB, db *sqlstore.DB) *fixture {
	tb.Helper()
	blobDir := tb.TempDir()
	blobs := blobsIn(tb, blobDir)
	f := &fixture{t: tb, db: db, blobs: blobs, blobDir: blobDir, srv: newServer(tb, db, blobs, nil), school: map[string]*schulhof.School{},
		user: map[string]*schulhof.User{}, group: map[string]*schulhof.Group{}, node: map[string]*schulhof.Node{}, token: map[string]string{}, ids: map[string]int64{}, keys: map[string]string{}}
	hash := password.Hash(testPassword, password.Fast)
	mk := func(name string, u *schulhof.User) {
		if err := db.CreateUser(ctx, u, hash); err != nil {
			tb.Fatal(err)
		}
		f.user[name] = u
	}
	mk("operator", &schulhof.User{Login: "admin", FirstName: "Op", LastName: "Erator", Role: schulhof.RoleOperator})
	for _, k := range []string{"a", "b"} {
		sc := &schulhof.School{Slug: "schule-" + k, Name: "Schule " + strings.ToUpper(k), State: "NW", Type: "gymnasium"}
		if err := db.CreateSchool(ctx, sc); err != nil {
			tb.Fatal(err)
		}
		f.school[k] = sc
		for _, u := range []struct {
			name string
			role schulhof.Role
		}{{"admin", schulhof.RoleSchoolAdmin}, {"teacher", schulhof.RoleTeacher}, {"student", schulhof.RoleStudent},
			{"student2", schulhof.RoleStudent}, {"parent", schulhof.RoleParent}} {
			mk(k+"-"+u.name, &schulhof.User{SchoolID: sc.ID, Login: u.name, FirstName: strings.ToUpper(u.name[:1]) + u.name[1:],
				LastName: "Schule" + strings.ToUpper(k), Role: u.role, BirthDate: "2014-03-01", Email: u.name + "@example.org", ExternalID: "X" + u.name})
		}
		for _, g := range []string{"5a", "5b"} {
			grp := &schulhof.Group{SchoolID: sc.ID, Name: g, Kind: schulhof.GroupClass}
			if err := db.CreateGroup(ctx, grp); err != nil {
				tb.Fatal(err)
			}
			f.group[k+"-"+g] = grp
		}
		must(tb, db.SetMember(ctx, sc.ID, f.group[k+"-5a"].ID, f.user[k+"-student"].ID, schulhof.MemberRoleMember))
		must(tb, db.SetMember(ctx, sc.ID, f.group[k+"-5b"].ID, f.user[k+"-student2"].ID, schulhof.MemberRoleMember))
		must(tb, db.SetMember(ctx, sc.ID, f.group[k+"-5a"].ID, f.user[k+"-teacher"].ID, schulhof.MemberRoleLeader))
		must(tb, db.LinkParent(ctx, sc.ID, f.user[k+"-parent"].ID, f.user[k+"-student"].ID))
		// files: the class folder of 5a with material, a student's note,
		// and something in the class's trash
		class := schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(f.group[k+"-5a"].ID)}
		home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(f.user[k+"-student"].ID)}
		folder, err := db.CreateFolder(ctx, sc.ID, class, 0, "Material")
		must(tb, err)
		f.node[k+"-material"] = folder
		f.node[k+"-sheet"] = f.putFile(sc.ID, class, folder.ID, "Blatt.txt", "Hallo Klasse "+k)
		f.node[k+"-note"] = f.putFile(sc.ID, home, 0, "Notizen.txt", "geheim "+k)
		f.node[k+"-old"] = f.putFile(sc.ID, class, 0, "Alt.txt", "alt")
		must(tb, db.TrashNode(ctx, sc.ID, f.node[k+"-old"].ID))
		// an assignment for 5a, started, due in two days, with a sheet;
		// the student has handed in a text and a file
		task := &schulhof.Assignment{SchoolID: sc.ID, Title: "Aufsatz " + k, Description: "Schreibe über die Ferien.",
			Groups: []schulhof.GroupID{f.group[k+"-5a"].ID}, StartsAt: sqltest.Clock.Add(-time.Hour),
			DueAt: sqltest.Clock.Add(48 * time.Hour), CreatedBy: f.user[k+"-teacher"].ID}
		must(tb, db.CreateAssignment(ctx, task))
		f.ids[k+"-task"] = int64(task.ID)
		att, err := db.AddAttachment(ctx, sc.ID, task.ID, schulhof.NamedContent{Name: "Aufgabenblatt.txt", NewContent: f.putBlob("Aufgabe " + k)})
		must(tb, err)
		f.ids[k+"-task-sheet"] = att.ID
		sub, err := db.HandIn(ctx, sc.ID, task.ID, f.user[k+"-student"].ID, "Meine Lösung "+k, nil,
			[]schulhof.NamedContent{{Name: "loesung.txt", NewContent: f.putBlob("Lösung " + k)}})
		must(tb, err)
		f.ids[k+"-handin-file"] = sub.Files[0].ID
		// a resumable upload of 10 bytes into the student's home, 4 there
		up, err := blobs.CreatePartial(ctx, 10)
		must(tb, err)
		_, err = blobs.AppendPartial(ctx, up, 0, strings.NewReader("0123"))
		must(tb, err)
		must(tb, db.CreateUpload(ctx, &schulhof.Upload{ID: up, SchoolID: sc.ID, Space: home, Name: "Video.mp4", Size: 10, UserID: f.user[k+"-student"].ID}))
		f.keys[k+"-upload"] = up
		tok, err := db.InfoToken(ctx, sc.ID, false)
		must(tb, err)
		f.keys[k+"-info"] = tok
		cal, err := db.CalendarToken(ctx, f.user[k+"-student"].ID, false)
		must(tb, err)
		f.keys[k+"-ical"] = cal
		must(tb, db.SetDayText(ctx, sc.ID, "2026-11-30", "Heute Wandertag der 7. Klassen "+k))
		// a Klassenarbeit of 5a on Wednesday
		exam := &schulhof.PlannedExam{SchoolID: sc.ID, Date: "2026-12-02", From: 1, To: 2, Kind: "klassenarbeit", Title: "Mathe 5a " + k,
			Groups: []schulhof.GroupID{f.group[k+"-5a"].ID}, Students: []schulhof.UserID{f.user[k+"-student"].ID}, Rooms: []string{"R100"},
			CreatedBy: f.user[k+"-teacher"].ID}
		must(tb, db.CreateExam(ctx, exam))
		f.ids[k+"-exam"] = exam.ID
		// the rooms of the school: 5a's with the teacher's message
		must(tb, db.EnsureRooms(ctx, sc.ID))
		rooms, err := db.FindRooms(ctx, f.user[k+"-teacher"])
		must(tb, err)
		for _, r := range rooms {
			if r.Kind == schulhof.RoomGroup && r.GroupID == f.group[k+"-5a"].ID {
				f.ids[k+"-room"] = int64(r.ID)
			}
			if r.Kind == schulhof.RoomSchool {
				f.ids[k+"-school-room"] = int64(r.ID)
			}
		}
		msg, err := db.PostMessage(ctx, f.user[k+"-teacher"], schulhof.RoomID(f.ids[k+"-room"]), &schulhof.NewMessage{Text: "Guten Morgen, 5a " + k})
		must(tb, err)
		f.ids[k+"-msg"] = msg.ID
		// a message of the teacher with the sheet attached, and a report
		// of the student's against the first
		sheet := f.node[k+"-sheet"]
		chatFile := &schulhof.Attachment{Name: sheet.Name, ContentType: sheet.ContentType, Size: sheet.Size, BlobKey: sheet.BlobKey}
		must(tb, db.AddChatAttachment(ctx, f.user[k+"-teacher"], schulhof.RoomID(f.ids[k+"-room"]), chatFile))
		_, err = db.PostMessage(ctx, f.user[k+"-teacher"], schulhof.RoomID(f.ids[k+"-room"]), &schulhof.NewMessage{Text: "Das Blatt", Attachments: []int64{chatFile.ID}})
		must(tb, err)
		f.ids[k+"-attachment"] = chatFile.ID
		must(tb, db.ReportMessage(ctx, f.user[k+"-student"], schulhof.RoomID(f.ids[k+"-room"]), msg.ID, "unfreundlich"))
		reports, err := db.FindReports(ctx, f.user[k+"-teacher"])
		must(tb, err)
		f.ids[k+"-report"] = reports[0].ID
		// a board of the teacher's for 5a (the class watches) with a
		// stroke and a picture, and a private one
		b := &schulhof.Board{Title: "Bruchrechnung " + k, GroupID: f.group[k+"-5a"].ID}
		must(tb, board.Create(ctx, db, f.user[k+"-teacher"], b))
		f.ids[k+"-board"] = int64(b.ID)
		info, err := blobs.Put(ctx, bytes.NewReader(smallPNG()), blob.PutOptions{ExpectedSize: -1})
		must(tb, err)
		img := &schulhof.BoardImage{BoardID: b.ID, ContentType: "image/png", Size: info.Size, BlobKey: string(info.Key)}
		must(tb, db.AddBoardImage(ctx, f.user[k+"-teacher"], img))
		f.ids[k+"-board-image"] = img.ID
		page, imgRef := "p1", "i"+itoa(img.ID)
		x, y, w, h := 100.0, 100.0, 40.0, 30.0
		must(tb, board.Append(ctx, db, sc.ID, b.ID, f.user[k+"-teacher"].ID, []*board.Op{
			{Op: "add", ID: "t-1", Kind: board.KindPen, Set: &board.Fields{Page: &page}, Points: []board.Point{{X: 10, Y: 10, P: .5}, {X: 50, Y: 40, P: .5}}},
			{Op: "add", ID: "t-2", Kind: board.KindImage, Set: &board.Fields{Page: &page, X: &x, Y: &y, W: &w, H: &h, Image: &imgRef}},
		}))
		private := &schulhof.Board{Title: "Vorbereitung " + k}
		must(tb, board.Create(ctx, db, f.user[k+"-teacher"], private))
		f.ids[k+"-private-board"] = int64(private.ID)
		// the video room of 5a, opened by its teacher, and a parent talk
		call, err := db.OpenGroupCall(ctx, f.user[k+"-teacher"], f.group[k+"-5a"].ID)
		must(tb, err)
		f.ids[k+"-call"] = int64(call.ID)
		talk := &schulhof.Call{Title: "Elterngespräch " + k}
		must(tb, db.CreateCall(ctx, f.user[k+"-teacher"], talk))
		f.ids[k+"-talk"] = int64(talk.ID)
		// two iPads: one in stock, one lent to the student until summer
		dev := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10. Generation", Serial: "F9FX" + k + "1", AssetTag: "IPAD-1", Location: "R 101"}
		must(tb, db.CreateDevice(ctx, dev))
		f.ids[k+"-device"] = int64(dev.ID)
		lent := &schulhof.Device{SchoolID: sc.ID, Type: "ipad", Model: "iPad 10. Generation", Serial: "F9FX" + k + "2", AssetTag: "IPAD-2"}
		must(tb, db.CreateDevice(ctx, lent))
		f.ids[k+"-lent"] = int64(lent.ID)
		loan := &schulhof.Loan{SchoolID: sc.ID, DeviceID: lent.ID, UserID: f.user[k+"-student"].ID, Start: "2026-09-01", Until: "2027-07-15"}
		must(tb, db.LendDevice(ctx, f.user[k+"-admin"], loan))
		f.ids[k+"-loan"] = int64(loan.ID)
		// the iPad in stock came with a scratch, photographed
		dmg := &schulhof.DamageReport{SchoolID: sc.ID, DeviceID: dev.ID, Description: "Kratzer am Gehäuse"}
		must(tb, db.ReportDamage(ctx, f.user[k+"-admin"], dmg, false))
		f.ids[k+"-damage"] = int64(dmg.ID)
		pinfo, err := blobs.Put(ctx, bytes.NewReader(smallPNG()), blob.PutOptions{ExpectedSize: -1})
		must(tb, err)
		ph := &schulhof.DamagePhoto{ContentType: "image/png", Size: pinfo.Size, BlobKey: string(pinfo.Key)}
		must(tb, db.AddDamagePhoto(ctx, sc.ID, dmg.ID, ph))
		f.ids[k+"-damage-photo"] = ph.ID
		// last year's stock-take of R 101, which found its iPad
		au, err := db.RecordAudit(ctx, f.user[k+"-admin"], sc.ID, "R 101", []schulhof.DeviceID{dev.ID}, "2027-06-30")
		must(tb, err)
		f.ids[k+"-audit"] = int64(au.ID)
		// a cart of iPads in R 101, with the iPad in stock in it, booked
		// by the teacher tomorrow in periods 3 to 4
		cart := &schulhof.DeviceSet{SchoolID: sc.ID, Name: "iPad-Wagen", Room: "R 101"}
		must(tb, db.CreateDeviceSet(ctx, cart))
		f.ids[k+"-set"] = int64(cart.ID)
		must(tb, db.PutInSet(ctx, sc.ID, cart.ID, []schulhof.DeviceID{dev.ID}))
		booking := &schulhof.Reservation{SchoolID: sc.ID, SetID: cart.ID, Day: "2026-12-01", From: 3, To: 4}
		must(tb, db.Reserve(ctx, f.user[k+"-teacher"], booking))
		f.ids[k+"-reservation"] = int64(booking.ID)
		// a learning platform that logs the school's users in through
		// Schulhof (single sign-on), its secret "secret-a"
		cl := &schulhof.OIDCClient{SchoolID: sc.ID, Name: "Lernplattform " + k, RedirectURIs: []string{"https://lernen.example.org/cb"}, Consent: true}
		secret := sha256.Sum256([]byte("secret-" + k))
		must(tb, db.CreateOIDCClient(ctx, cl, secret[:]))
		f.keys[k+"-client"] = cl.ID
	}
	for name, u := range f.user {
		slug := ""
		if u.SchoolID != 0 {
			for _, sc := range f.school {
				if sc.ID == u.SchoolID {
					slug = sc.Slug
				}
			}
		}
		rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"`+slug+`","login":"`+u.Login+`","password":"`+testPassword+`"}`)
		if rec.Code != 200 {
			tb.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
		}
		var out struct{ Token string }
		json.Unmarshal(rec.Body.Bytes(), &out)
		f.token[name] = out.Token
	}
	return f
}

// frozenFixture is a fixture built once and copied for each of many
// tests: its store (sqltest.Frozen), its files, its names and ids.
type frozenFixture struct {
	store   *sqltest.Frozen
	blobDir string
	f       *fixture
}

// freeze stops the fixture (it must have been made on sqltest.Fresh) for
// copies of it.
func (f *fixture) freeze() *frozenFixture {
	f.t.Helper()
	f.srv.CloseSockets()
	f.srv.WaitBackground()
	return &frozenFixture{store: sqltest.Freeze(f.t, f.db), blobDir: f.blobDir, f: f}
}

// thaw makes a copy of the fixture for the test, with a server of its own
// and names of its own (tests log in again, change a user, add ids).
func (z *frozenFixture) thaw(tb testing.TB) *fixture {
	tb.Helper()
	db := z.store.Open(tb)
	dir := filepath.Join(tb.TempDir(), "blobs")
	if err := copyBlobs(dir, z.blobDir); err != nil {
		tb.Fatal(err)
	}
	blobs := blobsIn(tb, dir)
	return &fixture{t: tb, db: db, blobs: blobs, blobDir: dir, srv: newServer(tb, db, blobs, nil),
		school: copies(z.f.school), user: copies(z.f.user), group: copies(z.f.group), node: copies(z.f.node),
		ids: maps.Clone(z.f.ids), keys: maps.Clone(z.f.keys), token: maps.Clone(z.f.token)}
}

// copies copies a map of pointers and what they point to.
func copies[T any](m map[string]*T) map[string]*T {
	out := make(map[string]*T, len(m))
	for k, v := range m {
		c := *v
		out[k] = &c
	}
	return out
}

// copyBlobs copies the blob store at src to dst for a copy of the
// fixture. Stored blobs are never written again (a new one is renamed
// into place, a deleted one unlinked), so they are hard links, which is
// what made hundreds of copies cheap; the rest (unfinished uploads, which
// grow) is copied.
func copyBlobs(dst, src string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.Mkdir(to, 0o750)
		case strings.HasPrefix(rel, "blobs"+string(filepath.Separator)):
			return os.Link(path, to)
		default:
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(to, b, 0o600)
		}
	})
}

func (f *fixture) putBlob(text string) schulhof.NewContent {
	f.t.Helper()
	info, err := f.blobs.Put(ctx, strings.NewReader(text), blob.PutOptions{ExpectedSize: -1})
	must(f.t, err)
	return schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: "text/plain; charset=utf-8"}
}

func (f *fixture) putFile(school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name, text string) *schulhof.Node {
	f.t.Helper()
	info, err := f.blobs.Put(ctx, strings.NewReader(text), blob.PutOptions{ExpectedSize: -1})
	must(f.t, err)
	n, err := f.db.PutFile(ctx, school, space, parent, name, schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: "text/plain; charset=utf-8"}, 10)
	must(f.t, err)
	return n
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// boundary marks a scenario's body as multipart/form-data.
const boundary = "SCHULHOF"

// multipartBody builds a form of name/value pairs; a name "file:x.txt"
// makes a file part named x.txt in the field "file", "files:x.txt" one in
// the field "files", and so on.
func multipartBody(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString("--" + boundary + "\r\n")
		if field, name, ok := strings.Cut(pairs[i], ":"); ok {
			b.WriteString(`Content-Disposition: form-data; name="` + field + `"; filename="` + name + "\"\r\nContent-Type: text/plain\r\n\r\n")
		} else {
			b.WriteString(`Content-Disposition: form-data; name="` + pairs[i] + "\"\r\n\r\n")
		}
		b.WriteString(pairs[i+1] + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.String()
}

// do sends a request as the named actor ("" for nobody) and returns the
// recorded response.
func (f *fixture) do(actor, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if actor != "" {
		req.Header.Set("Authorization", "Bearer "+f.token[actor])
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	if strings.HasPrefix(body, "--"+boundary) {
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func (f *fixture) id(name string) string {
	if u, ok := f.user[name]; ok {
		return itoa(int64(u.ID))
	}
	return itoa(int64(f.group[name].ID))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// expand fills {a-student} and the like in a path or body with ids.
func (f *fixture) expand(s string) string {
	for name := range f.user {
		s = strings.ReplaceAll(s, "{"+name+"}", f.id(name))
	}
	for name := range f.group {
		s = strings.ReplaceAll(s, "{"+name+"}", f.id(name))
	}
	for name, n := range f.node {
		s = strings.ReplaceAll(s, "{"+name+"}", itoa(int64(n.ID)))
	}
	for name, id := range f.ids {
		s = strings.ReplaceAll(s, "{"+name+"}", itoa(id))
	}
	for name, id := range f.keys {
		s = strings.ReplaceAll(s, "{"+name+"}", id)
	}
	return s
}

func decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}

// quota gives the fixture's server a quota for one kind of space and role.
func (f *fixture) quota(t *testing.T, kind schulhof.SpaceKind, role schulhof.Role, bytes int64) {
	t.Helper()
	srv, err := web.New(web.Config{Quotas: map[schulhof.SpaceKind]map[schulhof.Role]int64{kind: {role: bytes}}},
		f.db, f.blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	must(t, err)
	f.srv = srv
}

// blobCount counts the stored blobs.
func (f *fixture) blobCount() int {
	n := 0
	must(f.t, f.blobs.Walk(ctx, func(blob.Key, time.Time) error { n++; return nil }))
	return n
}

// smallPNG is a picture of 4 by 3 blue pixels.
func smallPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		if i%4 == 2 || i%4 == 3 {
			img.Pix[i] = 0xff
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// loginAs logs a fixture's user in again (when the clock moved past the
// fixture's sessions): the session's token.
func (f *fixture) loginAs(t testing.TB, name string) string {
	t.Helper()
	u, slug := f.user[name], ""
	if u.SchoolID != 0 {
		slug = "schule-" + name[:1]
	}
	rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"`+slug+`","login":"`+u.Login+`","password":"`+testPassword+`"}`)
	if rec.Code != 200 {
		t.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
	}
	var out struct{ Token string }
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out.Token
}
