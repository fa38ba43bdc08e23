package backup

// One school alone: an archive of its rows and files, to move it to
// another installation (a city's cluster) or to restore it alone over
// itself. The archive holds, in this order,
//
//	school.json            what it is: the school, the release, rows per table
//	files/KEY              every file the school's rows name
//	tables/NAME.jsonl      per table its columns, then one JSON array per row
//	manifest.json          every member's size and SHA-256
//
// The rows are plain values, so a school of a SQLite box imports into
// PostgreSQL and back; the import gives every row a new id.

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

// SchoolFormat is the school archive's format version.
const SchoolFormat = 1

// SchoolInfo is the archive's first member.
type SchoolInfo struct {
	Format    int            `json:"format"`
	Kind      string         `json:"kind"` // "school"
	Version   string         `json:"version"`
	Schema    int            `json:"schema"` // the database's migration
	CreatedAt time.Time      `json:"created_at"`
	Slug      string         `json:"slug"`
	Name      string         `json:"name"`
	Rows      map[string]int `json:"rows"`
	Files     int            `json:"files"`
	FileBytes int64          `json:"file_bytes"`
}

// SchoolReport says what an export or import did.
type SchoolReport struct {
	Slug      string
	Rows      int
	Tables    int
	Files     int
	FileBytes int64
	Replaced  bool
	Renewed   []string
	Took      time.Duration
	// IDs are the import's new ids (for tests and the report)
	IDs *sqlstore.IDMap
	// Blobs are the import's new file keys by the archive's
	Blobs map[string]string
}

func (r SchoolReport) String() string {
	s := fmt.Sprintf("school %s: %d rows in %d tables, %d files (%s), checksums verified, in %s", r.Slug, r.Rows, r.Tables, r.Files,
		size(r.FileBytes), r.Took.Round(time.Millisecond))
	if r.Replaced {
		s += "; the school there before was replaced"
	}
	if len(r.Renewed) > 0 {
		s += "; made anew because taken here: " + strings.Join(r.Renewed, ", ")
	}
	return s
}

