package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schulhof/schulhof/internal/backup"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

// backupCmd: schulhof backup --out FILE, a snapshot of the installation
// (database and files, on the disk or in the object store) while the
// server runs.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var out string
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&out, "out", "", "the archive to write (a tar file; must not exist)")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if out == "" || fs.NArg() != 0 {
		return usageError("usage: schulhof backup --out FILE [--data DIR] [--database-url URL] [--s3-endpoint URL --s3-bucket B]")
	}
	db, err := sqlstore.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	src := backup.Source{DB: db, DSN: c.DatabaseURL, Files: filepath.Join(c.Data, "files"), Version: version}
	if c.S3.Endpoint != "" {
		// a cluster's files are in its object store, none in the folder
		if src.Objects, err = blob.NewS3(ctx, c.S3); err != nil {
			return err
		}
	}
	rep, err := backup.Write(ctx, src, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s: %s\n", out, rep)
	return nil
}

// restoreCmd: schulhof restore FILE --data DIR, into an empty data
// folder (and, for a backup of PostgreSQL, an empty database; with an
// object store, one without files).
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: schulhof restore FILE --data DIR [--database-url URL] [--s3-endpoint URL --s3-bucket B]")
	}
	to := backup.Target{Data: c.Data, DSN: c.DatabaseURL}
	if c.S3.Endpoint != "" {
		st, err := blob.NewS3(ctx, c.S3)
		if err != nil {
			return err
		}
		to.Objects = st
	}
	rep, err := backup.Restore(ctx, fs.Arg(0), to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s into %s: %s\n", fs.Arg(0), c.Data, rep)
	return nil
}

// exportSchoolCmd: schulhof export-school SLUG --out FILE, one school's
// rows and files, to move it or restore it alone.
func exportSchoolCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var out string
	fs := flag.NewFlagSet("export-school", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&out, "out", "", "the archive to write (a tar file; must not exist)")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if out == "" || fs.NArg() != 1 {
		return usageError("usage: schulhof export-school SLUG --out FILE [--data DIR] [--database-url URL]")
	}
	db, files, err := openInstallation(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := backup.ExportSchool(ctx, db, files, fs.Arg(0), version, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported to %s: %s\n", out, rep)
	return nil
}

// importSchoolCmd: schulhof import-school FILE [--as SLUG] [--replace].
func importSchoolCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var as string
	var replace bool
	fs := flag.NewFlagSet("import-school", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&as, "as", "", "the school's address here (default: the archive's)")
	fs.BoolVar(&replace, "replace", false, "replace the school of that address here (restore it alone)")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: schulhof import-school FILE [--as SLUG] [--replace] [--data DIR] [--database-url URL]")
	}
	db, files, err := openInstallation(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := backup.ImportSchool(ctx, fs.Arg(0), backup.SchoolTarget{DB: db, Files: files, Slug: as, Replace: replace})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %s: %s\n", fs.Arg(0), rep)
	return nil
}

// openInstallation opens the database and the file store as serve does.
func openInstallation(ctx context.Context, c config) (*sqlstore.DB, blob.Store, error) {
	db, err := sqlstore.Open(ctx, c.dsn())
	if err != nil {
		return nil, nil, err
	}
	files, _, err := c.files(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, files, nil
}

// migrateToCmd: schulhof migrate-to --database-url URL --s3-endpoint URL,
// every school of a single box (SQLite and files below --data) into a
// cluster's PostgreSQL and object store, each checked by counts and
// checksums. It can run again until the cut-over: a school already
// there is replaced by its state now.
func migrateToCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("migrate-to", flag.ContinueOnError)
	fs.SetOutput(stderr)
	only := fs.String("schools", "", "only these schools (addresses, comma-separated); default: all")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if c.DatabaseURL == "" || c.S3.Endpoint == "" || fs.NArg() != 0 {
		return usageError("usage: schulhof migrate-to --database-url postgres://... --s3-endpoint URL [--s3-bucket B] [--data DIR] [--schools a,b]")
	}
	src, err := sqlstore.Open(ctx, filepath.Join(c.Data, "schulhof.db"))
	if err != nil {
		return err
	}
	defer src.Close()
	srcFiles, err := blob.NewDisk(filepath.Join(c.Data, "files"))
	if err != nil {
		return err
	}
	dst, dstFiles, err := openInstallation(ctx, c)
	if err != nil {
		return err
	}
	defer dst.Close()
	schools, err := src.FindSchools(ctx)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for s := range strings.SplitSeq(*only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			want[s] = true
		}
	}
	tmp, err := os.MkdirTemp(c.Data, ".migrate-to")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	moved := 0
	for _, sc := range schools {
		if len(want) > 0 && !want[sc.Slug] {
			continue
		}
		delete(want, sc.Slug)
		archive := filepath.Join(tmp, sc.Slug+".tar")
		if _, err := backup.ExportSchool(ctx, src, srcFiles, sc.Slug, version, archive); err != nil {
			return fmt.Errorf("%s: %w", sc.Slug, err)
		}
		_, err := dst.FindSchoolBySlug(ctx, sc.Slug)
		there := err == nil
		rep, err := backup.ImportSchool(ctx, archive, backup.SchoolTarget{DB: dst, Files: dstFiles, Replace: there})
		if err != nil {
			return fmt.Errorf("%s: %w", sc.Slug, err)
		}
		os.Remove(archive)
		fmt.Fprintf(stdout, "moved %s\n", rep)
		moved++
	}
	for slug := range want {
		return fmt.Errorf("%s: no such school here", slug)
	}
	fmt.Fprintf(stdout, "%d schools moved; run again until the cut-over, then point the users at the cluster\n", moved)
	return nil
}
