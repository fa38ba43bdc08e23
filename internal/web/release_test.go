package web_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/sqlstore"
)

// TestPreviousReleaseMigratesAndServes: the data folder of the release
// before (7e5af82, made by its own binary through its API: a school,
// its admin, a teacher and a student of 7b, their files, a message, a
// board, an iPad lent) is opened by this one, which runs its new
// migrations at start, and serves it: the users log in with their
// passwords and find what they left.
func TestPreviousReleaseMigratesAndServes(t *testing.T) {
	ctx := context.Background()
	// the release's folder as copyBlobs copies a fixture's: its blobs linked
	dir := filepath.Join(t.TempDir(), "data")
	must(t, copyBlobs(dir, filepath.Join("testdata", "release-7e5af82")))
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "schulhof.db"))
	must(t, err)
	t.Cleanup(func() { db.Close() })
	f := &fixture{t: t, db: db, srv: newServer(t, db, blobsIn(t, filepath.Join(dir, "files")), nil), token: map[string]string{}}
	login := func(name, pw string) {
		rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"gym-alt","login":"`+name+`","password":"`+pw+`"}`)
		if rec.Code != 200 {
			t.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
		}
		var out struct{ Token string }
		json.Unmarshal(rec.Body.Bytes(), &out)
		f.token[name] = out.Token
	}
	login("lea", "Schueler-Passwort-2")
	login("mueller", "Lehrer-Passwort-2")
	login("sekretariat", "Sekretariat-Passwort-2")

	get := func(actor, path, want string) string {
		t.Helper()
		rec := f.do(actor, "GET", path, "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("%s as %s: %d %.300s", path, actor, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	var nodes struct {
		Items []struct {
			ID   int64
			Name string
		}
	}
	json.Unmarshal([]byte(get("lea", "/api/v1/schools/gym-alt/spaces/user/4/nodes", "Aufsatz.txt")), &nodes)
	get("lea", "/api/v1/schools/gym-alt/nodes/"+itoa(nodes.Items[0].ID)+"/content", "Mein Aufsatz über die Ferien")
	get("lea", "/api/v1/rooms/1/messages", "Guten Morgen, 7b!")
	get("mueller", "/api/v1/boards", "Brüche")
	get("sekretariat", "/api/v1/schools/gym-alt/devices/1", "IPAD-ALT-1")
	if rec := f.page("lea", "GET", "/", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Lea Schmidt") {
		t.Fatalf("start page: %d", rec.Code)
	}
	// what came since works on it: single sign-on
	if rec := f.do("sekretariat", "POST", "/api/v1/schools/gym-alt/sso/clients", `{"name":"Moodle","redirect_uris":["https://moodle.example.org/cb"]}`); rec.Code != 201 {
		t.Fatalf("a new module on the old data: %d %s", rec.Code, rec.Body)
	}
}
