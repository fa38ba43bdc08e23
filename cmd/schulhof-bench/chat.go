package main

// schulhof-bench chat: the messenger under load, with the server in a
// process of its own (the real binary, SQLite) and the clients here, on
// loopback:
//   1. the server's memory per idle socket;
//   2. an announcement in the school's channel to every student's socket;
//   3. all classes chatting at once in their rooms.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/sqlstore"
)

func benchChat(args []string) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	classes := fs.Int("classes", 50, "class rooms")
	perClass := fs.Int("students", 30, "students per class")
	announcements := fs.Int("announcements", 20, "announcements to all sockets")
	perStudent := fs.Int("messages", 10, "messages each student writes in the chat test")
	idle := fs.Int("idle", 10000, "idle sockets for the memory measurement")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "schulhof-bench-chat")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// the school: classes of students, an admin, everyone with a session
	dbPath := filepath.Join(dir, "schulhof.db")
	db, err := sqlstore.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	sc := &schulhof.School{Slug: "chat", Name: "Gymnasium Lastheim", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, sc); err != nil {
		return err
	}
	admin := &schulhof.User{SchoolID: sc.ID, Login: "leitung", FirstName: "Lea", LastName: "Leitung", Role: schulhof.RoleSchoolAdmin}
	if err := db.CreateUser(ctx, admin, ""); err != nil {
		return err
	}
	adminTok, err := benchSession(ctx, db, admin)
	if err != nil {
		return err
	}
	type student struct {
		token string
		class int
	}
	var students []student
	firstOf := map[int]*schulhof.User{} // a student of each class, to find its room
	t0 := time.Now()
	for c := 0; c < *classes; c++ {
		g := &schulhof.Group{SchoolID: sc.ID, Name: fmt.Sprintf("%d%c", 5+c/8, 'a'+c%8), Kind: schulhof.GroupClass}
		if err := db.CreateGroup(ctx, g); err != nil {
			return err
		}
		for i := 0; i < *perClass; i++ {
			u := &schulhof.User{SchoolID: sc.ID, Login: fmt.Sprintf("s%d-%d", c, i), FirstName: "Schüler", LastName: strconv.Itoa(i), Role: schulhof.RoleStudent}
			if err := db.CreateUser(ctx, u, ""); err != nil {
				return err
			}
			if err := db.SetMember(ctx, sc.ID, g.ID, u.ID, schulhof.MemberRoleMember); err != nil {
				return err
			}
			if i == 0 {
				firstOf[c] = u
			}
			tok, err := benchSession(ctx, db, u)
			if err != nil {
				return err
			}
			students = append(students, student{tok, c})
		}
	}
	if err := db.EnsureRooms(ctx, sc.ID); err != nil {
		return err
	}
	rooms, err := db.FindRooms(ctx, admin)
	if err != nil {
		return err
	}
	schoolRoom := rooms[0].ID
	classRoom := map[int]schulhof.RoomID{}
	for c, u := range firstOf {
		theirs, err := db.FindRooms(ctx, u)
		if err != nil {
			return err
		}
		for _, r := range theirs {
			if r.Kind == schulhof.RoomGroup {
				classRoom[c] = r.ID
			}
		}
	}
	db.Close()
	fmt.Printf("%d students in %d classes with sessions, made in %s\n", len(students), *classes, time.Since(t0).Round(time.Millisecond))
	srv, base, err := startServerProcess(ctx, dir, "--chat-every", "1ms")
	if err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	fmt.Printf("server: pid %d, %s\n", srv.Process.Pid, rss(srv.Process.Pid))

	// 1. memory per idle socket, on the fresh server
	before := rssBytes(srv.Process.Pid)
	idleSocks := make([]*websocket.Conn, 0, *idle)
	for i := 0; i < *idle; i++ {
		ws, err := dialBench(ctx, base, students[i%len(students)].token)
		if err != nil {
			return fmt.Errorf("idle socket %d: %w", i, err)
		}
		idleSocks = append(idleSocks, ws)
	}
	time.Sleep(2 * time.Second)
	after := rssBytes(srv.Process.Pid)
	fmt.Printf("%d idle sockets: server RSS %.1f MiB -> %.1f MiB, %.1f KiB per socket (target <= 32 KiB)\n",
		*idle, float64(before)/(1<<20), float64(after)/(1<<20), float64(after-before)/float64(*idle)/1024)
	for _, ws := range idleSocks {
		ws.CloseNow()
	}

	// every student's socket, following the school's channel and their class
	var received atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	record := func(d time.Duration) {
		mu.Lock()
		latencies = append(latencies, d)
		mu.Unlock()
	}
	socks := make([]*websocket.Conn, len(students))
	readers := make([]*realtime.Reader, len(students))
	var wg sync.WaitGroup
	errs := make(chan error, len(students))
	sem := make(chan struct{}, 64)
	for i, st := range students {
		wg.Add(1)
		go func(i int, st student) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ws, err := dialBench(ctx, base, st.token)
			if err != nil {
				errs <- err
				return
			}
			r := realtime.NewReader(ws)
			for _, room := range []schulhof.RoomID{schoolRoom, classRoom[st.class]} {
				sub, _ := json.Marshal(map[string]string{"type": "subscribe", "topic": "room." + strconv.FormatInt(int64(room), 10)})
				if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
					errs <- err
					return
				}
				if _, err := r.Next(ctx); err != nil { // the ack
					errs <- err
					return
				}
			}
			socks[i], readers[i] = ws, r
		}(i, st)
	}
	wg.Wait()
	select {
	case err := <-errs:
		return fmt.Errorf("connect: %w", err)
	default:
	}
	fmt.Printf("%d sockets connected and subscribed; server %s\n", len(socks), rss(srv.Process.Pid))
	// readers: the time of each message.new against the time in its text
	// readers: the time of each message.new against the time in its text
	// ("...@UNIXNANO"), found in the raw frame: the load generator shares
	// the two cores with the server and must spend little on each event
	for _, ws := range socks {
		go func(ws *websocket.Conn) {
			newMsg, at := []byte(`"event":"message.new"`), []byte("@")
			for {
				_, frame, err := ws.Read(ctx)
				if err != nil {
					return
				}
				now := time.Now()
				for _, line := range bytes.Split(frame, []byte{'\n'}) {
					i := bytes.Index(line, at)
					if !bytes.Contains(line, newMsg) || i < 0 {
						continue
					}
					end := i + 1
					for end < len(line) && line[end] >= '0' && line[end] <= '9' {
						end++
					}
					if ns, err := strconv.ParseInt(string(line[i+1:end]), 10, 64); err == nil {
						record(now.Sub(time.Unix(0, ns)))
						received.Add(1)
					}
				}
			}
		}(ws)
	}
	c := client(64)
	post := func(token string, room schulhof.RoomID, text string) error {
		body, _ := json.Marshal(map[string]string{"text": text})
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/rooms/%d/messages", base, room), strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("post: status %d", resp.StatusCode)
		}
		return nil
	}
	waitFor := func(n int64, limit time.Duration) {
		deadline := time.Now().Add(limit)
		for received.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}

	// 2. announcements to everyone
	for i := 0; i < *announcements; i++ {
		if err := post(adminTok, schoolRoom, fmt.Sprintf("Durchsage %d @%d", i, time.Now().UnixNano())); err != nil {
			return err
		}
		waitFor(int64((i+1)*len(socks)), 10*time.Second)
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("announcement to %d sockets (%d announcements): %d deliveries, %s (target p99 < 50 ms)\n",
		len(socks), *announcements, received.Load(), latencySummary(latencies))

	// 3. all classes at once: every student writes, as fast as answered
	mu.Lock()
	latencies = latencies[:0]
	mu.Unlock()
	received.Store(0)
	var posted, failed atomic.Int64
	t0 = time.Now()
	var pw sync.WaitGroup
	for w := 0; w < 64; w++ {
		pw.Add(1)
		go func(w int) {
			defer pw.Done()
			for i := w; i < len(students)*(*perStudent); i += 64 {
				st := students[i%len(students)]
				if err := post(st.token, classRoom[st.class], fmt.Sprintf("Hallo @%d", time.Now().UnixNano())); err != nil {
					failed.Add(1)
					continue
				}
				posted.Add(1)
			}
		}(w)
	}
	pw.Wait()
	postTime := time.Since(t0)
	want := posted.Load() * int64(*perClass)
	waitFor(want, 30*time.Second)
	total := time.Since(t0)
	fmt.Printf("%d classes of %d chatting: %d messages stored in %s (%.0f messages/s, %d failed); %d of %d deliveries in %s (%.0f deliveries/s), %s (target >= 100,000/s, p99 < 100 ms)\n",
		*classes, *perClass, posted.Load(), postTime.Round(time.Millisecond), float64(posted.Load())/postTime.Seconds(), failed.Load(),
		received.Load(), want, total.Round(time.Millisecond), float64(received.Load())/total.Seconds(), latencySummary(latencies))
	for _, ws := range socks {
		ws.CloseNow()
	}

	return nil
}

