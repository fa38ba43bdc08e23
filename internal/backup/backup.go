// Package backup writes and restores a snapshot of one installation:
// its database and its files, in one tar archive with the checksum of
// every member.
//
// The archive holds, in this order,
//
//	database/schulhof.db   SQLite: a consistent copy (VACUUM INTO)
//	database/postgres.dump PostgreSQL: pg_dump's custom format
//	files/...              the file store's blobs, as they lie on disk
//	                       (from an object store: under the same names)
//	manifest.json          what the archive holds, with sizes and SHA-256
//
// A backup is taken while the server runs: the database is copied in
// one transaction, then the files. The sweep of unused files waits
// meanwhile (every node checks the store's setting), so that every file
// the database copy names is still there to copy; files written after
// the copy are taken too and are swept after a restore, unused.
package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

// Format is the archive's format version.
const Format = 1

// Manifest is what an archive holds.
type Manifest struct {
	Format    int       `json:"format"`
	Version   string    `json:"version"` // of the binary that wrote it
	CreatedAt time.Time `json:"created_at"`
	Dialect   string    `json:"dialect"` // sqlite or postgres
	Files     []Member  `json:"files"`
}

// Member is one file of the archive.
type Member struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Report says what a backup or a restore did.
type Report struct {
	Dialect  string
	Files    int   // members besides the database and the manifest
	Bytes    int64 // of all members
	Database int64 // bytes of the database's copy
	Took     time.Duration
}

func (r Report) String() string {
	return fmt.Sprintf("%s database (%s), %d files, %s in all, checksums verified, in %s", r.Dialect, size(r.Database), r.Files,
		size(r.Bytes), r.Took.Round(time.Millisecond))
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Source is what a backup copies: the open store, its connection string
// (for pg_dump) and the files: the file store's folder, or the object
// store that holds them in a cluster.
type Source struct {
	DB      *sqlstore.DB
	DSN     string
	Files   string
	Objects blob.Store // when set, the files are there, not in Files
	Version string
}

// pauseFor is how long the sweep waits past the backup's last renewal.
const pauseFor = 10 * time.Minute

// Write writes the archive of src to out (written beside it and put in
// place when complete, so that a failed backup leaves no archive; an
// archive that exists is never replaced).
func Write(ctx context.Context, src Source, out string) (Report, error) {
	t0 := time.Now()
	rep := Report{Dialect: string(src.DB.Dialect())}
	// the sweep waits from before the database copy to the end
	stop, err := pauseSweep(ctx, src.DB)
	if err != nil {
		return rep, err
	}
	defer stop()
	if _, err := os.Lstat(out); err == nil {
		return rep, fmt.Errorf("backup: %s exists: a backup never overwrites", out)
	}
	m := &Manifest{Format: Format, Version: src.Version, CreatedAt: time.Now().UTC(), Dialect: rep.Dialect}
	err = writeArchive(out, m, func(tw *tar.Writer) error {
		// the database
		tmp, err := os.MkdirTemp(filepath.Dir(out), ".schulhof-backup")
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		defer os.RemoveAll(tmp)
		var dbFile, dbName string
		switch src.DB.Dialect() {
		case sqlstore.SQLite:
			dbFile, dbName = filepath.Join(tmp, "schulhof.db"), "database/schulhof.db"
			if err := src.DB.SnapshotSQLite(ctx, dbFile); err != nil {
				return err
			}
		case sqlstore.Postgres:
			dbFile, dbName = filepath.Join(tmp, "postgres.dump"), "database/postgres.dump"
			conn, schema := libpq(src.DSN)
			args := []string{"--format=custom", "--no-owner", "--file=" + dbFile, "--dbname=" + conn}
			if schema != "" {
				args = append(args, "--schema="+schema)
			}
			cmd := exec.CommandContext(ctx, "pg_dump", args...)
			if b, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("pg_dump: %v: %s", err, strings.TrimSpace(string(b)))
			}
		}
		mem, err := addFile(tw, dbName, dbFile)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, mem)
		rep.Database, rep.Bytes = mem.Size, mem.Size

		// the files
		if src.Objects != nil {
			return addObjects(ctx, tw, src.Objects, m, &rep)
		}
		root := filepath.Join(src.Files, "blobs")
		err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				return ctx.Err()
			}
			rel, err := filepath.Rel(src.Files, p)
			if err != nil {
				return err
			}
			mem, err := addFile(tw, "files/"+filepath.ToSlash(rel), p)
			if err != nil {
				return err
			}
			m.note(&rep, mem)
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("backup files: %w", err)
		}
		return nil
	})
	rep.Took = time.Since(t0)
	return rep, err
}

