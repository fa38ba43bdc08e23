package main

// schulhof-bench timetable: the Untis import of a large school, a
// student's week view with substitutions, and the calendar feed's 304.

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
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/holidays"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/timetable"
	"github.com/schulhof/schulhof/internal/web"
)

// benchSchool is a generated school imported into a fresh store: its
// users from the CSV files, its Untis export.
type benchSchool struct {
	db     *sqlstore.DB
	school *schulhof.School
	report *timetable.Report
	dir    string
}

// setUpSchool generates a school with gen-school (--scale) and imports it
// into the database (SQLite in a temporary directory without one); close
// removes what it made.
func setUpSchool(ctx context.Context, dsn, gen, scale string) (*benchSchool, func(), error) {
	dir, err := os.MkdirTemp("", "schulhof-bench-school")
	if err != nil {
		return nil, nil, err
	}
	b := &benchSchool{dir: dir}
	cleanup := func() {
		if b.db != nil {
			b.db.Close()
		}
		os.RemoveAll(dir)
	}
	fail := func(err error) (*benchSchool, func(), error) { cleanup(); return nil, nil, err }
	if out, err := exec.Command(gen, filepath.Join(dir, "school"), "--scale", scale, "--week", "2027-W05").CombinedOutput(); err != nil {
		return fail(fmt.Errorf("gen-school: %v: %s", err, out))
	}
	if dsn == "" {
		dsn = filepath.Join(dir, "bench.db")
	}
	if b.db, err = sqlstore.Open(ctx, dsn); err != nil {
		return fail(err)
	}
	db := b.db
	sc := &schulhof.School{Slug: fmt.Sprintf("tt-%d", time.Now().UnixNano()%1_000_000), Name: "Gymnasium Lastheim", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, sc); err != nil {
		return fail(err)
	}
	b.school = sc
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, "school", name)) }
	t0 := time.Now()
	for file, role := range map[string]schulhof.Role{"users-students.csv": schulhof.RoleStudent, "users-teachers.csv": schulhof.RoleTeacher} {
		data, err := read(file)
		if err != nil {
			return fail(err)
		}
		f, err := csvimport.Parse(data)
		if err != nil {
			return fail(err)
		}
		rows, errs := f.Rows(f.GuessMapping(), role)
		if _, err := db.ImportUsers(ctx, sc.ID, rows, errs, schulhof.ImportOptions{KeepMissing: true}); err != nil {
			return fail(err)
		}
	}
	fmt.Printf("database: %s; users imported from the CSV files in %s\n", db.Dialect(), time.Since(t0).Round(time.Millisecond))
	files := map[string][]byte{}
	for _, n := range []string{"GPU001.TXT", "GPU002.TXT", "GPU003.TXT", "GPU004.TXT", "GPU005.TXT", "GPU006.TXT", "GPU010.TXT", "GPU014.TXT", "GPU015.TXT", "GPU017.TXT"} {
		if files[n], err = read(n); err != nil {
			return fail(err)
		}
	}
	t0 = time.Now()
	if _, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{DryRun: true, Now: time.Now()}); err != nil {
		return fail(err)
	}
	dryTime := time.Since(t0)
	t0 = time.Now()
	rep, err := timetable.Import(ctx, db, sc.ID, files, timetable.Options{Now: time.Now()})
	if err != nil {
		return fail(err)
	}
	if !rep.Applied {
		return fail(fmt.Errorf("import not applied: %+v", rep.Errors))
	}
	fmt.Printf("Untis import (%d timetable entries, %d lessons, %d students, %d course choices, %d courses): dry run %s, import %s (target < 5 s)\n",
		rep.Counts["timetable"], rep.Counts["lessons"], rep.Counts["students"], rep.Counts["course_choices"], rep.Courses,
		dryTime.Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	b.report = rep
	return b, cleanup, nil
}