// startServerProcess builds the real server and starts it in a process of
// its own on the data directory (SQLite), on a free loopback port, and
// waits until it is ready.
func startServerProcess(ctx context.Context, dir string, args ...string) (*exec.Cmd, string, error) {
	// the blob store's folders, which the server makes on its first start,
	// made before it starts: that is a few seconds of work not to measure
	blobs, err := blob.NewDisk(filepath.Join(dir, "files"))
	if err != nil {
		return nil, "", err
	}
	if err := blobs.PrepareShards(ctx); err != nil {
		return nil, "", err
	}
	bin := filepath.Join(dir, "schulhof")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/schulhof").CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("build the server: %v: %s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dir, "--log-level", "warn"}, args...)...)
	srv.Env = append(os.Environ(), "SCHULHOF_ADMIN_PASSWORD=bench-operator-passwort")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return srv, base, nil
			}
		}
		if i > 100 {
			srv.Process.Kill()
			srv.Wait()
			return nil, "", fmt.Errorf("the server did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func dialBench(ctx context.Context, base, token string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	return ws, err
}

func latencySummary(ds []time.Duration) string {
	rs := make([]result, len(ds))
	for i, d := range ds {
		rs[i] = result{status: 200, latency: d}
	}
	s := summarize(rs)
	return fmt.Sprintf("delivery p50 %s, p99 %s, max %s", ms(s.p50), ms(s.p99), ms(s.max))
}

// rssBytes is a process's resident memory, from /proc.
func rssBytes(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func rss(pid int) string { return fmt.Sprintf("RSS %.1f MiB", float64(rssBytes(pid))/(1<<20)) }
