package main

// schulhof-bench monday: Monday, 8:05. A school of 1,500 logs in at once
// and everything happens together, on this machine, with the load
// generator in this process and the servers in their own:
//
//   - 10,000 sockets connected: every student's (following the school's
//     channel and their class's) and more of the same sessions;
//   - one video class (the teacher's camera in three layers, four
//     students' cameras, five talking, the rest listening) and one live
//     whiteboard of 30 (the teacher and five students drawing), running
//     throughout;
//   - 1,500 logins in a burst, each followed by the start page and the
//     week's timetable;
//   - announcements to the 1,500 students' sockets, then every student
//     writing in their class's chat (39 classes of the generated school),
//     300 messages a second;
//   - then logins at three times what the hash allows: refused fast with
//     Retry-After, never left to time out.
//
// Run on three set-ups, each seeded afresh: "solo" (one node on SQLite,
// each module alone, one after the other: the figure of its own
// benchmark; the chats also as fast as they are taken, the capacity),
// "cluster" (two nodes on PostgreSQL, NATS and an S3 server,
// all at once) and "sqlite" (one node on SQLite, all at once: what one
// box holds). The figures of each module side by side, with the ratio to
// its solo figure.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/blob/s3test"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

func benchMonday(args []string) error {
	fs := flag.NewFlagSet("monday", flag.ContinueOnError)
	pgURL := fs.String("database-url", envOr("SCHULHOF_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"the cluster's PostgreSQL (a schema of its own is made and dropped)")
	natsURL := fs.String("nats-url", envOr("SCHULHOF_TEST_NATS", "nats://127.0.0.1:4222"), "the cluster's NATS")
	gen := fs.String("gen", "../shared/tools/gen-school", "gen-school, which makes the school")
	scale := fs.String("scale", "1.5", "size of the school (gen-school --scale); 1.5 is about 1,500 students")
	logins := fs.Int("logins", 1500, "users who log in in the burst")
	sockets := fs.Int("sockets", 10000, "sockets connected in all")
	announcements := fs.Int("announcements", 5, "announcements to every student's socket")
	writes := fs.Int("messages", 3, "messages each student writes in their class's chat")
	chatRate := fs.Float64("chat-rate", 300, "messages a second offered to the class chats while everything else goes on (alone, they are also sent as fast as taken)")
	workers := fs.Int("workers", 4*runtime.GOMAXPROCS(0), "clients logging in at once")
	setups := fs.String("setups", "solo,cluster,sqlite", "which set-ups, in this order")
	nodeMemory := fs.String("node-memory", "", "GOMEMLIMIT of each cluster node, e.g. 1GiB (docs/cluster.md: where nodes share a machine); empty: none")
	nodeProcs := fs.Int("node-procs", 0, "GOMAXPROCS of each cluster node (the cores its Go code and its password hashes take at once); 0: all")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "schulhof-bench-monday")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := buildSchulhof(dir)
	if err != nil {
		return err
	}
	cores := runtime.GOMAXPROCS(0)
	raw := rawHashRate(cores, 5*time.Second)
	fmt.Printf("machine: %d cores, %s; raw argon2id (m=19 MiB, t=2, p=1) on all cores: %.1f hashes/s\n\n", cores, runtime.Version(), raw)
	m := &monday{ctx: ctx, dir: dir, bin: bin, gen: *gen, scale: *scale, logins: *logins, sockets: *sockets,
		announcements: *announcements, writes: *writes, chatRate: *chatRate, nodeMemory: *nodeMemory, nodeProcs: *nodeProcs, workers: *workers, raw: raw, pgURL: *pgURL, natsURL: *natsURL}
	results := map[string]*mondayResult{}
	var order []string
	for _, name := range strings.Split(*setups, ",") {
		r, err := m.run(name)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results[name] = r
		order = append(order, name)
	}
	after := rawHashRate(cores, 5*time.Second)
	fmt.Printf("raw argon2id again: %.1f hashes/s\n\n", after)
	printMonday(order, results, (raw+after)/2)
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// monday is the run's settings.
type monday struct {
	ctx                   context.Context
	dir, bin, gen, scale  string
	logins, sockets       int
	announcements, writes int
	chatRate              float64
	nodeMemory            string
	nodeProcs             int
	workers               int
	raw                   float64
	pgURL, natsURL        string
	setupCount            int
}

// mondayResult is what one set-up measured.
type mondayResult struct {
	title              string
	login, start, week summary
	loginRate          float64 // logins/s in the burst
	burst              time.Duration
	chat               fanResult // at the rate
	chatFlood          fanResult // as fast as taken, alone
	board              drawingResult
	video              videoResult
	videoMissing       int
	overload           summary
	overloadRate       float64
	retryAfter         int // refusals that said when to come back
	errors             int // anything but success in the burst and the chats
	memory             int64
	memoryParts        string
	cpu                cpuShare
}

// run seeds a set-up, starts it, and drives it.
func (m *monday) run(name string) (*mondayResult, error) {
	m.setupCount++
	dir := filepath.Join(m.dir, fmt.Sprintf("%d-%s", m.setupCount, name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var d *deployment
	var err error
	switch name {
	case "solo", "sqlite":
		d, err = m.deploySQLite(dir)
	case "cluster":
		d, err = m.deployCluster(dir, 2)
	default:
		err = fmt.Errorf("unknown set-up %q (solo, cluster, sqlite)", name)
	}
	if err != nil {
		return nil, err
	}
	defer d.close()
	fmt.Printf("== %s: %s\n", name, d.title)
	r := &mondayResult{title: d.title}
	if name == "solo" {
		err = m.solo(d, r)
	} else {
		err = m.together(d, r)
	}
	if err != nil {
		return nil, err
	}
	r.memory, r.memoryParts = d.memory()
	fmt.Printf("memory: %s = %.2f GiB\n\n", r.memoryParts, float64(r.memory)/(1<<30))
	return r, nil
}

// solo runs each module alone, one after the other.
func (m *monday) solo(d *deployment, r *mondayResult) error {
	m.loginBurst(d, r)
	fan := d.school.fan(d.bases)
	socks, err := connectFan(m.ctx, fan, len(d.school.tokens))
	if err != nil {
		return err
	}
	r.chatFlood = socks.run(fan, d.school.classOf, 0, m.writes, 0)
	fmt.Println(r.chatFlood)
	r.chat = socks.run(fan, d.school.classOf, m.announcements, m.writes, m.chatRate)
	socks.close()
	fmt.Println(r.chat)
	dr, err := startDrawing(m.ctx, d.bases, []boardRoom{d.school.board}, 20)
	if err != nil {
		return err
	}
	time.Sleep(15 * time.Second)
	r.board = dr.stop()
	fmt.Printf("whiteboard of %d: %s\n", len(d.school.board.members), r.board)
	class, err := d.seatVideo()
	if err != nil {
		return err
	}
	w := beginVideo(class.peers, 0)
	time.Sleep(15 * time.Second)
	r.video, r.videoMissing = w.end(), class.missing
	class.close()
	fmt.Printf("video class of %d: %s\n", len(class.peers), videoLine(r.video, r.videoMissing))
	m.overload(d, r)
	return nil
}

// together runs everything at once.
func (m *monday) together(d *deployment, r *mondayResult) error {
	// the sockets: every student's, then more of the same sessions, idle
	fan := d.school.fan(d.bases)
	t0 := time.Now()
	socks, err := connectFan(m.ctx, fan, len(d.school.tokens))
	if err != nil {
		return err
	}
	defer socks.close()
	idle, err := idleSockets(m.ctx, d.bases, d.school.tokens, m.sockets-len(d.school.tokens)-len(d.school.board.members)-len(d.school.callSeats))
	defer func() {
		for _, ws := range idle {
			ws.CloseNow()
		}
	}()
	if err != nil {
		return err
	}
	// the video class and the lesson on the board, throughout (the
	// class enters first: thirty connections' handshakes at once are a
	// moment's work for all cores, which is not the board's to measure)
	class, err := d.seatVideo()
	if err != nil {
		return err
	}
	defer class.close()
	dr, err := startDrawing(m.ctx, d.bases, []boardRoom{d.school.board}, 20)
	if err != nil {
		return err
	}
	fmt.Printf("%d sockets connected in %s (%d students', %d idle, %d on the board, %d in the video class)\n",
		len(socks.socks)+len(idle)+len(d.school.board.members)+len(class.peers), time.Since(t0).Round(time.Millisecond),
		len(socks.socks), len(idle), len(d.school.board.members), len(class.peers))
	time.Sleep(5 * time.Second) // the video's layers settle
	w := beginVideo(class.peers, 0)
	cpu0, t1 := d.cpu(), time.Now()
	m.loginBurst(d, r)
	r.chat = socks.run(fan, d.school.classOf, m.announcements, m.writes, m.chatRate)
	fmt.Println(r.chat)
	r.board = dr.stop()
	r.video, r.videoMissing = w.end(), class.missing
	r.cpu = d.cpu().since(cpu0, time.Since(t1))
	fmt.Println(r.cpu)
	fmt.Printf("whiteboard of %d, meanwhile: %s\n", len(d.school.board.members), r.board)
	fmt.Printf("video class of %d, meanwhile: %s\n", len(class.peers), videoLine(r.video, r.videoMissing))
	m.overload(d, r)
	return nil
}

func videoLine(v videoResult, missing int) string {
	s := fmt.Sprintf("%.0f packets/s forwarded, loss %.3f %%, jitter %.2f ms (p99 %.2f ms)", v.fwdRate, v.lossPct, v.jitter, v.jitterP99)
	if missing > 0 {
		s += fmt.Sprintf(", %d tracks never arrived", missing)
	}
	return s
}

// loginBurst: every user logs in (workers at once, the nodes in turn),
// then loads the start page and the week's timetable on the next node.
func (m *monday) loginBurst(d *deployment, r *mondayResult) {
	sc := d.school
	n := min(m.logins, len(sc.logins))
	c := client(256)
	starts, weeks := make([]result, n), make([]result, n)
	get := func(url string, header ...string) result {
		return timed(func() int { return getStatus(c, url, header...) })
	}
	logins, took := closedLoop(n, m.workers, func(i int) result {
		base, next := d.bases[i%len(d.bases)], d.bases[(i+1)%len(d.bases)]
		var token string
		res := timed(func() int {
			status, tok, _ := loginOnce(c, base, sc.slug, sc.logins[i])
			token = tok
			return status
		})
		if res.status == http.StatusOK {
			starts[i] = get(next+"/", "Cookie", "schulhof_session="+token)
			weeks[i] = get(base+"/api/v1/me/timetable?week="+sc.week, "Authorization", "Bearer "+token)
		}
		return res
	})
	r.login, r.start, r.week = summarize(logins), summarize(starts), summarize(weeks)
	r.burst, r.loginRate = took, float64(r.login.byStatus[200])/took.Seconds()
	for _, s := range []summary{r.login, r.start, r.week} {
		r.errors += s.n - s.byStatus[200]
	}
	fmt.Printf("%d logins in %.1f s = %.1f logins/s (%.0f %% of the raw hash rate); login %s\n", n, took.Seconds(), r.loginRate, 100*r.loginRate/m.raw, r.login)
	fmt.Printf("start page: %s\nweek view: %s\n", r.start, r.week)
}

// overload offers logins at three times the raw hash rate for eight
// seconds: what the servers cannot do now they must refuse at once, with
// Retry-After.
func (m *monday) overload(d *deployment, r *mondayResult) {
	sc := d.school
	c := client(512)
	var retry atomic.Int64
	r.overloadRate = 3 * m.raw
	n := int(r.overloadRate * 8)
	rs := openLoop(n, r.overloadRate, func(i int) result {
		return timed(func() int {
			status, _, retryAfter := loginOnce(c, d.bases[i%len(d.bases)], sc.slug, sc.logins[i%len(sc.logins)])
			if retryAfter {
				retry.Add(1)
			}
			return status
		})
	})
	r.overload, r.retryAfter = summarize(rs), int(retry.Load())
	fmt.Printf("logins at 3× the raw hash rate (%.0f/s offered for 8 s): %s; %d refusals with Retry-After\n", r.overloadRate, r.overload, r.retryAfter)
}

// idleSockets opens n more sockets of the sessions, on the nodes in
// turn, that follow nothing and are read only for the socket's own pings.
func idleSockets(ctx context.Context, bases, tokens []string, n int) ([]*websocket.Conn, error) {
	socks := make([]*websocket.Conn, max(n, 0))
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	sem := make(chan struct{}, 64)
	for i := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ws, err := dialBench(ctx, bases[i%len(bases)], tokens[i%len(tokens)])
			if err != nil {
				failed.Store(&err)
				return
			}
			ws.CloseRead(ctx)
			socks[i] = ws
		}()
	}
	wg.Wait()
	socks = slices.DeleteFunc(socks, func(ws *websocket.Conn) bool { return ws == nil })
	if err := failed.Load(); err != nil {
		return socks, fmt.Errorf("idle socket: %w", *err)
	}
	return socks, nil
}

// ---- the set-ups ---------------------------------------------------------------

// deployment is Schulhof running for the benchmark.
type deployment struct {
	title  string
	bases  []string
	nodes  []*exec.Cmd
	school *mondaySchool
	// infra names the processes of the services the nodes use, for
	// their memory
	infra []string
	stop  []func()
}

func (d *deployment) close() {
	for _, n := range d.nodes {
		n.Process.Signal(os.Interrupt)
		n.Wait()
	}
	for _, f := range slices.Backward(d.stop) {
		f()
	}
}

// memory is the nodes' peak resident memory and the services' present
// proportional share (PostgreSQL's processes share their buffers).
func (d *deployment) memory() (int64, string) {
	var total int64
	var parts []string
	for i, n := range d.nodes {
		b := procField(n.Process.Pid, "status", "VmHWM:")
		total += b
		parts = append(parts, fmt.Sprintf("node %d %.0f MiB (peak)", i+1, float64(b)/(1<<20)))
	}
	for _, name := range d.infra {
		var b int64
		for _, pid := range pidsOf(name) {
			b += procField(pid, "smaps_rollup", "Pss:")
		}
		total += b
		parts = append(parts, fmt.Sprintf("%s %.0f MiB", name, float64(b)/(1<<20)))
	}
	return total, strings.Join(parts, " + ")
}

// cpuUse is the CPU time the nodes, the services and the load generator
// have used.
type cpuUse struct{ nodes, services, generator float64 }

func (d *deployment) cpu() cpuUse {
	var u cpuUse
	for _, n := range d.nodes {
		u.nodes += cpuSeconds(n.Process.Pid)
	}
	for _, name := range d.infra {
		for _, pid := range pidsOf(name) {
			u.services += cpuSeconds(pid)
		}
	}
	u.generator = cpuSeconds(os.Getpid())
	return u
}

// cpuShare is who used the cores how much over a stretch.
type cpuShare struct {
	cpuUse
	wall time.Duration
}

func (u cpuUse) since(before cpuUse, wall time.Duration) cpuShare {
	return cpuShare{cpuUse{u.nodes - before.nodes, u.services - before.services, u.generator - before.generator}, wall}
}

func (c cpuShare) String() string {
	if c.wall == 0 {
		return ""
	}
	w := c.wall.Seconds()
	return fmt.Sprintf("CPU over the %.0f s of the mix: nodes %.2f cores, services %.2f, load generator %.2f (of %d)",
		w, c.nodes/w, c.services/w, c.generator/w, runtime.NumCPU())
}

// pidsOf are the processes of the name.
func pidsOf(name string) []int {
	out, _ := exec.Command("pgrep", "-x", name).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// procField is a field in kB of /proc/PID/FILE, in bytes.
func procField(pid int, file, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// deploySQLite seeds a school into dir's SQLite database and starts one
// node on it.
func (m *monday) deploySQLite(dir string) (*deployment, error) {
	d := &deployment{title: "one node, SQLite, files on the disk"}
	sc, err := m.seed(filepath.Join(dir, "schulhof.db"))
	if err != nil {
		return nil, err
	}
	d.school = sc
	blobs, err := blob.NewDisk(filepath.Join(dir, "files"))
	if err != nil {
		return nil, err
	}
	if err := blobs.PrepareShards(m.ctx); err != nil { // as the first start does; not what is measured
		return nil, err
	}
	return d, d.startNodes(m.bin, []string{dir}, nil)
}

// deployCluster starts an S3 server, makes a schema in PostgreSQL,
// seeds the school into it and starts nodes on it, with NATS between
// them.
func (m *monday) deployCluster(dir string, nodes int) (*deployment, error) {
	d := &deployment{title: fmt.Sprintf("%d nodes, PostgreSQL, NATS, S3 (versitygw)", nodes), infra: []string{"postgres", "nats-server", "versitygw"}}
	s3, stop, err := s3test.Run(filepath.Join(dir, "s3"))
	if err != nil {
		return nil, err
	}
	d.stop = append(d.stop, stop)
	dsn, drop, err := sqltest.Schema(m.pgURL, "bench_monday")
	if err != nil {
		d.close()
		return nil, err
	}
	d.stop = append(d.stop, drop)
	if d.school, err = m.seed(dsn); err != nil {
		d.close()
		return nil, err
	}
	env := []string{"SCHULHOF_DATABASE_URL=" + dsn, "SCHULHOF_NATS_URL=" + m.natsURL,
		"SCHULHOF_S3_ENDPOINT=" + s3.Endpoint, "SCHULHOF_S3_BUCKET=" + s3.Bucket,
		"SCHULHOF_S3_ACCESS_KEY=" + s3.AccessKey, "SCHULHOF_S3_SECRET_KEY=" + s3.SecretKey}
	if m.nodeMemory != "" {
		env = append(env, "GOMEMLIMIT="+m.nodeMemory)
		d.title += ", GOMEMLIMIT=" + m.nodeMemory + " per node"
	}
	if m.nodeProcs > 0 {
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", m.nodeProcs))
		d.title += fmt.Sprintf(", GOMAXPROCS=%d per node", m.nodeProcs)
	}
	var dirs []string
	for i := range nodes {
		dirs = append(dirs, filepath.Join(dir, fmt.Sprintf("node%d", i+1)))
	}
	if err := d.startNodes(m.bin, dirs, env); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// startNodes starts a node on each data folder, the first alone (it
// migrates), each on a free loopback port with its media on loopback.
func (d *deployment) startNodes(bin string, dirs, env []string) error {
	for i, dir := range dirs {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(bin, "serve", "--addr", addr, "--data", dir, "--log-level", "warn", "--media-ip", "127.0.0.1")
		cmd.Env = append(append(os.Environ(), "SCHULHOF_ADMIN_PASSWORD=bench-operator-passwort"), env...)
		// the node's log beside its data: the refused logins of the
		// overload are logged one by one
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		logFile, err := os.Create(filepath.Join(dir, "node.log"))
		if err != nil {
			return err
		}
		d.stop = append(d.stop, func() { logFile.Close() })
		cmd.Stderr = logFile
		if err := cmd.Start(); err != nil {
			return err
		}
		d.nodes = append(d.nodes, cmd)
		d.bases = append(d.bases, "http://"+addr)
		if i == 0 || i == len(dirs)-1 {
			for _, base := range d.bases {
				if err := waitReady(base); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func waitReady(base string) error {
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if i > 300 {
			return fmt.Errorf("%s did not start", base)
		}
		time.Sleep(100 * time.Millisecond) // polling the node's own readiness
	}
}

// ---- the school -----------------------------------------------------------------

// mondaySchool is the generated school, ready for the morning.
type mondaySchool struct {
	chatSchool
	slug   string
	week   string   // the timetable's week
	logins []string // who logs in: the students, then the teachers
	board  boardRoom
	// the video class's call, and who is in it: the teacher first
	call      schulhof.CallID
	callSeats []callSeat
}

// seed imports a generated school into the database at dsn: everyone
// with the one password, every student with a session for their socket,
// the messenger's rooms, a class's board and another class's video call.
func (m *monday) seed(dsn string) (*mondaySchool, error) {
	ctx := m.ctx
	t0 := time.Now()
	b, cleanup, err := setUpSchool(ctx, dsn, m.gen, m.scale)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	db, school := b.db, b.school
	sc := &mondaySchool{slug: school.Slug, week: "2027-W05"}
	hash := password.Hash(benchPassword, password.OWASP)
	var students, teachers []*schulhof.User
	for after := ""; ; {
		page, next, err := db.FindUsers(ctx, schulhof.UserFilter{SchoolID: school.ID, After: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, u := range page {
			if err := db.SetPassword(ctx, school.ID, u.ID, hash, false); err != nil {
				return nil, err
			}
			switch u.Role {
			case schulhof.RoleStudent:
				students = append(students, u)
			case schulhof.RoleTeacher:
				teachers = append(teachers, u)
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	for _, u := range append(slices.Clone(students), teachers...) {
		sc.logins = append(sc.logins, u.Login)
	}
	admin := &schulhof.User{SchoolID: school.ID, Login: "leitung", FirstName: "Lea", LastName: "Leitung", Role: schulhof.RoleSchoolAdmin}
	if err := db.CreateUser(ctx, admin, ""); err != nil {
		return nil, err
	}
	if sc.admin, err = benchSession(ctx, db, admin); err != nil {
		return nil, err
	}
	if err := db.EnsureRooms(ctx, school.ID); err != nil {
		return nil, err
	}
	if sc.schoolRoom, err = roomOf(ctx, db, admin, schulhof.RoomSchool); err != nil {
		return nil, err
	}
	// each class: its students' sessions and its room
	classes, err := db.FindGroups(ctx, schulhof.GroupFilter{SchoolID: school.ID, Kind: schulhof.GroupClass})
	if err != nil {
		return nil, err
	}
	var big []*schulhof.Group // classes of 29 students or more: the board's and the video's
	classStudents := map[schulhof.GroupID][]*schulhof.User{}
	for c, g := range classes {
		members, err := db.FindMembers(ctx, school.ID, g.ID)
		if err != nil {
			return nil, err
		}
		var room schulhof.RoomID
		for _, mb := range members {
			if mb.User.Role != schulhof.RoleStudent {
				continue
			}
			if room == 0 {
				if room, err = groupRoom(ctx, db, mb.User, g.ID); err != nil {
					return nil, err
				}
			}
			tok, err := benchSession(ctx, db, mb.User)
			if err != nil {
				return nil, err
			}
			sc.tokens, sc.classOf, sc.classRoom = append(sc.tokens, tok), append(sc.classOf, c), append(sc.classRoom, room)
			classStudents[g.ID] = append(classStudents[g.ID], mb.User)
		}
		if len(classStudents[g.ID]) >= 29 {
			big = append(big, g)
		}
	}
	if len(big) < 2 || len(teachers) < 2 {
		return nil, fmt.Errorf("the school has %d classes of 29 and %d teachers: too small for the board and the video class", len(big), len(teachers))
	}
	// a class's board: the teacher and five students draw
	bt := teachers[0]
	if err := db.SetMember(ctx, school.ID, big[0].ID, bt.ID, schulhof.MemberRoleLeader); err != nil {
		return nil, err
	}
	bd := &schulhof.Board{Title: "Tafel " + big[0].Name, GroupID: big[0].ID, Access: schulhof.BoardDraw}
	if err := board.Create(ctx, db, bt, bd); err != nil {
		return nil, err
	}
	sc.board.id = bd.ID
	for i, u := range append([]*schulhof.User{bt}, classStudents[big[0].ID][:29]...) {
		tok, err := benchSession(ctx, db, u)
		if err != nil {
			return nil, err
		}
		sc.board.members = append(sc.board.members, boardMember{token: tok, draws: i <= 5})
	}
	// another class's video lesson
	vt := teachers[1]
	if err := db.SetMember(ctx, school.ID, big[1].ID, vt.ID, schulhof.MemberRoleLeader); err != nil {
		return nil, err
	}
	call, err := db.OpenGroupCall(ctx, vt, big[1].ID)
	if err != nil {
		return nil, err
	}
	sc.call = call.ID
	for _, u := range append([]*schulhof.User{vt}, classStudents[big[1].ID][:29]...) {
		tok, err := benchSession(ctx, db, u)
		if err != nil {
			return nil, err
		}
		sc.callSeats = append(sc.callSeats, callSeat{token: tok, user: u.ID})
	}
	fmt.Printf("school seeded in %s: %d users who log in, %d students in %d classes\n", time.Since(t0).Round(time.Millisecond),
		len(sc.logins), len(sc.tokens), len(classes))
	return sc, nil
}

// groupRoom is the room of the user's group.
func groupRoom(ctx context.Context, db *sqlstore.DB, u *schulhof.User, g schulhof.GroupID) (schulhof.RoomID, error) {
	rooms, err := db.FindRooms(ctx, u)
	if err != nil {
		return 0, err
	}
	for _, r := range rooms {
		if r.GroupID == g {
			return r.ID, nil
		}
	}
	return 0, fmt.Errorf("%s has no room of group %d", u.Login, g)
}

// ---- the video class on the nodes ------------------------------------------------

// nodeCall is a class's video call on the nodes: each in it on the next
// node, signalling over their socket as the call page does.
type nodeCall struct {
	call  schulhof.CallID
	seats []callSeat
	bases []string
	mu    sync.Mutex
	conns []*callConn
}

// callSeat is one of the class: their session.
type callSeat struct {
	token string
	user  schulhof.UserID
}

// callConn is one's socket in the call.
type callConn struct {
	ws   *websocket.Conn
	mu   sync.Mutex
	next int
	acks map[string]chan *realtime.Envelope
}

// seatedClass is the video class running.
type seatedClass struct {
	peers   []*benchPeer
	missing int
	call    *nodeCall
}

func (c *seatedClass) close() {
	for _, p := range c.peers {
		p.close()
	}
	c.call.close()
}

// seatVideo has the class enter the call, the teacher first.
func (d *deployment) seatVideo() (*seatedClass, error) {
	nc := &nodeCall{call: d.school.call, seats: d.school.callSeats, bases: d.bases}
	api, err := rtc.ClientAPI(func(ip net.IP) bool { return ip.IsLoopback() })
	if err != nil {
		return nil, err
	}
	peers, missing, err := seatClasses(api, nc, 1, len(nc.seats), 5)
	c := &seatedClass{peers: peers, missing: missing, call: nc}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

var _ signaller = (*nodeCall)(nil)

func (nc *nodeCall) topic() string { return "call." + strconv.FormatInt(int64(nc.call), 10) }

// publish: the peer's socket on its node follows its own topic (the
// node's offers come there), joins the call, follows it, and sends what
// it sends.
func (nc *nodeCall) publish(p *benchPeer, offer string, sources map[string]string) (string, error) {
	seat := nc.seats[p.seat]
	ctx := context.Background()
	ws, err := dialBench(ctx, nc.bases[p.seat%len(nc.bases)], seat.token)
	if err != nil {
		return "", err
	}
	cc := &callConn{ws: ws, acks: map[string]chan *realtime.Envelope{}}
	nc.mu.Lock()
	nc.conns = append(nc.conns, cc)
	nc.mu.Unlock()
	go func() {
		r := realtime.NewReader(ws)
		for {
			e, err := r.Next(ctx)
			if err != nil {
				return
			}
			if e.Type == realtime.TypeEvent && e.Event == "call.offer" {
				go nc.answer(cc, p, e.Data)
				continue
			}
			cc.mu.Lock()
			ch := cc.acks[e.ID]
			delete(cc.acks, e.ID)
			cc.mu.Unlock()
			if ch != nil {
				ch <- e
			}
		}
	}()
	if _, err := cc.request("subscribe", "user."+strconv.FormatInt(int64(seat.user), 10), "", nil); err != nil {
		return "", err
	}
	joined, err := cc.request("send", nc.topic(), "join", map[string]any{})
	if err != nil {
		return "", err
	}
	var j struct {
		Waiting bool
		Peer    string
	}
	json.Unmarshal(joined, &j)
	if j.Waiting {
		return "", errors.New("waits in the lobby")
	}
	peer := j.Peer
	if _, err := cc.request("subscribe", nc.topic(), "", nil); err != nil {
		return "", err
	}
	if offer == "" {
		return "", nil
	}
	published, err := cc.request("send", nc.topic(), "publish", map[string]any{"peer": peer, "sdp": offer, "sources": sources})
	if err != nil {
		return "", err
	}
	var a struct{ SDP string }
	json.Unmarshal(published, &a)
	// what it sends is on (a source the page has off is not forwarded),
	// once its answer is there: the node may send before
	go func() {
		if _, err := cc.request("send", nc.topic(), "state", map[string]any{"peer": peer, "microphone": p.audio, "camera": len(p.video) > 0}); err != nil {
			fmt.Fprintf(os.Stderr, "%s: state: %v\n", p.name, err)
		}
	}()
	return a.SDP, nil
}

// answer answers the node's offer of what the peer receives.
func (nc *nodeCall) answer(cc *callConn, p *benchPeer, data json.RawMessage) {
	var o struct{ Peer, SDP string }
	json.Unmarshal(data, &o)
	answer, err := p.answerOffer(o.SDP)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: answer: %v\n", p.name, err)
		return
	}
	if _, err := cc.request("send", nc.topic(), "answer", map[string]any{"peer": o.Peer, "sdp": answer}); err != nil {
		fmt.Fprintf(os.Stderr, "%s: answer: %v\n", p.name, err)
	}
}

// subscribe: the node sends each peer everyone else on its own.
func (nc *nodeCall) subscribe(*benchPeer, []*benchPeer) error { return nil }

func (nc *nodeCall) pid() int { return 0 }

func (nc *nodeCall) close() {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	for _, cc := range nc.conns {
		cc.ws.CloseNow()
	}
}

// request sends an envelope and waits for its answer: the answer's data.
func (cc *callConn) request(typ, topic, event string, data any) (json.RawMessage, error) {
	cc.mu.Lock()
	cc.next++
	id := "r" + strconv.Itoa(cc.next)
	ch := make(chan *realtime.Envelope, 1)
	cc.acks[id] = ch
	cc.mu.Unlock()
	env := map[string]any{"type": typ, "id": id, "topic": topic}
	if event != "" {
		env["event"], env["data"] = event, data
	}
	b, _ := json.Marshal(env)
	if err := cc.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		return nil, err
	}
	select {
	case e := <-ch:
		if e.Type != realtime.TypeAck {
			return nil, fmt.Errorf("%s %s %s: %+v", typ, topic, event, e.Error)
		}
		return e.Data, nil
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("%s %s %s: no answer", typ, topic, event)
	}
}

// ---- the report --------------------------------------------------------------------

func printMonday(order []string, rs map[string]*mondayResult, raw float64) {
	solo := rs["solo"]
	fmt.Printf("%-22s", "")
	for _, name := range order {
		fmt.Printf(" %-34s", name)
	}
	fmt.Println()
	row := func(label string, cell func(r *mondayResult) (string, float64)) {
		fmt.Printf("%-22s", label)
		var base float64
		if solo != nil {
			_, base = cell(solo)
		}
		for _, name := range order {
			s, v := cell(rs[name])
			if name != "solo" && solo != nil && base > 0 {
				s += fmt.Sprintf(" (%.2f×)", v/base)
			}
			fmt.Printf(" %-34s", s)
		}
		fmt.Println()
	}
	p := func(s summary) (string, float64) {
		return fmt.Sprintf("%s / %s", ms(s.p50), ms(s.p99)), float64(s.p99)
	}
	dp := func(ds []time.Duration) (string, float64) { return p(summarize(durationResults(ds))) }
	row("logins/s (of raw)", func(r *mondayResult) (string, float64) {
		return fmt.Sprintf("%.1f (%.0f %%)", r.loginRate, 100*r.loginRate/raw), r.loginRate
	})
	row("login p50 / p99", func(r *mondayResult) (string, float64) { return p(r.login) })
	row("start page p50 / p99", func(r *mondayResult) (string, float64) { return p(r.start) })
	row("week view p50 / p99", func(r *mondayResult) (string, float64) { return p(r.week) })
	row("announcement p50/p99", func(r *mondayResult) (string, float64) { return dp(r.chat.announceLat) })
	row("class chats, capacity", func(r *mondayResult) (string, float64) {
		if r.chatFlood.posted == 0 {
			return "", 0
		}
		return fmt.Sprintf("%.0f msg/s, %.0f deliveries/s", float64(r.chatFlood.posted)/r.chatFlood.postTime.Seconds(), r.chatFlood.deliveriesPerSecond()), 0
	})
	row("class chats /s", func(r *mondayResult) (string, float64) {
		return fmt.Sprintf("%.0f deliveries", r.chat.deliveriesPerSecond()), r.chat.deliveriesPerSecond()
	})
	row("class chats p50/p99", func(r *mondayResult) (string, float64) { return dp(r.chat.chatLat) })
	row("whiteboard /s", func(r *mondayResult) (string, float64) {
		v := float64(r.board.delivered) / r.board.took.Seconds()
		return fmt.Sprintf("%.0f deliveries", v), v
	})
	row("whiteboard p50/p99", func(r *mondayResult) (string, float64) { return dp(r.board.latencies) })
	row("video packets/s", func(r *mondayResult) (string, float64) { return fmt.Sprintf("%.0f", r.video.fwdRate), r.video.fwdRate })
	row("video loss, jitter", func(r *mondayResult) (string, float64) {
		return fmt.Sprintf("%.3f %%, %.2f ms", r.video.lossPct, r.video.jitter), r.video.jitter
	})
	row("errors", func(r *mondayResult) (string, float64) {
		return strconv.Itoa(r.errors + int(r.chat.failed) + int(r.board.refused)), 0
	})
	row("3× logins: refused", func(r *mondayResult) (string, float64) {
		refused := r.overload.byStatus[429] + r.overload.byStatus[503]
		return fmt.Sprintf("%d of %d, p99 %s", refused, r.overload.n, ms(r.overload.p99Status[503])), 0
	})
	row("  timeouts, no Retry-After", func(r *mondayResult) (string, float64) {
		refused := r.overload.byStatus[429] + r.overload.byStatus[503]
		return fmt.Sprintf("%d, %d", r.overload.byStatus[0], refused-r.retryAfter), 0
	})
	row("CPU: nodes+services", func(r *mondayResult) (string, float64) {
		if r.cpu.wall == 0 {
			return "", 0
		}
		return fmt.Sprintf("%.2f cores", (r.cpu.nodes+r.cpu.services)/r.cpu.wall.Seconds()), 0
	})
	row("CPU: load generator", func(r *mondayResult) (string, float64) {
		if r.cpu.wall == 0 {
			return "", 0
		}
		return fmt.Sprintf("%.2f cores", r.cpu.generator/r.cpu.wall.Seconds()), 0
	})
	row("memory", func(r *mondayResult) (string, float64) {
		return fmt.Sprintf("%.2f GiB", float64(r.memory)/(1<<30)), float64(r.memory)
	})
}
