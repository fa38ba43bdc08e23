// Command schulhof-bench measures Schulhof under load on this machine and
// prints the figures. It starts the real server in-process on a loopback
// port with a fresh database (SQLite in a temporary directory, or
// PostgreSQL with --database-url), seeds it, and drives it over HTTP.
// Every run is bounded in requests and time.
//
//	schulhof-bench login       1,500 distinct users log in: raw argon2id rate,
//	                           sustained logins/s, p99 at 80 %, behaviour beyond capacity
//	schulhof-bench startpage   the start page of logged-in students: requests/s,
//	                           p99 at half that load
//	schulhof-bench files       1 GiB up and down against loopback TCP and the disk,
//	                           small uploads, PROPFIND on 10,000 entries; beside rclone
//	schulhof-bench timetable   Untis import of a large school, the week view, the
//	                           calendar feed's 304
//	schulhof-bench video       classes in video lessons on pion clients, against the
//	                           forwarding unit and Janus side by side: packets, CPU,
//	                           loss, jitter, memory; a room of 10, 30 and 60
//	schulhof-bench sso         single sign-on: the token endpoint (code exchange with
//	                           a confidential client) and userinfo, requests/s and p99
//	schulhof-bench databases   the start page and the week view on SQLite and
//	                           PostgreSQL in one run, side by side, with the ratio
//	schulhof-bench upload      a 1 GiB upload beside a bare net/http handler doing
//	                           the same work, on the disk and on an S3 server
//	schulhof-bench fanout      the messenger's announcements and class chats beside
//	                           Centrifugo on the same sockets and messages
//	schulhof-bench monday      Monday 8:05: logins, pages, sockets, chats, a board and
//	                           a video class at once, on two nodes of a cluster and on
//	                           one SQLite node, beside each module alone
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/web"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: schulhof-bench login|startpage|files|timetable|exams|chat|board|video|devices|sso|databases|upload|fanout|monday [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "login":
		err = benchLogin(os.Args[2:])
	case "startpage":
		err = benchStartPage(os.Args[2:])
	case "files":
		err = benchFiles(os.Args[2:])
	case "timetable":
		err = benchTimetable(os.Args[2:])
	case "exams":
		err = benchExams(os.Args[2:])
	case "chat":
		err = benchChat(os.Args[2:])
	case "board":
		err = benchBoard(os.Args[2:])
	case "video":
		err = benchVideo(os.Args[2:])
	case "devices":
		err = benchDevices(os.Args[2:])
	case "sso":
		err = benchSSO(os.Args[2:])
	case "video-sfu":
		err = videoSFU(os.Args[2:])
	case "databases":
		err = benchDatabases(os.Args[2:])
	case "upload":
		err = benchUpload(os.Args[2:])
	case "fanout":
		err = benchFanout(os.Args[2:])
	case "monday":
		err = benchMonday(os.Args[2:])
	default:
		err = fmt.Errorf("unknown benchmark %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schulhof-bench:", err)
		os.Exit(1)
	}
}

// env is a running server with a seeded school.
type env struct {
	db     *sqlstore.DB
	url    string
	school *schulhof.School
	users  []*schulhof.User
	blobs  *blob.Disk // the files, unless in an object store
	close  func()
}

func start(dsn string, hasher *password.Hasher, users int, hash string) (*env, error) {
	return startWith(dsn, hasher, users, hash, nil)
}

