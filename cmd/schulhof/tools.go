package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

// resetPassword: schulhof user reset-password --school SLUG LOGIN. For the
// admin who locked themselves out: it sets a one-time password, turns
// two-factor off and reactivates the account. It works while the server
// runs (SQLite waits for the server's write lock). The password is the
// last line.
func resetPassword(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var slug string
	fs := flag.NewFlagSet("user reset-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&slug, "school", "", "the school's short name; empty for the operator")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 {
		return usageError("usage: schulhof user reset-password --school SLUG LOGIN")
	}
	db, err := sqlstore.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	var school schulhof.SchoolID
	if slug != "" {
		sc, err := db.FindSchoolBySlug(ctx, slug)
		if err != nil {
			return fmt.Errorf("school %q: %w", slug, err)
		}
		school = sc.ID
	}
	u, err := db.FindUserByLogin(ctx, school, strings.ToLower(fs.Arg(0)))
	if err != nil {
		return fmt.Errorf("user %q: %w", fs.Arg(0), err)
	}
	plain := password.Generate(12)
	ctx = schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: &schulhof.User{Login: "command-line"}, IP: "local"})
	if err := db.SetPassword(ctx, school, u.ID, password.Hash(plain, password.OWASP), true); err != nil {
		return err
	}
	if u.TOTPEnabled {
		// the admin who is locked out may have lost the second factor too
		if err := db.SetTOTP(ctx, u.ID, "", false); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "Two-factor login was turned off; it can be set up again on the profile page.")
	}
	if !u.Active {
		yes := true
		if _, err := db.UpdateUser(ctx, school, u.ID, schulhof.UserUpdate{Active: &yes}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "New one-time password for %s (must be changed at the next login):\n%s\n", u.Login, plain)
	return nil
}

// reorder moves flags before positional arguments, so that both
// "reset-password --school x admin" and "reset-password admin --school x" work.
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") && a != "--apply" && a != "-apply" && a != "--keep-missing" {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// importUsers: schulhof import --school SLUG [--role student] [--apply] FILE.
// Without --apply it is a dry run. It prints the report as JSON.
func importUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var slug, role string
	var apply, keep bool
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&slug, "school", "", "the school's short name")
	fs.StringVar(&role, "role", "student", "role for rows without one: student, teacher, parent, school_admin")
	fs.BoolVar(&apply, "apply", false, "apply the import (default: dry run)")
	fs.BoolVar(&keep, "keep-missing", false, "do not deactivate users missing from the file")
	commonFlags(fs, &c)
	if err := fs.Parse(reorder(args)); err != nil {
		return usageError(err.Error())
	}
	if fs.NArg() != 1 || slug == "" {
		return usageError("usage: schulhof import --school SLUG [--apply] FILE.csv")
	}
	r, ok := schulhof.ParseRole(role)
	if !ok || r == schulhof.RoleOperator {
		return usageError("unknown role " + role)
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return err
	}
	f, err := csvimport.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %s", fs.Arg(0), message(err))
	}
	m := f.GuessMapping()
	if miss := m.Missing(); len(miss) > 0 {
		return fmt.Errorf("%s: no column for %s (headers: %s)", fs.Arg(0), miss[0], strings.Join(f.Header, ", "))
	}
	db, err := sqlstore.Open(ctx, c.dsn())
	if err != nil {
		return err
	}
	defer db.Close()
	sc, err := db.FindSchoolBySlug(ctx, slug)
	if err != nil {
		return fmt.Errorf("school %q: %w", slug, err)
	}
	rows, errs := f.Rows(m, r)
	ctx = schulhof.NewContextWithActor(ctx, &schulhof.Actor{User: &schulhof.User{Login: "command-line"}, IP: "local"})
	rep, ierr := db.ImportUsers(ctx, sc.ID, rows, errs, schulhof.ImportOptions{DryRun: !apply, KeepMissing: keep})
	if rep != nil {
		for i := range rep.Errors {
			rep.Errors[i].Message = i18n.T("de", rep.Errors[i].Key, rep.Errors[i].Args...)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	}
	if ierr != nil {
		return fmt.Errorf("%s", message(ierr))
	}
	return nil
}

// message is an error as a sentence for the command line.
func message(err error) string {
	if e, ok := err.(*schulhof.Error); ok && e.Code != schulhof.EInternal {
		return i18n.T("de", e.Key, e.Args...)
	}
	return err.Error()
}
