package web_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/backup"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestRestoreDrill: a school with data in every module (the fixture:
// users, groups, files with versions and trash, assignments, the
// timetable's day text, exams, chat with attachments and reports,
// boards with pictures, calls, devices with loans, damage, stock-takes
// and bookings, single sign-on), backed up while a load writes
// messages, restored into a new folder, served from there; every row
// of every table and every file compared.
func TestRestoreDrill(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "schulhof.db")
	db, err := sqlstore.Open(ctx, dbPath)
	must(t, err)
	t.Cleanup(func() { db.Close() })
	db.Now = func() time.Time { return sqltest.Clock }
	f := newFixture(t, db)
	raw, err := sql.Open("sqlite", dbPath+"?_pragma=query_only(1)")
	must(t, err)
	t.Cleanup(func() { raw.Close() })

	// the load: the teacher writes to 5a's room until told to stop
	room := schulhof.RoomID(f.ids["a-room"])
	var written atomic.Int64
	tick := make(chan struct{}, 1) // a message was written
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := db.PostMessage(ctx, f.user["a-teacher"], room, &schulhof.NewMessage{Text: fmt.Sprint("Nachricht ", i)}); err != nil {
				t.Errorf("load: %v", err)
				return
			}
			written.Add(1)
			select {
			case tick <- struct{}{}:
			default:
			}
		}
	}()
	waitFor := func(n int64) {
		for written.Load() < n {
			<-tick
		}
	}
	waitFor(20)
	before := dumpTables(t, raw)
	blobsBefore := fileSums(t, filepath.Join(f.blobDir, "blobs"))
	archive := filepath.Join(t.TempDir(), "schulhof.tar")
	rep, err := backup.Write(ctx, backup.Source{DB: db, Files: f.blobDir, Version: "test"}, archive)
	must(t, err)
	mark := written.Load()
	waitFor(mark + 20) // written on after the backup
	close(stop)
	wg.Wait()
	after := dumpTables(t, raw)
	if rep.Files < len(blobsBefore) || rep.Database == 0 {
		t.Fatalf("report %s, %d files before", rep, len(blobsBefore))
	}
	// the sweep may go on again
	if paused, err := db.BlobSweepPaused(ctx, time.Now()); err != nil || paused {
		t.Fatalf("sweep still paused: %v %v", paused, err)
	}

	// into a folder that holds something: refused, nothing touched
	full := t.TempDir()
	must(t, os.WriteFile(filepath.Join(full, "notiz.txt"), []byte("meins"), 0o600))
	if _, err := backup.Restore(ctx, archive, backup.Target{Data: full}); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("restore into a folder with a file: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(full, "notiz.txt")); string(b) != "meins" {
		t.Fatal("the folder's file was touched")
	}
	// a damaged archive: refused, nothing left behind
	damaged := filepath.Join(t.TempDir(), "damaged.tar")
	b, err := os.ReadFile(archive)
	must(t, err)
	i := strings.Index(string(b), "Hallo Klasse a") // a file's bytes, not a header
	if i < 0 {
		t.Fatal("no file content in the archive")
	}
	b[i] = 'X'
	must(t, os.WriteFile(damaged, b, 0o600))
	bad := filepath.Join(t.TempDir(), "bad")
	if _, err := backup.Restore(ctx, damaged, backup.Target{Data: bad}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged archive: %v", err)
	}
	if entries, _ := os.ReadDir(bad); len(entries) > 0 {
		t.Fatalf("a failed restore left %d entries", len(entries))
	}

	// the restore
	to := filepath.Join(t.TempDir(), "restored")
	rrep, err := backup.Restore(ctx, archive, backup.Target{Data: to})
	must(t, err)
	if rrep.Files != rep.Files || rrep.Bytes != rep.Bytes {
		t.Fatalf("restored %s, backed up %s", rrep, rep)
	}
	restoredRaw, err := sql.Open("sqlite", filepath.Join(to, "schulhof.db")+"?_pragma=query_only(1)")
	must(t, err)
	defer restoredRaw.Close()
	restored := dumpTables(t, restoredRaw)
	// every table the load left alone is restored row for row; of those
	// it wrote (messages, read markers), every row there before the
	// backup is restored and none that was not there after it
	for table, rows := range before {
		got := restored[table]
		if slices.Equal(rows, after[table]) {
			if !slices.Equal(rows, got) {
				t.Errorf("table %s, untouched by the load, restored differently", table)
			}
			continue
		}
		if ids := rowids(rows); !subset(ids, rowids(got)) || !subset(rowids(got), rowids(after[table])) {
			t.Errorf("table %s: %d rows before, %d restored, %d after", table, len(rows), len(got), len(after[table]))
		}
	}
	if len(restored) != len(before) {
		t.Errorf("%d tables restored, %d before", len(restored), len(before))
	}
	msgs := len(restored["chat_messages"]) - len(before["chat_messages"])
	if msgs <= 0 || int64(msgs) > mark {
		t.Errorf("%d of the load's messages restored, %d written before the backup ended", msgs, mark)
	}
	// every file: byte for byte
	got := fileSums(t, filepath.Join(to, "files", "blobs"))
	for name, sum := range blobsBefore {
		if got[name] != sum {
			t.Errorf("file %s: %q restored, %q before", name, got[name], sum)
		}
	}

	// a server on the restored folder serves the school
	rdb, err := sqlstore.Open(ctx, filepath.Join(to, "schulhof.db"))
	must(t, err)
	defer rdb.Close()
	rdb.Now = db.Now
	srv := newServer(t, rdb, blobsIn(t, filepath.Join(to, "files")), nil)
	g := &fixture{t: t, db: rdb, srv: srv, token: f.token, ids: f.ids, node: f.node, user: f.user, group: f.group, keys: f.keys, school: f.school}
	for _, c := range []struct{ actor, path, want string }{
		{"a-student", "/api/v1/schools/schule-a/nodes/{a-sheet}/content", "Hallo Klasse a"},
		{"a-student", "/api/v1/schools/schule-a/assignments/{a-task}/files/{a-task-sheet}", "Aufgabe a"},
		{"a-teacher", "/api/v1/boards/{a-board}/images/i{a-board-image}", "\x89PNG"},
		{"a-admin", "/api/v1/schools/schule-a/devices/{a-device}", "IPAD-1"},
		{"a-student", "/api/v1/rooms/{a-room}/messages?limit=5", "Nachricht"},
	} {
		rec := g.do(c.actor, "GET", g.expand(c.path), "")
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("restored server, %s: %d %.200s", c.path, rec.Code, rec.Body)
		}
	}
}

// dumpTables reads every row of every table, each as one line, sorted.
func dumpTables(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE '%WITHOUT ROWID%'`)
	must(t, err)
	var tables []string
	for rows.Next() {
		var n string
		must(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, table := range tables {
		rs, err := db.Query(`SELECT rowid AS "rowid", * FROM "` + table + `"`)
		must(t, err)
		cols, _ := rs.Columns()
		var lines []string
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			must(t, rs.Scan(ptrs...))
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = hex.EncodeToString(bs)
				}
				fmt.Fprintf(&b, "%s=%v;", cols[i], v)
			}
			lines = append(lines, b.String())
		}
		rs.Close()
		slices.Sort(lines)
		out[table] = lines
	}
	return out
}

// rowids are the rows' ids (each line starts "rowid=N;"), sorted.
func rowids(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i], _, _ = strings.Cut(l, ";")
	}
	slices.Sort(out)
	return out
}

// subset: every line of a is in b (both sorted).
func subset(a, b []string) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
		j++
	}
	return true
}

// fileSums is the SHA-256 of every file below dir, by its path there.
func fileSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(h[:])
		return nil
	})
	must(t, err)
	return out
}
