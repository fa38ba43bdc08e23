package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/backup"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestSchoolMove: school A of a SQLite box (the fixture: data in every
// module) exported alone, imported into another installation (on
// PostgreSQL when there is one) that has schools of its own, so every
// id is taken: every row of every table arrives, pointing at the copied
// rows, every file byte for byte; the copy serves its users. Refused
// and leaving nothing behind: a taken address, a damaged archive. Then
// restored alone over itself, with the other school untouched.
func TestSchoolMove(t *testing.T) {
	ctx := context.Background()
	src := sqltest.MustOpenSQLite(t)
	src.Now = func() time.Time { return sqltest.Clock }
	f := newFixture(t, src)
	archive := filepath.Join(t.TempDir(), "schule-a.tar")
	if _, err := backup.ExportSchool(ctx, src, f.blobs, "schule-z", "test", archive); err == nil {
		t.Fatal("export of a school that is not there")
	}
	exp, err := backup.ExportSchool(ctx, src, f.blobs, "schule-a", "test", archive)
	must(t, err)
	if exp.Files == 0 || exp.Rows == 0 {
		t.Fatalf("export: %s", exp)
	}
	if _, err := backup.ExportSchool(ctx, src, f.blobs, "schule-a", "test", archive); err == nil {
		t.Fatal("an export overwrote an archive")
	}

	dst := sqltest.MustOpenSQLite(t)
	if os.Getenv("SCHULHOF_TEST_POSTGRES") != "" {
		dst = sqltest.MustOpenPostgres(t)
	}
	dst.Now = src.Now
	g := newFixture(t, dst)
	blobsBefore := len(fileSums(t, g.blobDir))
	schoolsBefore, err := dst.FindSchools(ctx)
	must(t, err)

	// refused: the address is taken; a damaged archive; both leave
	// nothing behind
	if _, err := backup.ImportSchool(ctx, archive, backup.SchoolTarget{DB: dst, Files: g.blobs}); !errors.Is(err, sqlstore.ErrSchoolExists) {
		t.Fatalf("import over a school without --replace: %v", err)
	}
	damaged := filepath.Join(t.TempDir(), "damaged.tar")
	b, err := os.ReadFile(archive)
	must(t, err)
	i := strings.Index(string(b), "Hallo Klasse a") // a file's bytes
	if i < 0 {
		t.Fatal("no file content in the archive")
	}
	b[i] = 'X'
	must(t, os.WriteFile(damaged, b, 0o600))
	if _, err := backup.ImportSchool(ctx, damaged, backup.SchoolTarget{DB: dst, Files: g.blobs, Slug: "schule-neu"}); err == nil ||
		!strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged archive: %v", err)
	}
	cut := filepath.Join(t.TempDir(), "cut.tar")
	must(t, os.WriteFile(cut, b[:len(b)*2/3], 0o600))
	if _, err := backup.ImportSchool(ctx, cut, backup.SchoolTarget{DB: dst, Files: g.blobs, Slug: "schule-neu"}); err == nil {
		t.Fatal("an archive cut off was imported")
	}
	if schools, _ := dst.FindSchools(ctx); len(schools) != len(schoolsBefore) {
		t.Fatalf("a refused import left a school: %d schools, %d before", len(schools), len(schoolsBefore))
	}
	if n := len(fileSums(t, g.blobDir)); n != blobsBefore {
		t.Fatalf("a refused import left files: %d, %d before", n, blobsBefore)
	}

	// the import
	rep, err := backup.ImportSchool(ctx, archive, backup.SchoolTarget{DB: dst, Files: g.blobs, Slug: "schule-neu"})
	must(t, err)
	if rep.Rows != exp.Rows || rep.Files != exp.Files || rep.FileBytes != exp.FileBytes || len(rep.Renewed) != 0 {
		t.Fatalf("imported %s, exported %s", rep, exp)
	}
	moved, err := dst.FindSchoolBySlug(ctx, "schule-neu")
	must(t, err)
	want := schoolRows(t, src, f.school["a"].ID)
	got := schoolRows(t, dst, moved.ID)
	compareMoved(t, want, got, rep)

	// every file byte for byte, under its new key
	for old, key := range rep.Blobs {
		a, b := readBlob(t, f, old), readBlob(t, g, key)
		if a != b {
			t.Errorf("file %s (now %s): %d bytes, %d before", old, key, len(b), len(a))
		}
	}

	// the copy serves its users
	h := &fixture{t: t, db: dst, srv: g.srv, token: map[string]string{}, ids: map[string]int64{}, user: map[string]*schulhof.User{}}
	for _, name := range []string{"admin", "teacher", "student"} {
		h.token["a-"+name] = loginAt(t, h, "schule-neu", name)
	}
	newID := func(table, name string) int64 {
		id, ok := rep.IDs.ID(table, f.ids[name])
		if !ok {
			t.Fatalf("%s %s not copied", table, name)
		}
		return id
	}
	sheet, _ := rep.IDs.ID("nodes", int64(f.node["a-sheet"].ID))
	h.ids["a-sheet"] = sheet
	h.ids["a-task"] = newID("assignments", "a-task")
	h.ids["a-task-sheet"] = newID("assignment_files", "a-task-sheet")
	h.ids["a-board"] = newID("boards", "a-board")
	h.ids["a-board-image"] = newID("board_images", "a-board-image")
	h.ids["a-device"] = newID("devices", "a-device")
	h.ids["a-room"] = newID("chat_rooms", "a-room")
	for _, c := range []struct{ actor, path, want string }{
		{"a-student", "/api/v1/schools/schule-neu/nodes/{a-sheet}/content", "Hallo Klasse a"},
		{"a-student", "/api/v1/schools/schule-neu/assignments/{a-task}/files/{a-task-sheet}", "Aufgabe a"},
		{"a-teacher", "/api/v1/boards/{a-board}/images/i{a-board-image}", "\x89PNG"},
		{"a-teacher", "/api/v1/boards/{a-board}", `"image":"i{a-board-image}"`},
		{"a-admin", "/api/v1/schools/schule-neu/devices/{a-device}", "IPAD-1"},
		{"a-student", "/api/v1/rooms/{a-room}/messages?limit=5", `"text"`},
	} {
		rec := h.do(c.actor, "GET", h.expand(c.path), "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), h.expand(c.want)) {
			t.Errorf("moved school, %s: %d %.300s", c.path, rec.Code, rec.Body)
		}
	}

	// the same archive once more, as a second copy: the secret tokens
	// the first copy holds are made anew, the app passwords left out
	again, err := backup.ImportSchool(ctx, archive, backup.SchoolTarget{DB: dst, Files: g.blobs, Slug: "schule-zwei"})
	must(t, err)
	if !slices.Contains(again.Renewed, "calendar_feeds.token") && !slices.Contains(again.Renewed, "oidc_subjects.subject") {
		t.Errorf("second copy renewed %v", again.Renewed)
	}

	// restored alone over itself: school A of the source, after a day of
	// changes, replaced by last night's archive; school B untouched
	otherBefore := schoolRows(t, src, f.school["b"].ID)
	src.Now = func() time.Time { return time.Now().Add(time.Minute) } // after the archive
	f.token["a-teacher"] = f.loginAs(t, "a-teacher")
	rec := f.do("a-teacher", "DELETE", f.expand("/api/v1/schools/schule-a/assignments/{a-task}"), "")
	if rec.Code != 204 {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	restored, err := backup.ImportSchool(ctx, archive, backup.SchoolTarget{DB: src, Files: f.blobs, Replace: true})
	must(t, err)
	if !restored.Replaced {
		t.Fatal("not replaced")
	}
	back, err := src.FindSchoolBySlug(ctx, "schule-a")
	must(t, err)
	compareMoved(t, want, schoolRows(t, src, back.ID), restored)
	if other := schoolRows(t, src, f.school["b"].ID); !equalRows(otherBefore, other) {
		t.Error("school B changed when A was restored")
	}
	// the assignment is back, and the audit log keeps what happened since
	// the archive (its deletion)
	// and tells of the restore
	var actions []string
	for _, r := range schoolRows(t, src, back.ID)["audit_log"].rows {
		for _, v := range r {
			if s, ok := v.(string); ok && (strings.HasPrefix(s, "assignment.") || strings.HasPrefix(s, "school.")) {
				actions = append(actions, s)
			}
		}
	}
	if !slices.Contains(actions, "school.import") || !slices.Contains(actions, "assignment.delete") {
		t.Errorf("audit after the restore: %v", actions)
	}
}