// startWith is start with the files in store (nil: a folder).
func startWith(dsn string, hasher *password.Hasher, users int, hash string, store blob.Store) (*env, error) {
	ctx := context.Background()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400) // as schulhof serve does
	}
	dir := ""
	if dsn == "" {
		d, err := os.MkdirTemp("", "schulhof-bench")
		if err != nil {
			return nil, err
		}
		dir, dsn = d, filepath.Join(d, "bench.db")
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	e := &env{db: db}
	slug := fmt.Sprintf("bench-%d", time.Now().UnixNano()%1_000_000)
	e.school = &schulhof.School{Slug: slug, Name: "Gymnasium Lastheim", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, e.school); err != nil {
		return nil, err
	}
	classes := map[string]*schulhof.Group{}
	for i := 0; i < users; i++ {
		u := &schulhof.User{SchoolID: e.school.ID, Login: fmt.Sprintf("s%04d", i), FirstName: "Schüler", LastName: fmt.Sprintf("Nummer %d", i), Role: schulhof.RoleStudent}
		if err := db.CreateUser(ctx, u, hash); err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%d%c", 5+i%8, 'a'+rune(i/8%4))
		g := classes[name]
		if g == nil {
			g = &schulhof.Group{SchoolID: e.school.ID, Name: name, Kind: schulhof.GroupClass}
			if err := db.CreateGroup(ctx, g); err != nil {
				return nil, err
			}
			classes[name] = g
		}
		if err := db.SetMember(ctx, e.school.ID, g.ID, u.ID, schulhof.MemberRoleMember); err != nil {
			return nil, err
		}
		e.users = append(e.users, u)
	}
	blobDir, err := os.MkdirTemp("", "schulhof-bench-files")
	if err != nil {
		return nil, err
	}
	blobs, err := blob.NewDisk(blobDir)
	if err != nil {
		return nil, err
	}
	e.blobs = blobs
	if err := blobs.PrepareShards(ctx); err != nil { // as schulhof serve does on its first start
		return nil, err
	}
	if store == nil {
		store = blobs
	}
	srv, err := web.New(web.Config{Version: "bench"}, db, store, hasher, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	e.url = "http://" + ln.Addr().String()
	e.close = func() {
		hs.Close()
		db.Close()
		if dir != "" {
			os.RemoveAll(dir)
		}
		os.RemoveAll(blobDir)
	}
	return e, nil
}

func client(conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: 0, IdleConnTimeout: time.Minute}}
}

// result is one request's outcome.
type result struct {
	status  int // 0: transport error or timeout
	latency time.Duration
}

type summary struct {
	n         int
	byStatus  map[int]int
	p50, p99  time.Duration
	max       time.Duration
	p99Status map[int]time.Duration
}

func summarize(rs []result) summary {
	s := summary{n: len(rs), byStatus: map[int]int{}, p99Status: map[int]time.Duration{}}
	lat := make([]time.Duration, 0, len(rs))
	per := map[int][]time.Duration{}
	for _, r := range rs {
		s.byStatus[r.status]++
		lat = append(lat, r.latency)
		per[r.status] = append(per[r.status], r.latency)
	}
	pct := func(xs []time.Duration, p float64) time.Duration {
		if len(xs) == 0 {
			return 0
		}
		slices.Sort(xs)
		return xs[min(len(xs)-1, int(float64(len(xs))*p))]
	}
	s.p50, s.p99 = pct(lat, 0.50), pct(lat, 0.99)
	if len(lat) > 0 {
		s.max = lat[len(lat)-1]
	}
	for st, xs := range per {
		s.p99Status[st] = pct(xs, 0.99)
	}
	return s
}

func (s summary) String() string {
	var parts []string
	statuses := []int{200, 304, 429, 503, 401, 0}
	for st := range s.byStatus {
		if !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	for _, st := range statuses {
		if n := s.byStatus[st]; n > 0 {
			name := fmt.Sprint(st)
			if st == 0 {
				name = "timeout/error"
			}
			parts = append(parts, fmt.Sprintf("%s: %d (p99 %s)", name, n, ms(s.p99Status[st])))
		}
	}
	return fmt.Sprintf("%d requests, p50 %s, p99 %s, max %s; %s", s.n, ms(s.p50), ms(s.p99), ms(s.max), strings.Join(parts, ", "))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// closedLoop runs n requests with c workers as fast as they are answered.
func closedLoop(n, c int, do func(i int) result) ([]result, time.Duration) {
	rs := make([]result, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				rs[i] = do(i)
			}
		}()
	}
	wg.Wait()
	return rs, time.Since(t0)
}

