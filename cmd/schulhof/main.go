// Command schulhof runs the Schulhof school platform and its maintenance
// tasks. Configuration comes from flags and SCHULHOF_* environment
// variables, parsed here once and handed to the constructors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof/internal/blob"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Schulhof, the school platform.

Usage:
  schulhof serve [flags]                                run the platform
  schulhof user reset-password --school SLUG LOGIN      print a new one-time password
  schulhof import --school SLUG [--apply] FILE.csv      import users from a CSV file
  schulhof backup --out FILE                            a snapshot of database and files, while it runs
  schulhof restore FILE --data DIR                      restore a snapshot into an empty data folder
  schulhof export-school SLUG --out FILE                one school's data and files, to move or restore it alone
  schulhof import-school FILE [--as SLUG] [--replace]   bring a school's export in (--replace: restore it over itself)
  schulhof migrate-to --database-url URL --s3-endpoint URL  move this box's schools into a cluster (again until the cut-over)
  schulhof version                                      print the version

Run "schulhof COMMAND -h" for the flags of a command.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "schulhof:", err)
		os.Exit(1)
	}
}

type usageError string

func (u usageError) Error() string { return string(u) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "user":
		if len(args) < 2 || args[1] != "reset-password" {
			return usageError("usage: schulhof user reset-password --school SLUG LOGIN")
		}
		return resetPassword(ctx, args[2:], stdout, stderr)
	case "import":
		return importUsers(ctx, args[1:], stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr)
	case "export-school":
		return exportSchoolCmd(ctx, args[1:], stdout, stderr)
	case "import-school":
		return importSchoolCmd(ctx, args[1:], stdout, stderr)
	case "migrate-to":
		return migrateToCmd(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "schulhof", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError("unknown command " + args[0])
}

// config is all configuration, from flags with SCHULHOF_* defaults.
type config struct {
	Addr          string
	Data          string
	DatabaseURL   string
	PublicURL     string
	AdminPassword string
	LogLevel      string
	TrustProxy    bool
	SecureCookies bool
	// S3 is the object store of a cluster's files; without an endpoint
	// the files lie below Data
	S3 blob.S3Config
}

// env returns the environment variable or the default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// commonFlags registers the flags every command that opens the store has.
func commonFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.Data, "data", env("SCHULHOF_DATA", "./schulhof-data"), "data directory: SQLite database and files (env SCHULHOF_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", env("SCHULHOF_DATABASE_URL", ""), "postgres://... to use PostgreSQL instead of SQLite (env SCHULHOF_DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", env("SCHULHOF_LOG_LEVEL", "info"), "debug, info, warn or error (env SCHULHOF_LOG_LEVEL)")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", env("SCHULHOF_S3_ENDPOINT", ""), "S3-compatible object store for the files, e.g. https://s3.example.org; empty: below --data (env SCHULHOF_S3_ENDPOINT; keys from SCHULHOF_S3_ACCESS_KEY, SCHULHOF_S3_SECRET_KEY)")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", env("SCHULHOF_S3_BUCKET", "schulhof"), "the object store's bucket, made when missing (env SCHULHOF_S3_BUCKET)")
	fs.StringVar(&c.S3.Region, "s3-region", env("SCHULHOF_S3_REGION", "us-east-1"), "the object store's region (env SCHULHOF_S3_REGION)")
	c.S3.AccessKey, c.S3.SecretKey = os.Getenv("SCHULHOF_S3_ACCESS_KEY"), os.Getenv("SCHULHOF_S3_SECRET_KEY")
}

// files opens the file store: the object store when one is named, else
// the folder below the data directory (then also returned as a Disk).
func (c *config) files(ctx context.Context) (blob.Store, *blob.Disk, error) {
	if c.S3.Endpoint != "" {
		st, err := blob.NewS3(ctx, c.S3)
		return st, nil, err
	}
	disk, err := blob.NewDisk(filepath.Join(c.Data, "files"))
	return disk, disk, err
}

// dsn is the store's connection string.
func (c *config) dsn() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.Data, "schulhof.db")
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// envInt reads a number from the environment, def when unset or not one.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}