// loginAt logs a user of a school in by its address.
func loginAt(t *testing.T, f *fixture, slug, login string) string {
	t.Helper()
	rec := f.do("", "POST", "/api/v1/auth/login", `{"school":"`+slug+`","login":"`+login+`","password":"`+testPassword+`"}`)
	if rec.Code != 200 {
		t.Fatalf("login %s at %s: %d %s", login, slug, rec.Code, rec.Body)
	}
	var out struct{ Token string }
	decode(t, rec, &out)
	return out.Token
}

func readBlob(t *testing.T, f *fixture, key string) string {
	t.Helper()
	r, err := f.blobs.Open(context.Background(), blob.Key(key))
	must(t, err)
	defer r.Close()
	b, err := io.ReadAll(r)
	must(t, err)
	return string(b)
}

// tableRows are one school's rows of one table, as the export reads them.
type tableRows struct {
	cols []sqlstore.Column
	rows [][]any
}

type rowCollector struct {
	tables map[string]*tableRows
	cur    *tableRows
}

func (c *rowCollector) Table(name string, cols []sqlstore.Column) error {
	c.cur = &tableRows{cols: cols}
	c.tables[name] = c.cur
	return nil
}

func (c *rowCollector) Row(vals []any) error {
	c.cur.rows = append(c.cur.rows, slices.Clone(vals))
	return nil
}

