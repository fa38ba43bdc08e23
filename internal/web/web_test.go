package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
	"github.com/schulhof/schulhof/internal/web"
)

var ctx = context.Background()

const testPassword = "richtig-geheim"

// fixture is an installation with two schools, A and B, each with an
// admin, a teacher, two students in different classes, and a parent of
// the first student; plus the operator.
type fixture struct {
	t      testing.TB
	srv    *web.Server
	db     *sqlstore.DB
	blobs  *blob.Disk
	school map[string]*schulhof.School
	user   map[string]*schulhof.User  // "a-admin", "b-student", "operator", ...
	group  map[string]*schulhof.Group // "a-5a", "a-5b", ...
	node   map[string]*schulhof.Node  // "a-material", "a-sheet", "a-note", "a-old"
	token  map[string]string
}

func newServer(tb testing.TB, db *sqlstore.DB, blobs *blob.Disk, hasher *password.Hasher) *web.Server {
	tb.Helper()
	if hasher == nil {
		hasher = password.NewHasher(password.Fast, 0, 0)
	}
	srv, err := web.New(web.Config{Version: "test"}, db, blobs, hasher, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatal(err)
	}
	return srv
}

func newBlobs(tb testing.TB) *blob.Disk {
	tb.Helper()
	blobs, err := blob.NewDisk(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	blobs.Reserve = 0
	return blobs
}

func newFixture(tb testing.TB, db *sqlstore.DB) *fixture {
	tb.Helper()
	if db == nil {
		db = sqltest.MustOpenSQLite(tb)
	}
	blobs := newBlobs(tb)
	f := &fixture{t: tb, db: db, blobs: blobs, srv: newServer(tb, db, blobs, nil), school: map[string]*schulhof.School{},
		user: map[string]*schulhof.User{}, group: map[string]*schulhof.Group{}, node: map[string]*schulhof.Node{}, token: map[string]string{}}
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
	return s
}

func decode(t testing.TB, rec *httptest.ResponseRecorder, v any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("decode %q: %v", rec.Body.String(), err)
	}
}
