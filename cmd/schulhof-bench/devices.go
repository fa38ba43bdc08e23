package main

// schulhof-bench devices: the city's device overview over HTTP. A city
// of --schools schools with --students students each (classes 5 to 10)
// gets --devices devices and --loans loans between them (lent and
// returned in rounds; the last round stays out, some of it overdue, some
// with students who left); then the operator's overview of all schools,
// its CSV report and one school's overview page are asked for, one
// after another, and their latencies printed.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/web"
)

func benchDevices(args []string) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	nSchools := fs.Int("schools", 100, "schools of the city")
	nStudents := fs.Int("students", 300, "students per school")
	nDevices := fs.Int("devices", 30000, "devices of the city")
	nLoans := fs.Int("loans", 100000, "loans of the city, most returned")
	requests := fs.Int("requests", 50, "requests per measurement")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	fmt.Printf("machine: %d cores (GOMAXPROCS), %s/%s, %s\n", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
	dir, err := os.MkdirTemp("", "schulhof-bench-devices")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if *dsn == "" {
		*dsn = filepath.Join(dir, "bench.db")
	}
	db, err := sqlstore.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	today := time.Now().UTC()
	t0 := time.Now()
	stamp := time.Now().UnixNano() % 1_000_000
	var admin *schulhof.User
	var first *schulhof.School
	perSchool := *nDevices / *nSchools
	loansPerSchool := *nLoans / *nSchools
	for s := 0; s < *nSchools; s++ {
		sc := &schulhof.School{Slug: fmt.Sprintf("b%d-%03d", stamp, s), Name: fmt.Sprintf("Schule %03d", s), State: "NW", Type: "gymnasium"}
		if err := db.CreateSchool(ctx, sc); err != nil {
			return err
		}
		a := &schulhof.User{SchoolID: sc.ID, Login: "admin", FirstName: "Ada", LastName: "Admin", Role: schulhof.RoleSchoolAdmin}
		if err := db.CreateUser(ctx, a, "x"); err != nil {
			return err
		}
		if first == nil {
			first, admin = sc, a
		}
		rows := make([]schulhof.ImportRow, *nStudents)
		for i := range rows {
			rows[i] = schulhof.ImportRow{Line: i + 2, ExternalID: fmt.Sprint(i), LastName: fmt.Sprintf("Nummer %d", i), FirstName: "Schüler",
				Class: fmt.Sprintf("%d%c", 5+i%6, 'a'+rune(i/6%4)), Role: schulhof.RoleStudent}
		}
		if _, err := db.ImportUsers(ctx, sc.ID, rows, nil, schulhof.ImportOptions{KeepMissing: true}); err != nil {
			return err
		}
		students, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, Limit: *nStudents})
		if err != nil {
			return err
		}
		devs := make([]schulhof.DeviceImportRow, perSchool)
		for i := range devs {
			devs[i] = schulhof.DeviceImportRow{Line: i + 2, Device: schulhof.Device{Type: "ipad", Model: fmt.Sprintf("iPad %d. Generation", 8+i%3),
				Serial: fmt.Sprintf("S%d-%d", s, i), Location: fmt.Sprintf("R %d", 100+i%20)}, Set: map[string]bool{"type": true, "model": true, "serial": true, "location": true}}
		}
		if _, err := db.ImportDevices(ctx, sc.ID, devs, false); err != nil {
			return err
		}
		devices, _, err := db.FindDevices(ctx, schulhof.DeviceFilter{SchoolID: sc.ID, Limit: 500})
		if err != nil {
			return err
		}
		// lend the school's devices round after round, taking each round
		// back but the last
		lent := 0
		for round := 0; lent < loansPerSchool; round++ {
			n := min(len(devices), len(students), loansPerSchool-lent)
			loans := make([]*schulhof.Loan, n)
			for i := range loans {
				until := schulhof.DayOf(today.AddDate(0, 0, 10+i%200))
				if i%25 == 0 {
					until = schulhof.DayOf(today.AddDate(0, 0, -3)) // overdue
				}
				loans[i] = &schulhof.Loan{SchoolID: sc.ID, DeviceID: devices[i].ID, UserID: students[(i+round)%len(students)].ID,
					Start: schulhof.DayOf(today.AddDate(0, 0, -30)), Until: until}
			}
			if err := db.LendDevices(ctx, a, loans); err != nil {
				return err
			}
			lent += n
			if lent >= loansPerSchool {
				break
			}
			back := make([]schulhof.DeviceReturn, n)
			for i, l := range loans {
				back[i] = schulhof.DeviceReturn{Loan: l.ID, Condition: schulhof.ConditionGood}
			}
			if _, err := db.ReturnDevices(ctx, sc.ID, back); err != nil {
				return err
			}
		}
		off := false
		for i := 0; i < len(students); i += 50 { // leavers
			if _, err := db.UpdateUser(ctx, sc.ID, students[i].ID, schulhof.UserUpdate{Active: &off}); err != nil {
				return err
			}
		}
		if s%10 == 9 {
			fmt.Printf("seeded %d schools in %s\n", s+1, time.Since(t0).Round(time.Second))
		}
	}
	// the planner's statistics, as PostgreSQL's autovacuum would have
	// them a minute after such an import
	if err := db.Analyze(ctx); err != nil {
		return err
	}
	op := &schulhof.User{Login: fmt.Sprintf("op%d", stamp), FirstName: "Stadt", LastName: "IT", Role: schulhof.RoleOperator}
	if err := db.CreateUser(ctx, op, "x"); err != nil {
		return err
	}
	fmt.Printf("database: %s; %d schools, %d students, %d devices, %d loans, seeded in %s\n", db.Dialect(), *nSchools, *nSchools**nStudents,
		perSchool**nSchools, loansPerSchool**nSchools, time.Since(t0).Round(time.Second))

	blobs, err := blob.NewDisk(filepath.Join(dir, "files"))
	if err != nil {
		return err
	}
	srv, err := web.New(web.Config{Version: "bench"}, db, blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	defer srv.CloseSockets()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	session := func(u *schulhof.User) (string, error) {
		b := make([]byte, 32)
		rand.Read(b)
		tok := base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(tok))
		now := time.Now()
		return tok, db.CreateSession(ctx, &schulhof.Session{TokenHash: h[:], UserID: u.ID, SchoolID: u.SchoolID, CreatedAt: now, LastSeenAt: now,
			ExpiresAt: now.Add(schulhof.SessionIdleTimeout)})
	}
	opTok, err := session(op)
	if err != nil {
		return err
	}
	adminTok, err := session(admin)
	if err != nil {
		return err
	}
	c := client(4)
	measure := func(name, path, tok string) {
		get := func(int) result {
			return timed(func() int { return getStatus(c, base+path, "Cookie", "schulhof_session="+tok) })
		}
		for i := 0; i < 20; i++ {
			get(i) // warm up: the statement caches, the database's pages, the server's first housekeeping
		}
		rs := make([]result, *requests)
		for i := range rs {
			rs[i] = get(i)
		}
		fmt.Printf("%-40s %s\n", name, summarize(rs))
	}
	runtime.GC() // the seeding's garbage is not the overview's
	measure("city overview, JSON (operator)", "/api/v1/devices/overview", opTok)
	measure("city overview, page (operator)", "/admin/devices", opTok)
	measure("city report, CSV (operator)", "/api/v1/devices/overview.csv", opTok)
	measure("school overview, page (admin)", "/s/"+first.Slug+"/devices/overview", adminTok)
	measure("school devices, first page (admin)", "/s/"+first.Slug+"/devices", adminTok)
	return nil
}