// ExportSchool writes the archive of one school to out (written beside
// it and put in place when complete; never overwriting).
func ExportSchool(ctx context.Context, db *sqlstore.DB, files blob.Store, slug, version, out string) (SchoolReport, error) {
	t0 := time.Now()
	rep := SchoolReport{Slug: slug}
	stop, err := pauseSweep(ctx, db)
	if err != nil {
		return rep, err
	}
	defer stop()
	school, err := db.FindSchoolBySlug(ctx, slug)
	if err != nil {
		return rep, fmt.Errorf("%s: %w", slug, err)
	}
	schema, err := db.SchemaVersion(ctx)
	if err != nil {
		return rep, err
	}
	if _, err := os.Lstat(out); err == nil {
		return rep, fmt.Errorf("export: %s exists: an export never overwrites", out)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".schulhof-export")
	if err != nil {
		return rep, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(tmp)

	// the rows, into one file per table, noting the files they name
	info := &SchoolInfo{Format: SchoolFormat, Kind: "school", Version: version, Schema: schema, CreatedAt: time.Now().UTC(),
		Slug: school.Slug, Name: school.Name, Rows: map[string]int{}}
	sink := &tableFiles{dir: tmp, info: info, blobs: map[string]bool{}}
	if err := db.ExportSchool(ctx, school.ID, sink); err != nil {
		return rep, err
	}
	if err := sink.close(); err != nil {
		return rep, err
	}

	m := &Manifest{Format: SchoolFormat, Version: version, CreatedAt: info.CreatedAt, Dialect: string(db.Dialect())}
	err = writeArchive(out, m, func(tw *tar.Writer) error {
		// the files' sizes first: school.json tells them
		keys := sortedKeys(sink.blobs)
		for _, k := range keys {
			r, err := files.Open(ctx, blob.Key(k))
			if err != nil {
				return fmt.Errorf("file %s: %w", k, err)
			}
			info.FileBytes += r.Size()
			r.Close()
		}
		info.Files = len(keys)
		b, err := json.MarshalIndent(info, "", " ")
		if err != nil {
			return err
		}
		mem, err := addBytes(tw, "school.json", b, info.CreatedAt)
		if err != nil {
			return err
		}
		m.Files = append(m.Files, mem)
		for _, k := range keys {
			mem, err := addBlob(ctx, tw, files, k)
			if err != nil {
				return err
			}
			m.Files = append(m.Files, mem)
		}
		for _, name := range sink.order {
			mem, err := addFile(tw, "tables/"+name+".jsonl", filepath.Join(tmp, name+".jsonl"))
			if err != nil {
				return err
			}
			m.Files = append(m.Files, mem)
			rep.Rows += info.Rows[name]
		}
		rep.Tables, rep.Files, rep.FileBytes = len(sink.order), info.Files, info.FileBytes
		return nil
	})
	rep.Took = time.Since(t0)
	return rep, err
}

// tableFiles writes each table's rows to a file of JSON lines.
type tableFiles struct {
	dir   string
	info  *SchoolInfo
	blobs map[string]bool
	order []string
	cur   string
	cols  []sqlstore.Column
	f     *os.File
	w     *bufio.Writer
	enc   *json.Encoder
}

type tableHeader struct {
	Table   string            `json:"table"`
	Columns []sqlstore.Column `json:"columns"`
}

func (s *tableFiles) Table(name string, cols []sqlstore.Column) error {
	if err := s.close(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, name+".jsonl"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	s.f, s.w, s.cur, s.cols = f, bufio.NewWriterSize(f, 1<<16), name, cols
	s.enc = json.NewEncoder(s.w)
	s.order = append(s.order, name)
	s.info.Rows[name] = 0
	return s.enc.Encode(tableHeader{Table: name, Columns: cols})
}

func (s *tableFiles) Row(vals []any) error {
	for i, c := range s.cols {
		if k, ok := vals[i].(string); ok && c.Blob && k != "" {
			s.blobs[k] = true
		}
	}
	s.info.Rows[s.cur]++
	return s.enc.Encode(vals)
}

func (s *tableFiles) close() error {
	if s.f == nil {
		return nil
	}
	err := s.w.Flush()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	return err
}

// addBlob copies one file of the store into the archive.
func addBlob(ctx context.Context, tw *tar.Writer, files blob.Store, key string) (Member, error) {
	r, err := files.Open(ctx, blob.Key(key))
	if err != nil {
		return Member{}, fmt.Errorf("file %s: %w", key, err)
	}
	defer r.Close()
	name := "files/" + key
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: r.Size(), ModTime: time.Now()}); err != nil {
		return Member{}, err
	}
	h := sha256.New()
	n, err := io.Copy(tw, io.TeeReader(io.LimitReader(r, r.Size()), h))
	if err != nil {
		return Member{}, err
	}
	if n != r.Size() {
		return Member{}, fmt.Errorf("file %s: %d of %d bytes", key, n, r.Size())
	}
	return Member{Name: name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func addBytes(tw *tar.Writer, name string, b []byte, at time.Time) (Member, error) {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: at}); err != nil {
		return Member{}, err
	}
	if _, err := tw.Write(b); err != nil {
		return Member{}, err
	}
	sum := sha256.Sum256(b)
	return Member{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}, nil
}

// SchoolTarget is where a school is imported.
type SchoolTarget struct {
	DB    *sqlstore.DB
	Files blob.Store
	// Slug is the school's address here ("" keeps the archive's);
	// Replace deletes the school there first (restoring it alone).
	Slug    string
	Replace bool
}

