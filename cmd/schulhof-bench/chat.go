package main

// schulhof-bench chat: the messenger under load, with the server in a
// process of its own (the real binary, SQLite) and the clients here, on
// loopback:
//   1. the server's memory per idle socket;
//   2. an announcement in the school's channel to every student's socket;
//   3. all classes chatting at once in their rooms.

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
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
	cs, srv, base, stop, err := startChatSchool(ctx, "chat", *classes, *perClass)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("server: pid %d, %s\n", srv.Process.Pid, rss(srv.Process.Pid))

	// 1. memory per idle socket, on the fresh server
	before := rssBytes(srv.Process.Pid)
	idleSocks := make([]*websocket.Conn, 0, *idle)
	for i := 0; i < *idle; i++ {
		ws, err := dialBench(ctx, base, cs.tokens[i%len(cs.tokens)])
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

	// 2. and 3. every student's socket following the school's channel and
	// their class: announcements to all, then every class chatting
	fan := cs.fan([]string{base})
	socks, err := connectFan(ctx, fan, len(cs.tokens))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer socks.close()
	fmt.Printf("%d sockets connected and subscribed; server %s\n", len(socks.socks), rss(srv.Process.Pid))
	r := socks.run(fan, cs.classOf, *announcements, *perStudent, 0)
	fmt.Printf("%s (targets: announcement p99 < 50 ms; class chats >= 100,000 deliveries/s, p99 < 100 ms)\n", r)
	return nil
}

// chatSchool is a school of classes whose students have sessions, and
// its messenger's rooms.
type chatSchool struct {
	admin      string   // the school admin's session
	tokens     []string // each student's session
	classOf    []int    // each student's class
	classRoom  []schulhof.RoomID
	schoolRoom schulhof.RoomID
}

// startChatSchool makes the school in a temporary folder and starts the
// server on it in a process of its own (the flood limit lifted, so that
// it does not stop the load); stop ends the server and removes the
// folder.
func startChatSchool(ctx context.Context, name string, classes, perClass int) (cs *chatSchool, srv *exec.Cmd, base string, stop func(), err error) {
	dir, err := os.MkdirTemp("", "schulhof-bench-"+name)
	if err != nil {
		return nil, nil, "", nil, err
	}
	t0 := time.Now()
	if cs, err = seedChatSchool(ctx, filepath.Join(dir, "schulhof.db"), classes, perClass); err == nil {
		fmt.Printf("%d students in %d classes with sessions, made in %s\n", len(cs.tokens), classes, time.Since(t0).Round(time.Millisecond))
		srv, base, err = startServerProcess(ctx, dir, "--chat-every", "1ms")
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, "", nil, err
	}
	return cs, srv, base, func() {
		srv.Process.Signal(os.Interrupt)
		srv.Wait()
		os.RemoveAll(dir)
	}, nil
}

// seedChatSchool makes the school in a fresh SQLite database at path.
func seedChatSchool(ctx context.Context, path string, classes, perClass int) (*chatSchool, error) {
	db, err := sqlstore.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sc := &schulhof.School{Slug: "chat", Name: "Gymnasium Lastheim", State: "NW", Type: "gymnasium"}
	if err := db.CreateSchool(ctx, sc); err != nil {
		return nil, err
	}
	admin := &schulhof.User{SchoolID: sc.ID, Login: "leitung", FirstName: "Lea", LastName: "Leitung", Role: schulhof.RoleSchoolAdmin}
	if err := db.CreateUser(ctx, admin, ""); err != nil {
		return nil, err
	}
	cs := &chatSchool{}
	if cs.admin, err = benchSession(ctx, db, admin); err != nil {
		return nil, err
	}
	var members [][]*schulhof.User
	for c := 0; c < classes; c++ {
		g := &schulhof.Group{SchoolID: sc.ID, Name: fmt.Sprintf("%d%c", 5+c/8, 'a'+c%8), Kind: schulhof.GroupClass}
		if err := db.CreateGroup(ctx, g); err != nil {
			return nil, err
		}
		var class []*schulhof.User
		for i := 0; i < perClass; i++ {
			u := &schulhof.User{SchoolID: sc.ID, Login: fmt.Sprintf("s%d-%d", c, i), FirstName: "Schüler", LastName: strconv.Itoa(i), Role: schulhof.RoleStudent}
			if err := db.CreateUser(ctx, u, ""); err != nil {
				return nil, err
			}
			if err := db.SetMember(ctx, sc.ID, g.ID, u.ID, schulhof.MemberRoleMember); err != nil {
				return nil, err
			}
			class = append(class, u)
		}
		members = append(members, class)
	}
	if err := db.EnsureRooms(ctx, sc.ID); err != nil {
		return nil, err
	}
	if cs.schoolRoom, err = roomOf(ctx, db, admin, schulhof.RoomSchool); err != nil {
		return nil, err
	}
	for c, class := range members {
		room, err := roomOf(ctx, db, class[0], schulhof.RoomGroup)
		if err != nil {
			return nil, err
		}
		for _, u := range class {
			tok, err := benchSession(ctx, db, u)
			if err != nil {
				return nil, err
			}
			cs.tokens, cs.classOf, cs.classRoom = append(cs.tokens, tok), append(cs.classOf, c), append(cs.classRoom, room)
		}
	}
	return cs, nil
}

// roomOf is the user's first room of the kind.
func roomOf(ctx context.Context, db *sqlstore.DB, u *schulhof.User, kind string) (schulhof.RoomID, error) {
	rooms, err := db.FindRooms(ctx, u)
	if err != nil {
		return 0, err
	}
	for _, r := range rooms {
		if r.Kind == kind {
			return r.ID, nil
		}
	}
	return 0, fmt.Errorf("%s has no %s room", u.Login, kind)
}

// fan is the school's messenger on the nodes.
func (cs *chatSchool) fan(bases []string) *schulhofFan {
	return &schulhofFan{bases: bases, admin: cs.admin, tokens: cs.tokens, classRoom: cs.classRoom, schoolRoom: cs.schoolRoom, c: client(64)}
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
	bin, err := buildSchulhof(dir)
	if err != nil {
		return nil, "", err
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

// buildSchulhof builds the server into dir (run from the repository).
func buildSchulhof(dir string) (string, error) {
	bin := filepath.Join(dir, "schulhof")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/schulhof").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the server: %v: %s", err, out)
	}
	return bin, nil
}

func dialBench(ctx context.Context, base, token string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	return ws, err
}

func latencySummary(ds []time.Duration) string {
	s := summarize(durationResults(ds))
	return fmt.Sprintf("delivery p50 %s, p99 %s, max %s", ms(s.p50), ms(s.p99), ms(s.max))
}

// rssBytes is a process's resident memory, from /proc.
func rssBytes(pid int) int64 { return procField(pid, "status", "VmRSS:") }

func rss(pid int) string { return fmt.Sprintf("RSS %.1f MiB", float64(rssBytes(pid))/(1<<20)) }