// openLoop sends n requests at a fixed rate, whether or not earlier ones
// are answered, and measures each from its scheduled start, so that a
// slow server cannot hide its queueing (no coordinated omission). One
// dispatcher keeps the schedule and hands requests to a fixed pool of
// workers, each with its own kept-alive connection; a request waits for a
// worker only when all are busy, which is queueing and counts.
func openLoop(n int, rate float64, do func(i int) result) []result {
	rs := make([]result, n)
	type job struct {
		i  int
		at time.Time
	}
	jobs := make(chan job, 64)
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := do(j.i)
				r.latency = time.Since(j.at)
				rs[j.i] = r
			}
		}()
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		at := t0.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		jobs <- job{i, at}
	}
	close(jobs)
	wg.Wait()
	return rs
}

// serverLatency reads the server's own latency histogram for a route, so
// that the time the load generator itself waits for a core on this small
// machine can be told apart from the server's.
func serverLatency(url, route string) map[float64]float64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := map[float64]float64{}
	prefix := `schulhof_http_request_duration_seconds_bucket{route="` + route + `",le="`
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			var le, n float64
			if i := strings.Index(rest, `"}`); i > 0 {
				if rest[:i] == "+Inf" {
					le = 1e9
				} else {
					fmt.Sscanf(rest[:i], "%g", &le)
				}
				fmt.Sscanf(strings.TrimSpace(rest[i+2:]), "%g", &n)
				out[le] = n
			}
		}
	}
	return out
}

// bucketP99 is the upper bound of the histogram bucket that holds the
// 99th percentile of what happened between two readings.
func bucketP99(before, after map[float64]float64) string {
	var les []float64
	for le := range after {
		les = append(les, le)
	}
	slices.Sort(les)
	if len(les) == 0 {
		return "?"
	}
	total := after[les[len(les)-1]] - before[les[len(les)-1]]
	for _, le := range les {
		if after[le]-before[le] >= 0.99*total {
			if le >= 1e9 {
				return "> 5 s"
			}
			return "≤ " + ms(time.Duration(le*float64(time.Second)))
		}
	}
	return "?"
}

// benchPassword is every seeded user's password where they log in.
const benchPassword = "Passwort-der-Schülerin"

// loginOnce logs in with benchPassword: the status, the session, and
// whether a refusal said when to come back (Retry-After).
func loginOnce(c *http.Client, base, school, login string) (status int, token string, retryAfter bool) {
	resp, body, err := postJSON(c, base+"/api/v1/auth/login", map[string]string{"school": school, "login": login, "password": benchPassword})
	if err != nil {
		return 0, "", false
	}
	var out struct{ Token string }
	if resp.StatusCode == http.StatusOK {
		json.Unmarshal(body, &out)
	}
	return resp.StatusCode, out.Token, resp.StatusCode >= 400 && resp.Header.Get("Retry-After") != ""
}