func benchTimetable(args []string) error {
	fs := flag.NewFlagSet("timetable", flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	scale := fs.String("scale", "1.5", "size of the generated school (gen-school --scale); 1.5 is about 1,500 students")
	gen := fs.String("gen-school", filepath.Join("..", "shared", "tools", "gen-school"), "the school generator")
	requests := fs.Int("requests", 100000, "requests per load test")
	conns := fs.Int("connections", 32, "connections of the load tests")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the load tests to this file")
	ab := fs.Bool("ab-weeks", false, "give the school A/B weeks (counted from August, holiday weeks skipped) and its state's holidays")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	school, cleanup, err := setUpSchool(ctx, *dsn, *gen, *scale)
	if err != nil {
		return err
	}
	defer cleanup()
	db, sc := school.db, school.school
	if *ab {
		if err := db.SetSchoolHolidays(ctx, sc.ID, holidays.School(sc.State, "2026-08-01")); err != nil {
			return err
		}
		if err := db.SetWeekModel(ctx, sc.ID, schulhof.WeekModel{Weeks: 2, Start: "2026-08-31", SkipHolidays: true,
			Groups: schulhof.DefaultWeekGroups(2)}); err != nil {
			return err
		}
		fmt.Println("with A/B weeks from 2026-08-31, holiday weeks skipped, and the state's school holidays")
	}

	// the server, and sessions of Oberstufe and Sek-I students
	db.Now = func() time.Time { return time.Date(2027, 2, 1, 7, 0, 0, 0, time.UTC) } // Monday of the substitutions' week
	base, stop, err := startBenchServer(db)
	if err != nil {
		return err
	}
	defer stop()
	users, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleStudent, Limit: 300})
	if err != nil {
		return err
	}
	var tokens, feeds []string
	hash := password.Hash("bench-passwort", password.Fast)
	for _, u := range users {
		// they have logged in before and chosen their own password
		if err := db.SetPassword(ctx, sc.ID, u.ID, hash, false); err != nil {
			return err
		}
		tok, err := benchSession(ctx, db, u)
		if err != nil {
			return err
		}
		tokens = append(tokens, tok)
		feed, err := db.CalendarToken(ctx, u.ID, false)
		if err != nil {
			return err
		}
		feeds = append(feeds, feed)
	}
	c := client(*conns)
	get := func(url string, header ...string) result {
		return timed(func() int { return getStatus(c, url, header...) })
	}
	week := func(i int) result {
		return get(base+"/api/v1/me/timetable?week=2027-W05", "Authorization", "Bearer "+tokens[i%len(tokens)])
	}
	for i := 0; i < 1000; i++ {
		week(i)
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	rs, d := closedLoop(*requests, *conns, week)
	fmt.Printf("week view with substitutions (API, %d students): %.0f requests/s (target >= 10,000); %s\n",
		len(tokens), float64(len(rs))/d.Seconds(), summarize(rs))

	etags := make([]string, len(feeds))
	for i, f := range feeds {
		req, _ := http.NewRequest("GET", base+"/ical/"+f+".ics", nil)
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		etags[i] = resp.Header.Get("ETag")
	}
	feed := func(i int) result {
		k := i % len(feeds)
		return get(base+"/ical/"+feeds[k]+".ics", "If-None-Match", etags[k])
	}
	rs, d = closedLoop(*requests, *conns, feed)
	fmt.Printf("calendar feed answered 304: %.0f requests/s (target >= 30,000); %s\n", float64(len(rs))/d.Seconds(), summarize(rs))
	return nil
}

// startBenchServer serves the store on a loopback port.
func startBenchServer(db *sqlstore.DB) (base string, stop func(), err error) {
	blobDir, err := os.MkdirTemp("", "schulhof-bench-files")
	if err != nil {
		return "", nil, err
	}
	blobs, err := blob.NewDisk(blobDir)
	if err != nil {
		os.RemoveAll(blobDir)
		return "", nil, err
	}
	srv, err := web.New(web.Config{Version: "bench"}, db, blobs, password.NewHasher(password.Fast, 0, 0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		os.RemoveAll(blobDir)
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(blobDir)
		return "", nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close(); os.RemoveAll(blobDir) }, nil
}

// benchSession logs the user in, as a session token for the API.
func benchSession(ctx context.Context, db *sqlstore.DB, u *schulhof.User) (string, error) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(tok))
	now := db.Now()
	err := db.CreateSession(ctx, &schulhof.Session{TokenHash: h[:], UserID: u.ID, SchoolID: u.SchoolID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(schulhof.SessionIdleTimeout)})
	return tok, err
}