// pauseSweep makes every node's sweep of unused files wait until stop
// is called (renewed each minute; a process that dies leaves a pause
// that runs out).
func pauseSweep(ctx context.Context, db *sqlstore.DB) (stop func(), err error) {
	if err := db.PauseBlobSweep(ctx, time.Now().Add(pauseFor)); err != nil {
		return nil, err
	}
	renew, stopRenew := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-renew.Done():
				return
			case <-t.C:
				db.PauseBlobSweep(renew, time.Now().Add(pauseFor))
			}
		}
	}()
	return func() {
		stopRenew()
		<-renewed
		db.PauseBlobSweep(context.WithoutCancel(ctx), time.Time{})
	}, nil
}

// writeArchive writes a tar archive to out: fill's members, then the
// manifest m (which fill completes with their checksums). It is written
// beside out and linked into place when complete, so that a failed
// write leaves no archive and an archive made meanwhile is not replaced.
func writeArchive(out string, m *Manifest, fill func(tw *tar.Writer) error) error {
	partial := out + ".partial"
	f, err := os.OpenFile(partial, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			os.Remove(partial)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	if err := fill(tw); err != nil {
		return err
	}
	// the manifest last: it knows every checksum
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(b)), ModTime: m.CreatedAt}); err != nil {
		return err
	}
	if _, err := tw.Write(b); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(partial, out); err != nil {
		os.Remove(partial)
		return fmt.Errorf("write %s: %w", out, err)
	}
	os.Remove(partial)
	done = true
	return nil
}

