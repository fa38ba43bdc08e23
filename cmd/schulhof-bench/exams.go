package main

// schulhof-bench exams: the exam plan of a large school over HTTP. A
// generated school (gen-school --scale 1.5) gets a school year of 4,000
// planned exams for its classes and courses, beside the Untis export's;
// then a coordinator checks new exams against it (each breaks a rule, so
// nothing is written and the plan stays warm) and asks for free dates.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
)

func benchExams(args []string) error {
	fs := flag.NewFlagSet("exams", flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	scale := fs.String("scale", "1.5", "size of the generated school (gen-school --scale)")
	gen := fs.String("gen-school", filepath.Join("..", "shared", "tools", "gen-school"), "the school generator")
	nExams := fs.Int("exams", 4000, "planned exams in the school year")
	requests := fs.Int("requests", 300, "requests per measurement")
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

	// a school year of exams: each for a class or course, its students,
	// on school days from September to June
	groups, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		return err
	}
	admins, _, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: sc.ID, Role: schulhof.RoleTeacher, Limit: 1})
	if err != nil || len(admins) == 0 {
		return fmt.Errorf("no teacher: %v", err)
	}
	planner := admins[0]
	members := map[schulhof.GroupID][]schulhof.UserID{}
	var usable []*schulhof.Group
	for _, g := range groups {
		ms, err := db.FindMembers(ctx, sc.ID, g.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.User.Role == schulhof.RoleStudent {
				members[g.ID] = append(members[g.ID], m.User.ID)
			}
		}
		if len(members[g.ID]) > 0 {
			usable = append(usable, g)
		}
	}
	r := rand.New(rand.NewPCG(2026, 11))
	taken := map[schulhof.GroupID]schulhof.Day{} // a day each group writes
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	t0 := time.Now()
	for made := 0; made < *nExams; {
		d := start.AddDate(0, 0, r.IntN(300))
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		g := usable[r.IntN(len(usable))]
		from := 1 + r.IntN(6)
		e := &schulhof.PlannedExam{SchoolID: sc.ID, Date: schulhof.DayOf(d), From: from, To: from + 1, Kind: "klassenarbeit",
			Title: g.Name + " " + strconv.Itoa(made), Groups: []schulhof.GroupID{g.ID}, Students: members[g.ID],
			Rooms: []string{"R" + strconv.Itoa(r.IntN(60))}, CreatedBy: planner.ID}
		if err := db.CreateExam(ctx, e); err != nil {
			return err
		}
		taken[g.ID] = e.Date
		made++
	}
	fmt.Printf("%d planned exams for %d groups stored in %s\n", *nExams, len(usable), time.Since(t0).Round(time.Millisecond))

	// a coordinator (the school's admin) on the API
	admin := &schulhof.User{SchoolID: sc.ID, Login: "koordination", FirstName: "Kim", LastName: "Koordination", Role: schulhof.RoleSchoolAdmin}
	if err := db.CreateUser(ctx, admin, ""); err != nil {
		return err
	}
	db.Now = func() time.Time { return time.Date(2027, 2, 1, 7, 0, 0, 0, time.UTC) }
	base, stop, err := startBenchServer(db)
	if err != nil {
		return err
	}
	defer stop()
	tok, err := benchSession(ctx, db, admin)
	if err != nil {
		return err
	}
	c := client(1)
	call := func(method, path, body string) (int, string, time.Duration) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		t := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return 0, err.Error(), time.Since(t)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b), time.Since(t)
	}
	plan := "/api/v1/schools/" + sc.Slug + "/exams"
	// the first request builds the plan: all exams, students, calendar
	status, _, cold := call("GET", plan+"?from=2027-02-01&to=2027-02-05", "")
	fmt.Printf("first request, building the school's exam plan (%d planned + %d from Untis): %s (status %d)\n",
		*nExams, school.report.Counts["exams"], ms(cold), status)

	// checks: an exam of a group on a day its students already write one,
	// so that it is refused and the plan stays as it is
	var rs []result
	violations := 0
	for i := 0; i < *requests; i++ {
		g := usable[i%len(usable)]
		body := fmt.Sprintf(`{"groups":[%d],"date":"%s","from_period":7,"to_period":8,"type":"klassenarbeit","title":"Bench","rooms":["R1"]}`,
			g.ID, taken[g.ID])
		st, out, d := call("POST", plan, body)
		rs = append(rs, result{status: st, latency: d})
		violations += strings.Count(out, `"rule":`)
	}
	fmt.Printf("check one new exam against the year (POST, refused with %d violations in all): %s\n", violations, summarize(rs))

	// a change (a new exam saved) makes the next request build the plan anew
	var rebuild []result
	for i := 0; i < 20; i++ {
		body := fmt.Sprintf(`{"groups":[%d],"date":"2027-07-%02d","from_period":9,"to_period":9,"type":"test","title":"Bench %d"}`, usable[i].ID, 5+i%5, i)
		if st, out, _ := call("POST", plan, body); st != http.StatusCreated {
			return fmt.Errorf("a free exam was refused: %d %s", st, out)
		}
		st, _, d := call("GET", plan+"?from=2027-02-01&to=2027-02-05", "")
		rebuild = append(rebuild, result{status: st, latency: d})
	}
	fmt.Printf("first request after a change (plan built anew): %s\n", summarize(rebuild))

	rs = rs[:0]
	for i := 0; i < *requests; i++ {
		g := usable[i%len(usable)]
		st, _, d := call("GET", fmt.Sprintf("%s/suggestions?groups=%d&from=2027-02-01&to=2027-02-28&periods=2", plan, g.ID), "")
		rs = append(rs, result{status: st, latency: d})
	}
	fmt.Printf("suggestions for a 4-week window (GET): %s\n", summarize(rs))
	return nil
}
