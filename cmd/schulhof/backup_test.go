package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/blob/s3test"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// installation makes a data folder (and the database: SQLite in it, or
// the one of dsn) with a school and a file.
func installation(t *testing.T, data, dsn string) blob.Key {
	t.Helper()
	ctx := context.Background()
	if dsn == "" {
		dsn = filepath.Join(data, "schulhof.db")
	}
	if err := os.MkdirAll(data, 0o750); err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateSchool(ctx, &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}); err != nil {
		t.Fatal(err)
	}
	disk, err := blob.NewDisk(filepath.Join(data, "files"))
	if err != nil {
		t.Fatal(err)
	}
	disk.Reserve = 0
	info, err := disk.Put(ctx, strings.NewReader("Arbeitsblatt"), blob.PutOptions{ExpectedSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	return info.Key
}

// restored checks the school and the file in a restored installation.
func restored(t *testing.T, data, dsn string, key blob.Key) {
	t.Helper()
	ctx := context.Background()
	if dsn == "" {
		dsn = filepath.Join(data, "schulhof.db")
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.FindSchoolBySlug(ctx, "gym"); err != nil {
		t.Fatalf("the school: %v", err)
	}
	disk, err := blob.NewDisk(filepath.Join(data, "files"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := disk.Open(ctx, key)
	if err != nil {
		t.Fatalf("the file: %v", err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "Arbeitsblatt" {
		t.Fatalf("the file holds %q", b)
	}
}

func TestBackupRestoreCommands(t *testing.T) {
	ctx := context.Background()
	data := filepath.Join(t.TempDir(), "data")
	key := installation(t, data, "")
	archive := filepath.Join(t.TempDir(), "sicherung.tar")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", data, "--out", archive}, &out, &out); err != nil {
		t.Fatalf("backup: %v %s", err, out.String())
	}
	if !strings.Contains(out.String(), "sqlite database") || !strings.Contains(out.String(), "checksums verified") {
		t.Fatalf("backup said %q", out.String())
	}
	// the archive is there once: a second backup to it is refused
	if err := run(ctx, []string{"backup", "--data", data, "--out", archive}, io.Discard, io.Discard); err == nil {
		t.Fatal("a backup overwrote an archive")
	}
	to := filepath.Join(t.TempDir(), "neu")
	out.Reset()
	if err := run(ctx, []string{"restore", archive, "--data", to}, &out, &out); err != nil {
		t.Fatalf("restore: %v %s", err, out.String())
	}
	if !strings.Contains(out.String(), "restored") || !strings.Contains(out.String(), "1 files") {
		t.Fatalf("restore said %q", out.String())
	}
	restored(t, to, "", key)
	if err := run(ctx, []string{"restore", archive, "--data", to}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "empty folder only") {
		t.Fatalf("restore into a full folder: %v", err)
	}
}

// TestBackupRestorePostgres: pg_dump while it runs, pg_restore into an
// empty database, refused into one that is not.
func TestBackupRestorePostgres(t *testing.T) {
	base := os.Getenv("SCHULHOF_TEST_POSTGRES")
	if base == "" {
		t.Skip("SCHULHOF_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	src, dst := emptyDatabase(t, base), emptyDatabase(t, base)
	data := filepath.Join(t.TempDir(), "data")
	key := installation(t, data, src)
	archive := filepath.Join(t.TempDir(), "sicherung.tar")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", data, "--database-url", src, "--out", archive}, &out, &out); err != nil {
		t.Fatalf("backup: %v %s", err, out.String())
	}
	to := filepath.Join(t.TempDir(), "neu")
	if err := run(ctx, []string{"restore", archive, "--data", to}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--database-url") {
		t.Fatalf("restore of PostgreSQL without a database: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"restore", archive, "--data", to, "--database-url", dst}, &out, &out); err != nil {
		t.Fatalf("restore: %v %s", err, out.String())
	}
	restored(t, to, dst, key)
	again := filepath.Join(t.TempDir(), "noch")
	if err := run(ctx, []string{"restore", archive, "--data", again, "--database-url", dst}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "empty database only") {
		t.Fatalf("restore into a database with tables: %v", err)
	}
}

// emptyDatabase creates a PostgreSQL database of its own (pg_restore
// goes into a whole database), dropped when the test ends.
func emptyDatabase(t *testing.T, base string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "backup_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a, _ := sql.Open("pgx", base)
		a.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
		a.Close()
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// TestBackupRestoreObjectStore: a cluster's backup takes the files from
// its object store (a real S3 server), and a restore puts them into an
// empty bucket under the keys the database names, or onto a disk; a
// bucket with files is refused, and a damaged archive leaves none behind.
func TestBackupRestoreObjectStore(t *testing.T) {
	base := os.Getenv("SCHULHOF_TEST_POSTGRES")
	if base == "" {
		t.Skip("SCHULHOF_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	cfg := s3test.Start(t)
	t.Setenv("SCHULHOF_S3_ACCESS_KEY", cfg.AccessKey)
	t.Setenv("SCHULHOF_S3_SECRET_KEY", cfg.SecretKey)
	src := emptyDatabase(t, base)
	db, err := sqlstore.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSchool(ctx, &schulhof.School{Slug: "gym", Name: "Gymnasium", State: "NW", Type: "gymnasium"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := blob.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("Arbeitsblatt ", 3<<19) // 19.5 MiB, past a part of 16: uploaded in parts
	var keys []blob.Key
	for _, body := range []string{"Arbeitsblatt", big} {
		info, err := st.Put(ctx, strings.NewReader(body), blob.PutOptions{ExpectedSize: -1})
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	cluster := func(bucket string, args ...string) []string {
		return append(args, "--s3-endpoint", cfg.Endpoint, "--s3-bucket", bucket)
	}
	archive := filepath.Join(t.TempDir(), "sicherung.tar")
	var out bytes.Buffer
	data := t.TempDir() // a node's folder: no files in it
	if err := run(ctx, cluster(cfg.Bucket, "backup", "--data", data, "--database-url", src, "--out", archive), &out, &out); err != nil {
		t.Fatalf("backup: %v %s", err, out.String())
	}
	if !strings.Contains(out.String(), "postgres database") || !strings.Contains(out.String(), "2 files") {
		t.Fatalf("backup said %q", out.String())
	}

	// into a bucket that holds files: refused, nothing written
	dst := emptyDatabase(t, base)
	err = run(ctx, cluster(cfg.Bucket, "restore", archive, "--data", filepath.Join(t.TempDir(), "neu"), "--database-url", dst), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "one without files only") {
		t.Fatalf("restore into a bucket with files: %v", err)
	}
	// a damaged archive: refused, and what it wrote into the bucket removed
	damaged := filepath.Join(t.TempDir(), "kaputt.tar")
	b, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, []byte("Arbeitsblatt Arbeitsblatt"))
	b[i] = 'X'
	if err := os.WriteFile(damaged, b, 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(ctx, cluster("kaputt", "restore", damaged, "--data", filepath.Join(t.TempDir(), "neu"), "--database-url", dst), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore of a damaged archive: %v", err)
	}
	left := 0
	kaputt := cfg
	kaputt.Bucket = "kaputt"
	other, err := blob.NewS3(ctx, kaputt)
	if err != nil {
		t.Fatal(err)
	}
	other.Walk(ctx, func(blob.Key, time.Time) error { left++; return nil })
	if left != 0 {
		t.Fatalf("a failed restore left %d files in the bucket", left)
	}

	// into an empty bucket: the files under their keys
	out.Reset()
	if err := run(ctx, cluster("kaputt", "restore", archive, "--data", filepath.Join(t.TempDir(), "neu2"), "--database-url", emptyDatabase(t, base)), &out, &out); err != nil {
		t.Fatalf("restore: %v %s", err, out.String())
	}
	if !strings.Contains(out.String(), "2 files") {
		t.Fatalf("restore said %q", out.String())
	}
	for i, want := range []string{"Arbeitsblatt", big} {
		r, err := other.Open(ctx, keys[i])
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		got, _ := io.ReadAll(r)
		r.Close()
		if string(got) != want {
			t.Fatalf("file %d holds %d bytes, want %d", i, len(got), len(want))
		}
	}

	// and onto one box's disk (with the database in PostgreSQL)
	box, boxDB := filepath.Join(t.TempDir(), "box"), emptyDatabase(t, base)
	if err := run(ctx, []string{"restore", archive, "--data", box, "--database-url", boxDB}, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore onto a disk: %v", err)
	}
	restored(t, box, boxDB, keys[0])
}

// TestExportImportSchool: the commands move one school (its users and a
// file of theirs) into another installation, refuse to import over it,
// import it under another address, and restore it over itself.
func TestExportImportSchool(t *testing.T) {
	ctx := context.Background()
	from, to := t.TempDir(), t.TempDir()
	schoolWithFile(t, from)
	archive := filepath.Join(t.TempDir(), "gym.tar")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"export-school", "gym", "--out", archive, "--data", from}, &out, &errb); err != nil {
		t.Fatalf("export: %v %s", err, errb.String())
	}
	if !strings.Contains(out.String(), "school gym:") || !strings.Contains(out.String(), "1 files") {
		t.Fatalf("export said %q", out.String())
	}
	importTo := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, append([]string{"import-school", archive, "--data", to}, args...), &out, &errb)
		return out.String(), err
	}
	if said, err := importTo(); err != nil || !strings.Contains(said, "school gym:") {
		t.Fatalf("import: %v %q", err, said)
	}
	if _, err := importTo(); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("import over the school: %v", err)
	}
	if said, err := importTo("--as", "gym-kopie"); err != nil || !strings.Contains(said, "school gym-kopie:") {
		t.Fatalf("import as a copy: %v %q", err, said)
	}
	if said, err := importTo("--replace"); err != nil || !strings.Contains(said, "replaced") {
		t.Fatalf("import --replace: %v %q", err, said)
	}

	// the moved teacher's file, in the installation it moved to
	db, err := sqlstore.Open(ctx, filepath.Join(to, "schulhof.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, slug := range []string{"gym", "gym-kopie"} {
		sc, err := db.FindSchoolBySlug(ctx, slug)
		if err != nil {
			t.Fatal(err)
		}
		moved, err := db.FindUserByLogin(ctx, sc.ID, "lehrerin")
		if err != nil {
			t.Fatalf("%s: %v", slug, err)
		}
		nodes, err := db.FindNodes(ctx, sc.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(moved.ID)}, 0)
		if err != nil || len(nodes) != 1 {
			t.Fatalf("%s: %v %v", slug, nodes, err)
		}
		restored := blobIn(t, to, blob.Key(nodes[0].BlobKey))
		if restored != "Arbeitsblatt" {
			t.Fatalf("%s: the file holds %q", slug, restored)
		}
	}
}

func blobIn(t *testing.T, data string, key blob.Key) string {
	t.Helper()
	disk, err := blob.NewDisk(filepath.Join(data, "files"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := disk.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

// schoolWithFile makes an installation in data with the school gym, a
// teacher and a file of hers.
func schoolWithFile(t *testing.T, from string) {
	t.Helper()
	ctx := context.Background()
	installation(t, from, "")
	db, err := sqlstore.Open(ctx, filepath.Join(from, "schulhof.db"))
	if err != nil {
		t.Fatal(err)
	}
	school, err := db.FindSchoolBySlug(ctx, "gym")
	if err != nil {
		t.Fatal(err)
	}
	u := &schulhof.User{SchoolID: school.ID, Login: "lehrerin", FirstName: "Eva", LastName: "Lehr", Role: schulhof.RoleTeacher}
	if err := db.CreateUser(ctx, u, "hash"); err != nil {
		t.Fatal(err)
	}
	disk, err := blob.NewDisk(filepath.Join(from, "files"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := disk.Put(ctx, strings.NewReader("Arbeitsblatt"), blob.PutOptions{ExpectedSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	home := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
	if _, err := db.PutFile(ctx, school.ID, home, 0, "blatt.txt", schulhof.NewContent{Size: info.Size, SHA256: info.SHA256,
		BlobKey: string(info.Key), ContentType: "text/plain"}, 0); err != nil {
		t.Fatal(err)
	}
	db.Close()
}

// TestMigrateTo: a single box's schools move into a cluster's PostgreSQL
// and object store (a real S3 server), checked; run again, each is
// replaced by its state now.
func TestMigrateTo(t *testing.T) {
	base := os.Getenv("SCHULHOF_TEST_POSTGRES")
	if base == "" {
		t.Skip("SCHULHOF_TEST_POSTGRES is not set")
	}
	ctx := context.Background()
	from := t.TempDir()
	schoolWithFile(t, from)
	cfg := s3test.Start(t)
	dsn, drop := sqltest.NewSchema(t, base)
	defer drop()
	t.Setenv("SCHULHOF_S3_ACCESS_KEY", cfg.AccessKey)
	t.Setenv("SCHULHOF_S3_SECRET_KEY", cfg.SecretKey)
	migrate := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(ctx, []string{"migrate-to", "--data", from, "--database-url", dsn, "--s3-endpoint", cfg.Endpoint, "--s3-bucket",
			cfg.Bucket}, &out, &errb)
		if err != nil {
			t.Fatalf("migrate-to: %v %s", err, errb.String())
		}
		return out.String()
	}
	if said := migrate(); !strings.Contains(said, "moved school gym:") || !strings.Contains(said, "1 schools moved") {
		t.Fatalf("first run said %q", said)
	}
	if said := migrate(); !strings.Contains(said, "replaced") {
		t.Fatalf("second run said %q", said)
	}
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"migrate-to", "--data", from, "--database-url", dsn}, &out, &errb); err == nil {
		t.Fatal("migrate-to without an object store")
	}

	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sc, err := db.FindSchoolBySlug(ctx, "gym")
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := db.FindUserByLogin(ctx, sc.ID, "lehrerin")
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := db.FindNodes(ctx, sc.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(teacher.ID)}, 0)
	if err != nil || len(nodes) != 1 {
		t.Fatalf("%v %v", nodes, err)
	}
	st, err := blob.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Open(ctx, blob.Key(nodes[0].BlobKey))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "Arbeitsblatt" {
		t.Fatalf("the file in the object store holds %q", b)
	}
}