// addFile copies the file at p into the archive as name, hashing it.
func addFile(tw *tar.Writer, name, p string) (Member, error) {
	f, err := os.Open(p)
	if err != nil {
		return Member{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Member{}, err
	}
	return addMember(tw, name, f, st.Size(), st.ModTime())
}

// addObjects copies every blob of an object store into the archive,
// each under the name it has on a disk store (blob.ArchiveName): the
// archive is the same wherever the files were kept.
func addObjects(ctx context.Context, tw *tar.Writer, objects blob.Store, m *Manifest, rep *Report) error {
	err := objects.Walk(ctx, func(k blob.Key, written time.Time) error {
		name, err := blob.ArchiveName(k)
		if err != nil {
			return err
		}
		r, err := objects.Open(ctx, k)
		if schulhof.Match(err, schulhof.ENotFound) {
			return nil // deleted since it was listed: no row names it
		}
		if err != nil {
			return err
		}
		defer r.Close()
		mem, err := addMember(tw, "files/"+name, r, r.Size(), written)
		if err != nil {
			return err
		}
		m.note(rep, mem)
		return nil
	})
	if err != nil {
		return fmt.Errorf("backup files: %w", err)
	}
	return nil
}

// note notes a file of the store in the manifest and the report.
func (m *Manifest) note(rep *Report, mem Member) {
	m.Files = append(m.Files, mem)
	rep.Files++
	rep.Bytes += mem.Size
}

// addMember copies size bytes of r into the archive as name, hashing
// them.
func addMember(tw *tar.Writer, name string, r io.Reader, size int64, mod time.Time) (Member, error) {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: mod}); err != nil {
		return Member{}, err
	}
	h := sha256.New()
	n, err := io.Copy(tw, io.TeeReader(io.LimitReader(r, size), h))
	if err != nil {
		return Member{}, err
	}
	if n != size {
		return Member{}, fmt.Errorf("%s changed while it was copied", name)
	}
	return Member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Target is where a restore goes: an empty data folder (the SQLite
// database and the files, as serve keeps them), and for an archive of
// PostgreSQL an empty database; for a cluster, an object store without
// files for the files.
type Target struct {
	Data    string
	DSN     string  // postgres://... for an archive of PostgreSQL
	Objects Objects // when set, the files go there, not into Data
}

// Objects is an object store a restore writes the files into, each under
// the key the database names it by.
type Objects interface {
	blob.Store
	PutAs(ctx context.Context, key blob.Key, r io.Reader, size int64) (blob.Info, error)
}

// ErrNotEmpty refuses a restore into a folder or database that holds
// something: a restore never overwrites.
var ErrNotEmpty = errors.New("not empty")

// Restore reads the archive into the target, checking every member's
// size and checksum against the manifest; on any error it removes what
// it wrote. The database then runs its migrations (an archive of an
// older release comes up to this one) and the sweep's pause, which the
// copy holds, is lifted.
func Restore(ctx context.Context, archive string, to Target) (Report, error) {
	t0 := time.Now()
	var rep Report
	if err := emptyDir(to.Data); err != nil {
		return rep, err
	}
	if err := os.MkdirAll(to.Data, 0o750); err != nil {
		return rep, err
	}
	if to.Objects != nil {
		if err := noObjects(ctx, to.Objects); err != nil {
			return rep, err
		}
	}
	ok := false
	var written []blob.Key // into the object store
	defer func() {
		if !ok {
			clearDir(to.Data)
			for _, k := range written {
				to.Objects.Delete(context.WithoutCancel(ctx), k)
			}
		}
	}()
	f, err := os.Open(archive)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReaderSize(f, 1<<20))
	got := map[string]Member{}
	var m *Manifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, fmt.Errorf("archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return rep, fmt.Errorf("archive: %s is not a plain file", hdr.Name)
		}
		if hdr.Name == "manifest.json" {
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 64<<20)).Decode(m); err != nil {
				return rep, fmt.Errorf("manifest: %w", err)
			}
			continue
		}
		dst, err := memberPath(to.Data, hdr.Name)
		if err != nil {
			return rep, err
		}
		if to.Objects != nil && strings.HasPrefix(hdr.Name, "files/") {
			mem, k, err := putObject(ctx, to.Objects, hdr, tr)
			if k != "" {
				written = append(written, k)
			}
			if err != nil {
				return rep, err
			}
			got[hdr.Name] = mem
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return rep, err
		}
		mem, err := writeMember(dst, hdr.Name, tr)
		if err != nil {
			return rep, err
		}
		got[hdr.Name] = mem
	}
	if m == nil {
		return rep, errors.New("archive: no manifest (not a Schulhof backup, or cut off)")
	}
	if m.Format != Format {
		return rep, fmt.Errorf("archive: format %d, this release reads %d", m.Format, Format)
	}
	rep.Dialect = m.Dialect
	for _, want := range m.Files {
		have, found := got[want.Name]
		if !found {
			return rep, fmt.Errorf("archive: %s is missing", want.Name)
		}
		if have != want {
			return rep, fmt.Errorf("archive: %s is damaged (size %d, sha256 %s; the manifest says %d, %s)", want.Name, have.Size, have.SHA256,
				want.Size, want.SHA256)
		}
		delete(got, want.Name)
		rep.Bytes += have.Size
		if strings.HasPrefix(want.Name, "database/") {
			rep.Database = have.Size
		} else {
			rep.Files++
		}
	}
	for name := range got {
		return rep, fmt.Errorf("archive: %s is not in the manifest", name)
	}

	dsn := filepath.Join(to.Data, "schulhof.db")
	if m.Dialect == string(sqlstore.Postgres) {
		if to.DSN == "" {
			return rep, errors.New("this is a backup of PostgreSQL: give the empty database to restore it into (--database-url)")
		}
		if err := pgRestore(ctx, filepath.Join(to.Data, "postgres.dump"), to.DSN); err != nil {
			return rep, err
		}
		os.Remove(filepath.Join(to.Data, "postgres.dump"))
		dsn = to.DSN
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return rep, fmt.Errorf("open the restored database: %w", err)
	}
	defer db.Close()
	if err := db.PauseBlobSweep(ctx, time.Time{}); err != nil {
		return rep, err
	}
	ok = true
	rep.Took = time.Since(t0)
	return rep, nil
}