func schoolRows(t *testing.T, db *sqlstore.DB, school schulhof.SchoolID) map[string]*tableRows {
	t.Helper()
	c := &rowCollector{tables: map[string]*tableRows{}}
	must(t, db.ExportSchool(context.Background(), school, c))
	return c.tables
}

func equalRows(a, b map[string]*tableRows) bool {
	for name, ta := range a {
		if !slices.Equal(render(ta), render(b[name])) {
			return false
		}
	}
	return len(a) == len(b)
}

// render writes a table's rows as sorted lines.
func render(tr *tableRows) []string {
	if tr == nil {
		return nil
	}
	var out []string
	for _, r := range tr.rows {
		out = append(out, fmt.Sprintf("%#v", r))
	}
	slices.Sort(out)
	return out
}

// compareMoved holds the copy's rows to the original's, the original's
// ids, file keys and drawings mapped through what the import reported.
func compareMoved(t *testing.T, want, got map[string]*tableRows, rep backup.SchoolReport) {
	t.Helper()
	for name, wt := range want {
		gt := got[name]
		if gt == nil {
			t.Errorf("table %s not copied", name)
			continue
		}
		mapped := &tableRows{cols: wt.cols}
		for _, row := range wt.rows {
			mapped.rows = append(mapped.rows, mapRow(t, name, wt.cols, row, rep))
		}
		gt = &tableRows{cols: gt.cols, rows: slices.Clone(gt.rows)}
		for i, c := range gt.cols {
			if role, _ := sqlstore.ColumnRole(name, c.Name); role == "doc" {
				for _, r := range gt.rows {
					r[i] = canonicalJSON(t, []byte(r[i].(string)))
				}
			}
		}
		a, b := render(mapped), render(gt)
		if name == "audit_log" {
			// the import tells of itself, a restore keeps what happened
			// since the archive: every entry of the original is there
			if !subset(a, b) {
				t.Errorf("audit log: not every entry copied:\n%s", firstDiff(a, b))
			}
			continue
		}
		if !slices.Equal(a, b) {
			t.Errorf("table %s: %d rows copied, %d there; first difference:\n%s", name, len(b), len(a), firstDiff(a, b))
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "want " + a[i] + "\n got " + b[i]
		}
	}
	return fmt.Sprintf("%d and %d rows", len(a), len(b))
}

// mapRow is what a row of the original should be in the copy.
func mapRow(t *testing.T, table string, cols []sqlstore.Column, row []any, rep backup.SchoolReport) []any {
	t.Helper()
	byName := map[string]any{}
	for i, c := range cols {
		byName[c.Name] = row[i]
	}
	out := slices.Clone(row)
	for i, c := range cols {
		role, target := sqlstore.ColumnRole(table, c.Name)
		v := row[i]
		switch role {
		case "key", "ref":
			if kind, ok := byName[target].(string); ok {
				target = sqlstore.KindTable(table, c.Name, kind)
			}
			switch old := v.(type) {
			case int64:
				if n, ok := rep.IDs.ID(target, old); ok {
					out[i] = n
				} else if old != 0 {
					t.Errorf("%s.%s: %s %d not copied", table, c.Name, target, old)
				}
			case string:
				if n, ok := rep.IDs.Text(target, old); ok {
					out[i] = n
				} else if c.Name == "group_ids" {
					var ids []string
					for _, f := range strings.Fields(old) {
						var id int64
						fmt.Sscan(f, &id)
						n, _ := rep.IDs.ID("groups", id)
						ids = append(ids, fmt.Sprint(n))
					}
					out[i] = strings.Join(ids, " ")
				}
			}
		case "blob":
			if k, _ := v.(string); k != "" {
				out[i] = rep.Blobs[k]
			}
		case "doc":
			b, err := board.RenameRefs([]byte(v.(string)), func(id int64) (int64, bool) { return rep.IDs.ID("users", id) },
				func(id int64) (int64, bool) { return rep.IDs.ID("board_images", id) })
			must(t, err)
			out[i] = canonicalJSON(t, b)
		case "reset":
			switch v.(type) {
			case string:
				out[i] = ""
			case int64:
				out[i] = int64(0)
			}
		}
		if table == "schools" && c.Name == "slug" {
			out[i] = rep.Slug
		}
	}
	return out
}

func canonicalJSON(t *testing.T, b []byte) string {
	var v any
	must(t, json.Unmarshal(b, &v))
	out, err := json.Marshal(v)
	must(t, err)
	return string(out)
}