// postJSON posts v as JSON with the headers (name, value, ...): the
// answer, read to its end, and its body.
func postJSON(c *http.Client, url string, v any, header ...string) (*http.Response, []byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// getStatus GETs the URL with the headers (name, value, ...), reads the
// answer to its end and gives its status; 0 for a transport error.
func getStatus(c *http.Client, url string, header ...string) int {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func timed(f func() int) result {
	t := time.Now()
	st := f()
	return result{status: st, latency: time.Since(t)}
}

func benchLogin(args []string) error {
	fs := flag.NewFlagSet("login", flag.ExitOnError)
	users := fs.Int("users", 1500, "distinct users that log in")
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	rawFor := fs.Duration("raw", 5*time.Second, "how long to measure the raw hash rate")
	overload := fs.Float64("overload", 3, "multiple of the raw hash rate for the overload phase")
	workers := fs.Int("workers", 4*runtime.GOMAXPROCS(0), "concurrent clients in the sustained phase")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the server phases to this file")
	fs.Parse(args)
	cores := runtime.GOMAXPROCS(0)
	fmt.Printf("machine: %d cores (GOMAXPROCS), %s/%s, %s\n", cores, runtime.GOOS, runtime.GOARCH, runtime.Version())

	raw := rawHashRate(cores, *rawFor)
	fmt.Printf("raw argon2id (m=19 MiB, t=2, p=1) on %d cores: %.1f hashes/s\n", cores, raw)

	hash := password.Hash(benchPassword, password.OWASP)
	const warm = 50 // users for warming up the server, not counted
	e, err := start(*dsn, password.NewHasher(password.OWASP, 0, 0), *users+warm, hash)
	if err != nil {
		return err
	}
	defer e.close()
	fmt.Printf("database: %s, %d users\n", e.db.Dialect(), *users)
	c := client(256)
	login := func(i int) result {
		u := e.users[i%*users]
		return timed(func() int {
			status, _, _ := loginOnce(c, e.url, e.school.Slug, u.Login)
			return status
		})
	}

	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	closedLoop(warm, *workers, func(i int) result { return login(*users + i) })
	// 2. sustained rate: every user logs in once, as fast as answered
	rs, d := closedLoop(*users, *workers, login)
	s := summarize(rs)
	sustained := float64(s.byStatus[200]) / d.Seconds()
	// this machine's speed drifts; compare with the hash rate measured
	// right before and right after
	after := rawHashRate(cores, *rawFor)
	fmt.Printf("raw argon2id again: %.1f hashes/s\n", after)
	raw = (raw + after) / 2
	fmt.Printf("sustained: %d logins in %.1f s = %.1f logins/s (%.0f %% of the raw rate %.1f); %s\n",
		s.byStatus[200], d.Seconds(), sustained, 100*sustained/raw, raw, s)

	// 3. latency at 80 % of the raw rate, open loop
	rate := 0.8 * raw
	n := min(*users, int(rate*20)) // about 20 s at most
	before := serverLatency(e.url, "POST /api/v1/auth/login")
	s = summarize(openLoop(n, rate, login))
	fmt.Printf("at 80 %% (%.1f logins/s offered): %s; server's own p99 %s\n", rate, s,
		bucketP99(before, serverLatency(e.url, "POST /api/v1/auth/login")))

	// 4. beyond capacity: refused fast, not timing out
	rate = *overload * raw
	n = min(3**users, int(rate*8)) // about 8 s
	s = summarize(openLoop(n, rate, login))
	fmt.Printf("overload at %.0fx (%.1f logins/s offered): %s\n", *overload, rate, s)
	return nil
}

func benchStartPage(args []string) error {
	fs := flag.NewFlagSet("startpage", flag.ExitOnError)
	users := fs.Int("users", 300, "logged-in students")
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	conns := fs.Int("connections", 32, "concurrent connections for the throughput phase")
	seconds := fs.Duration("duration", 10*time.Second, "length of each phase")
	hold := fs.Duration("hold", 0, "instead of measuring, keep the seeded server up this long and print a wrk command for it")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Parse(args)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	cores := runtime.GOMAXPROCS(0)
	fmt.Printf("machine: %d cores (GOMAXPROCS), %s/%s, %s\n", cores, runtime.GOOS, runtime.GOARCH, runtime.Version())
	e, err := start(*dsn, password.NewHasher(password.Fast, 0, 0), *users, password.Hash("x", password.Fast))
	if err != nil {
		return err
	}
	defer e.close()
	tokens, err := e.sessions()
	if err != nil {
		return err
	}
	fmt.Printf("database: %s, %d logged-in students\n", e.db.Dialect(), len(tokens))
	if *hold > 0 {
		fmt.Printf("wrk -t1 -c%d -d%s -H 'Cookie: schulhof_session=%s' %s/\n", *conns, *seconds, tokens[0], e.url)
		time.Sleep(*hold)
		return nil
	}
	c := client(512) // as many as the open loop has workers, so none is re-dialled
	get := func(i int) result {
		return timed(func() int { return getStatus(c, e.url+"/", "Cookie", "schulhof_session="+tokens[i%len(tokens)]) })
	}
	for i := 0; i < 2000; i++ { // warm up connections and statement caches
		get(i)
	}
	// throughput measured by wrk, when installed: a load generator in C
	// takes far less of the two cores than Go's HTTP client does
	wrkRPS := 0.0
	if path, err := exec.LookPath("wrk"); err == nil {
		// every request with the next student's session
		script := filepath.Join(os.TempDir(), fmt.Sprintf("schulhof-bench-%d.lua", os.Getpid()))
		lua := "tokens = {\"" + strings.Join(tokens, "\", \"") + "\"}\ni = 0\n" +
			"request = function()\n  i = i % #tokens + 1\n" +
			"  return wrk.format(\"GET\", \"/\", {[\"Cookie\"] = \"schulhof_session=\" .. tokens[i]})\nend\n"
		if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
			return err
		}
		defer os.Remove(script)
		out, err := exec.Command(path, "-t1", fmt.Sprintf("-c%d", *conns), fmt.Sprintf("-d%ds", int(seconds.Seconds())),
			"-s", script, e.url+"/").CombinedOutput()
		if err != nil {
			return fmt.Errorf("wrk: %v: %s", err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 && (f[0] == "Requests/sec:" || f[0] == "Latency" || f[0] == "Non-2xx") {
				fmt.Printf("wrk, %d connections, all sessions: %s\n", *conns, strings.Join(f, " "))
			}
			if len(f) == 2 && f[0] == "Requests/sec:" {
				fmt.Sscanf(f[1], "%g", &wrkRPS)
			}
		}
	} else {
		fmt.Println("wrk not installed (apt-get install wrk): throughput by the Go client only")
	}
	// throughput: as fast as answered for the duration
	var done atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var all []result
	stop := time.Now().Add(*seconds)
	t0 := time.Now()
	for w := 0; w < *conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var mine []result
			for i := w; time.Now().Before(stop); i += *conns {
				mine = append(mine, get(i))
				done.Add(1)
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	d := time.Since(t0)
	s := summarize(all)
	rps := float64(s.byStatus[200]) / d.Seconds()
	fmt.Printf("Go client, %d connections, all sessions: %.0f requests/s; %s\n", *conns, rps, s)
	rate := max(rps, wrkRPS) / 2
	before := serverLatency(e.url, "GET /{$}")
	s = summarize(openLoop(int(rate*seconds.Seconds()), rate, get))
	fmt.Printf("at half that load (%.0f requests/s offered, open loop): %s; server's own p99 %s\n", rate, s,
		bucketP99(before, serverLatency(e.url, "GET /{$}")))
	return nil
}

// rawHashRate is what the password hash alone reaches on all cores.
func rawHashRate(cores int, d time.Duration) float64 {
	var hashes atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for w := 0; w < cores; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				password.Hash(benchPassword, password.OWASP)
				hashes.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(hashes.Load()) / d.Seconds()
}

// sessions logs every seeded user in, as a login would: their tokens.
func (e *env) sessions() ([]string, error) {
	tokens := make([]string, len(e.users))
	now := time.Now()
	for i, u := range e.users {
		b := make([]byte, 32)
		rand.Read(b)
		tokens[i] = base64.RawURLEncoding.EncodeToString(b)
		h := sha256.Sum256([]byte(tokens[i]))
		if err := e.db.CreateSession(context.Background(), &schulhof.Session{TokenHash: h[:], UserID: u.ID, SchoolID: u.SchoolID,
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(schulhof.SessionIdleTimeout)}); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