// ImportSchool reads a school's archive into an installation: its files
// into the file store, then its rows in one transaction, committed only
// when every member matched the manifest; on any error the files it
// stored are deleted and the database is as it was.
func ImportSchool(ctx context.Context, archive string, to SchoolTarget) (rep SchoolReport, err error) {
	t0 := time.Now()
	f, err := os.Open(archive)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	stop, err := pauseSweep(ctx, to.DB)
	if err != nil {
		return rep, err
	}
	defer stop()
	src := &archiveRows{tr: tar.NewReader(bufio.NewReaderSize(f, 1<<20)), got: map[string]Member{}}
	stored := map[string]string{}
	defer func() {
		if err != nil {
			for _, k := range stored {
				to.Files.Delete(context.WithoutCancel(ctx), blob.Key(k))
			}
		}
	}()

	// school.json
	hdr, err := src.tr.Next()
	if err != nil {
		return rep, fmt.Errorf("archive: %w", err)
	}
	if hdr.Name != "school.json" {
		return rep, errors.New("archive: not the archive of a school (school.json is not its first member)")
	}
	var info SchoolInfo
	h := sha256.New()
	b, err := io.ReadAll(io.TeeReader(io.LimitReader(src.tr, 1<<20), h))
	if err != nil {
		return rep, fmt.Errorf("archive: %w", err)
	}
	src.got[hdr.Name] = Member{Name: hdr.Name, Size: int64(len(b)), SHA256: hex.EncodeToString(h.Sum(nil))}
	if err := json.Unmarshal(b, &info); err != nil || info.Kind != "school" {
		return rep, fmt.Errorf("archive: school.json is not readable (%v)", err)
	}
	if info.Format != SchoolFormat {
		return rep, fmt.Errorf("archive: format %d, this release reads %d", info.Format, SchoolFormat)
	}
	schema, err := to.DB.SchemaVersion(ctx)
	if err != nil {
		return rep, err
	}
	if info.Schema > schema {
		return rep, fmt.Errorf("archive: made by release %s (database version %d); this one is older (%d): update it first",
			info.Version, info.Schema, schema)
	}

	// the files, then the rows
	for {
		hdr, err := src.tr.Next()
		if err != nil {
			return rep, fmt.Errorf("archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return rep, fmt.Errorf("archive: %s is not a plain file", hdr.Name)
		}
		key, isFile := strings.CutPrefix(hdr.Name, "files/")
		if !isFile {
			src.pending = hdr
			break
		}
		if _, dup := stored[key]; dup || key == "" || strings.Contains(key, "/") {
			return rep, fmt.Errorf("archive: bad member name %q", hdr.Name)
		}
		bi, err := to.Files.Put(ctx, src.tr, blob.PutOptions{ExpectedSize: hdr.Size})
		if err != nil {
			return rep, fmt.Errorf("file %s: %w", key, err)
		}
		stored[key] = string(bi.Key)
		src.got[hdr.Name] = Member{Name: hdr.Name, Size: bi.Size, SHA256: bi.SHA256}
		rep.Files++
		rep.FileBytes += bi.Size
	}
	ir, err := to.DB.ImportSchool(ctx, src, sqlstore.ImportOptions{
		Slug: to.Slug, Replace: to.Replace, Since: info.CreatedAt.Unix(), Blobs: stored,
		Rewrite: map[string]func([]byte, *sqlstore.IDMap) ([]byte, error){"boards.snapshot": renameBoard, "board_ops.op": renameBoard},
		Details: fmt.Sprintf("%s %s (release %s, %s)", filepath.Base(archive), info.Slug, info.Version, info.CreatedAt.Format(time.RFC3339)),
		Verify: func() error {
			if err := src.verify(); err != nil {
				return err
			}
			return info.check(src.rows)
		},
	})
	if err != nil {
		return rep, err
	}
	for _, n := range ir.Rows {
		rep.Rows += n
	}
	rep.Slug, rep.Tables, rep.Replaced, rep.Renewed, rep.IDs, rep.Blobs = ir.School.Slug, len(ir.Rows), ir.Replaced, ir.Renewed, ir.IDs, stored
	rep.Took = time.Since(t0)
	return rep, nil
}

// renameBoard points a board's drawing at the copy's authors and
// pictures.
func renameBoard(doc []byte, ids *sqlstore.IDMap) ([]byte, error) {
	return board.RenameRefs(doc, func(old int64) (int64, bool) { return ids.ID("users", old) },
		func(old int64) (int64, bool) { return ids.ID("board_images", old) })
}

// check compares the rows read with what school.json says.
func (info *SchoolInfo) check(read map[string]int) error {
	for table, n := range info.Rows {
		if read[table] != n {
			return fmt.Errorf("archive: %s has %d rows, school.json says %d", table, read[table], n)
		}
	}
	for table := range read {
		if _, ok := info.Rows[table]; !ok {
			return fmt.Errorf("archive: %s is not in school.json", table)
		}
	}
	return nil
}

// archiveRows reads the tables of a school's archive (a RowSource),
// hashing every member it reads.
type archiveRows struct {
	tr      *tar.Reader
	pending *tar.Header // read, not yet handed out
	got     map[string]Member
	rows    map[string]int
	m       *Manifest

	name string
	cols []sqlstore.Column
	dec  *json.Decoder
	h    hash.Hash
	n    *countingReader
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (a *archiveRows) NextTable() (string, []sqlstore.Column, error) {
	if a.rows == nil {
		a.rows = map[string]int{}
	}
	hdr := a.pending
	a.pending = nil
	if hdr == nil {
		var err error
		if hdr, err = a.tr.Next(); err != nil {
			return "", nil, fmt.Errorf("archive: %w (cut off?)", err)
		}
	}
	if hdr.Typeflag != tar.TypeReg {
		return "", nil, fmt.Errorf("archive: %s is not a plain file", hdr.Name)
	}
	if hdr.Name == "manifest.json" {
		a.m = &Manifest{}
		if err := json.NewDecoder(io.LimitReader(a.tr, 64<<20)).Decode(a.m); err != nil {
			return "", nil, fmt.Errorf("manifest: %w", err)
		}
		return "", nil, io.EOF
	}
	name, ok := strings.CutPrefix(hdr.Name, "tables/")
	name, ok2 := strings.CutSuffix(name, ".jsonl")
	if !ok || !ok2 {
		return "", nil, fmt.Errorf("archive: unknown member %q", hdr.Name)
	}
	if _, dup := a.got[hdr.Name]; dup {
		return "", nil, fmt.Errorf("archive: %s twice", hdr.Name)
	}
	a.h = sha256.New()
	a.n = &countingReader{r: io.TeeReader(a.tr, a.h)}
	a.dec = json.NewDecoder(a.n)
	a.dec.UseNumber()
	var th tableHeader
	if err := a.dec.Decode(&th); err != nil || th.Table != name {
		return "", nil, fmt.Errorf("archive: %s: no header (%v)", hdr.Name, err)
	}
	a.name, a.cols = name, th.Columns
	a.rows[name] = 0
	return name, th.Columns, nil
}

func (a *archiveRows) Row() ([]any, error) {
	var raw []any
	err := a.dec.Decode(&raw)
	if err == io.EOF {
		io.Copy(io.Discard, a.n) // nothing, or trailing space: hashed too
		a.got["tables/"+a.name+".jsonl"] = Member{Name: "tables/" + a.name + ".jsonl", Size: a.n.n, SHA256: hex.EncodeToString(a.h.Sum(nil))}
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("archive: %s: %w", a.name, err)
	}
	if len(raw) != len(a.cols) {
		return nil, fmt.Errorf("archive: %s: a row of %d values, %d columns", a.name, len(raw), len(a.cols))
	}
	for i, c := range a.cols {
		v, err := typed(c, raw[i])
		if err != nil {
			return nil, fmt.Errorf("archive: %s.%s: %w", a.name, c.Name, err)
		}
		raw[i] = v
	}
	a.rows[a.name]++
	return raw, nil
}

// typed turns a decoded JSON value into the column's type.
func typed(c sqlstore.Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type {
	case "int":
		if n, ok := v.(json.Number); ok {
			return n.Int64()
		}
	case "real":
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case "bool":
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case "text":
		if s, ok := v.(string); ok {
			return s, nil
		}
	case "blob":
		if s, ok := v.(string); ok {
			return base64.StdEncoding.DecodeString(s)
		}
	}
	return nil, fmt.Errorf("%v is not a %s", v, c.Type)
}

// verify checks every member read against the manifest.
func (a *archiveRows) verify() error {
	if a.m == nil {
		return errors.New("archive: no manifest (cut off?)")
	}
	if _, err := a.tr.Next(); err != io.EOF {
		return errors.New("archive: members after the manifest")
	}
	seen := map[string]bool{}
	for _, want := range a.m.Files {
		have, ok := a.got[want.Name]
		if !ok {
			return fmt.Errorf("archive: %s is missing", want.Name)
		}
		if have != want {
			return fmt.Errorf("archive: %s is damaged (size %d, sha256 %s; the manifest says %d, %s)", want.Name, have.Size, have.SHA256,
				want.Size, want.SHA256)
		}
		seen[want.Name] = true
	}
	for name := range a.got {
		if !seen[name] {
			return fmt.Errorf("archive: %s is not in the manifest", name)
		}
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