// memberPath is where a member goes below the data folder: the database
// at its top, the files below files/. Anything else (a path that climbs
// out) is refused.
func memberPath(data, name string) (string, error) {
	clean := path.Clean(name)
	if clean != name || path.IsAbs(clean) || strings.HasPrefix(clean, "../") || clean == ".." {
		return "", fmt.Errorf("archive: bad member name %q", name)
	}
	switch {
	case clean == "database/schulhof.db":
		return filepath.Join(data, "schulhof.db"), nil
	case clean == "database/postgres.dump":
		return filepath.Join(data, "postgres.dump"), nil
	case strings.HasPrefix(clean, "files/"):
		return filepath.Join(data, filepath.FromSlash(clean)), nil
	}
	return "", fmt.Errorf("archive: unknown member %q", name)
}

func writeMember(dst, name string, r io.Reader) (Member, error) {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return Member{}, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Member{}, fmt.Errorf("restore %s: %w", name, err)
	}
	return Member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// putObject writes a file member into the object store under its key
// (a disk's marker files are only checked), and returns the key written.
func putObject(ctx context.Context, objects Objects, hdr *tar.Header, r io.Reader) (Member, blob.Key, error) {
	k, ok := blob.KeyOfArchiveName(strings.TrimPrefix(hdr.Name, "files/"))
	if !ok {
		h := sha256.New()
		n, err := io.Copy(h, r)
		return Member{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, "", err
	}
	info, err := objects.PutAs(ctx, k, r, hdr.Size)
	if err != nil {
		return Member{}, k, fmt.Errorf("restore %s: %w", hdr.Name, err)
	}
	return Member{Name: hdr.Name, Size: info.Size, SHA256: info.SHA256}, k, nil
}

// noObjects refuses an object store that holds files already.
func noObjects(ctx context.Context, objects blob.Store) error {
	errFull := errors.New("full")
	err := objects.Walk(ctx, func(blob.Key, time.Time) error { return errFull })
	if errors.Is(err, errFull) {
		return fmt.Errorf("the object store: %w: a restore goes into one without files only", ErrNotEmpty)
	}
	return err
}

// emptyDir refuses a folder that holds anything.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s: %w: a restore goes into an empty folder only", dir, ErrNotEmpty)
	}
	return nil
}

// clearDir removes what a failed restore wrote, leaving the folder.
func clearDir(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// pgRestore loads a dump into an empty database.
func pgRestore(ctx context.Context, dump, dsn string) error {
	n, err := sqlstore.PostgresTables(ctx, dsn)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database has %d tables: %w: a restore goes into an empty database only", n, ErrNotEmpty)
	}
	conn, _ := libpq(dsn)
	cmd := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname="+conn, dump)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_restore: %v: %s", err, strings.TrimSpace(string(b)))
	}
	return nil
}

// libpq is the connection URL as pg_dump and pg_restore read it: pgx
// takes run-time settings as query parameters (search_path,
// synchronous_commit), libpq does not; a search_path names the schema
// to dump.
func libpq(dsn string) (conn, schema string) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn, ""
	}
	q := u.Query()
	schema = q.Get("search_path")
	for k := range q {
		if !libpqParams[k] {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), schema
}

var libpqParams = map[string]bool{"host": true, "hostaddr": true, "port": true, "dbname": true, "user": true, "password": true,
	"passfile": true, "connect_timeout": true, "application_name": true, "sslmode": true, "sslcert": true, "sslkey": true,
	"sslrootcert": true, "sslcrl": true, "sslpassword": true, "target_session_attrs": true, "options": true}
