package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof/internal/blob/s3test"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// TestCluster runs a city's cluster on loopback: three `schulhof serve`
// nodes on one PostgreSQL, one NATS and one S3 server (versitygw), nginx
// in front with the repository's own deploy/nginx files. A teacher logs
// in on node 1, uploads on node 2 (a file in one go, and a big one in
// pieces over all three nodes), and chats with a student whose socket is
// on node 3; node 2 is killed in the middle of the chat and started
// again. Every message the teacher sent (through nginx, sent again under
// its client token where an answer was lost) is stored once and arrives
// on the student's socket once, in order; every file byte for byte on
// every node.
func TestCluster(t *testing.T) {
	base, natsURL := os.Getenv("SCHULHOF_TEST_POSTGRES"), os.Getenv("SCHULHOF_TEST_NATS")
	if testing.Short() || base == "" || natsURL == "" {
		t.Skip("needs SCHULHOF_TEST_POSTGRES and SCHULHOF_TEST_NATS, and builds the binary")
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Fatal("nginx is not installed (apt-get install nginx-light; .ci/run installs it)")
	}
	bin := buildBinary(t)
	s3 := s3test.Start(t)
	dsn, drop := sqltest.NewSchema(t, base)
	defer drop()

	// the nodes
	env := append(os.Environ(), "SCHULHOF_DATABASE_URL="+dsn, "SCHULHOF_NATS_URL="+natsURL,
		"SCHULHOF_S3_ENDPOINT="+s3.Endpoint, "SCHULHOF_S3_BUCKET="+s3.Bucket, "SCHULHOF_S3_ACCESS_KEY="+s3.AccessKey,
		"SCHULHOF_S3_SECRET_KEY="+s3.SecretKey, "SCHULHOF_ADMIN_PASSWORD=operator-passwort", "SCHULHOF_TRUST_PROXY=1",
		"SCHULHOF_LOG_LEVEL=warn", "SCHULHOF_CHAT_EVERY=1ms") // the teacher writes fast
	type node struct {
		addr string
		cmd  *exec.Cmd
		log  *bytes.Buffer
	}
	nodes := make([]*node, 3)
	start := func(i int) {
		n := nodes[i]
		n.log = &bytes.Buffer{}
		n.cmd = exec.Command(bin, "serve", "--addr", n.addr, "--data", t.TempDir())
		n.cmd.Env = env
		n.cmd.Stderr = n.log
		if err := n.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range nodes {
		nodes[i] = &node{addr: freeAddr(t)}
	}
	defer func() {
		for i, n := range nodes {
			if n.cmd != nil && n.cmd.Process != nil {
				n.cmd.Process.Kill()
				n.cmd.Wait()
				if t.Failed() {
					t.Logf("node %d said:\n%s", i+1, n.log)
				}
			}
		}
	}()
	start(0) // the first makes the schema and the operator; the others find them
	waitUp(t, "http://"+nodes[0].addr+"/readyz")
	start(1)
	start(2)
	for _, n := range nodes[1:] {
		waitUp(t, "http://"+n.addr+"/readyz")
	}

	// nginx in front, with the repository's files
	lb := startNginx(t, nginx, []string{nodes[0].addr, nodes[1].addr, nodes[2].addr})
	waitUp(t, lb+"/readyz")

	on := func(i int) string { return "http://" + nodes[i].addr }
	call := func(base, token, method, path, body string, header ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	expect := func(want int) func(int, string) string {
		return func(got int, out string) string {
			t.Helper()
			if got != want {
				t.Fatalf("%d %.300s (want %d)", got, out, want)
			}
			return out
		}
	}
	login := func(base, body string) string {
		t.Helper()
		var v struct{ Token string }
		json.Unmarshal([]byte(expect(200)(call(base, "", "POST", "/api/v1/auth/login", body))), &v)
		return v.Token
	}
	id := func(out string) string {
		var v struct{ ID int64 }
		json.Unmarshal([]byte(out), &v)
		return strconv.FormatInt(v.ID, 10)
	}

	// the school, on node 1
	op := login(on(0), `{"login":"admin","password":"operator-passwort"}`)
	expect(201)(call(on(0), op, "POST", "/api/v1/schools", `{"slug":"gym","name":"Gymnasium","state":"NW"}`))
	teacherID := id(expect(201)(call(on(0), op, "POST", "/api/v1/schools/gym/users",
		`{"login":"lehrerin","first_name":"Eva","last_name":"Lehr","role":"teacher","password":"erstes-passwort"}`)))
	studentID := id(expect(201)(call(on(0), op, "POST", "/api/v1/schools/gym/users",
		`{"login":"anna","first_name":"Anna","last_name":"Schmidt","role":"student","password":"erstes-passwort"}`)))
	class := id(expect(201)(call(on(0), op, "POST", "/api/v1/schools/gym/groups", `{"name":"5a","kind":"class"}`)))
	expect(204)(call(on(0), op, "PUT", "/api/v1/schools/gym/groups/"+class+"/members/"+teacherID, `{"role":"leader"}`))
	expect(204)(call(on(0), op, "PUT", "/api/v1/schools/gym/groups/"+class+"/members/"+studentID, `{"role":"member"}`))
	ready := func(base, login string) string {
		tok := loginFor(t, base, login)
		expect(204)(call(base, tok, "POST", "/api/v1/me/password", `{"current":"erstes-passwort","new":"zweites-passwort"}`))
		return loginWith(t, base, login, "zweites-passwort")
	}
	teacher := ready(on(0), "lehrerin") // logged in on node 1
	anna := ready(lb, "anna")

	// a file uploaded on node 2, read on nodes 3 and 1 and through nginx
	home := "/api/v1/schools/gym/spaces/user/" + teacherID
	sheet := bytes.Repeat([]byte("Arbeitsblatt Bruchrechnung. "), 4000)
	fileID := id(expect(201)(call(on(1), teacher, "PUT", home+"/files?name=Blatt.txt", string(sheet))))
	for _, base := range []string{on(2), on(0), lb} {
		if got := expect(200)(call(base, teacher, "GET", "/api/v1/schools/gym/nodes/"+fileID+"/content", "")); got != string(sheet) {
			t.Fatalf("the file on %s: %d bytes", base, len(got))
		}
	}
	// a big one in pieces: started on node 2, went on on node 3, ended on 1
	video := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16) // 6 MiB
	up := expect(201)(call(on(1), teacher, "POST", home+"/uploads", fmt.Sprintf(`{"name":"Experiment.mp4","size":%d}`, len(video))))
	var u struct{ ID string }
	json.Unmarshal([]byte(up), &u)
	upPath := "/api/v1/schools/gym/uploads/" + u.ID
	expect(200)(call(on(2), teacher, "PATCH", upPath, string(video[:4<<20]), "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream"))
	done := expect(201)(call(on(0), teacher, "PATCH", upPath, string(video[4<<20:]), "Upload-Offset", strconv.Itoa(4<<20),
		"Content-Type", "application/offset+octet-stream"))
	var finished struct{ Node struct{ ID int64 } }
	json.Unmarshal([]byte(done), &finished)
	if got := expect(200)(call(lb, teacher, "GET", "/api/v1/schools/gym/nodes/"+strconv.FormatInt(finished.Node.ID, 10)+"/content", "")); got != string(video) {
		t.Fatalf("the uploaded video: %d bytes of %d", len(got), len(video))
	}

	// the class room; Anna's socket on node 3
	var rooms struct {
		Items []struct {
			ID    int64
			Group int64 `json:"group_id"`
		}
	}
	json.Unmarshal([]byte(expect(200)(call(on(2), anna, "GET", "/api/v1/rooms", ""))), &rooms)
	room := ""
	for _, r := range rooms.Items {
		if strconv.FormatInt(r.Group, 10) == class {
			room = strconv.FormatInt(r.ID, 10)
		}
	}
	if room == "" {
		t.Fatalf("no room of the class among %+v", rooms)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws://"+nodes[2].addr+"/api/v1/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + anna}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","id":"s1","topic":"room.`+room+`"}`)); err != nil {
		t.Fatal(err)
	}
	rd := realtime.NewReader(ws)
	if e, err := rd.Next(ctx); err != nil || e.Type != "ack" {
		t.Fatalf("subscribe on node 3: %+v %v", e, err)
	}
	// what arrives on the socket, in order
	var mu sync.Mutex
	var arrived []string
	seen, twice := map[int64]bool{}, 0
	got := make(chan struct{}, 1)
	go func() {
		for {
			e, err := rd.Next(ctx)
			if err != nil {
				return
			}
			if e.Type != "event" || e.Event != "message.new" {
				continue
			}
			var m struct {
				ID   int64
				Text string
			}
			json.Unmarshal(e.Data, &m)
			mu.Lock()
			if seen[m.ID] {
				twice++ // published again after a lost answer: a client drops it
			} else {
				seen[m.ID] = true
				arrived = append(arrived, m.Text)
			}
			mu.Unlock()
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}()

	// the teacher writes through nginx from four windows at once; node 2
	// is killed after the 20th message (requests in flight lose their
	// answers) and comes back after the 40th
	const writers, each = 4, 15
	const total = writers * each
	client := &http.Client{Timeout: 10 * time.Second}
	post := func(text, token string) (retries int) {
		body := fmt.Sprintf(`{"text":%q,"client_token":%q}`, text, token)
		for {
			req, _ := http.NewRequest("POST", lb+"/api/v1/rooms/"+room+"/messages", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+teacher)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200, 201:
					return retries
				case 502, 503, 504:
				default:
					t.Errorf("%s: %d", text, resp.StatusCode)
					return retries
				}
			}
			retries++ // the answer was lost: send it again, same token
			if retries > 50 {
				t.Errorf("%s: no answer after %d tries (%v)", text, retries, err)
				return retries
			}
		}
	}
	var sent sync.WaitGroup
	var postedMu sync.Mutex
	posted, again := 0, 0
	killed, back := make(chan struct{}), make(chan struct{})
	for w := range writers {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for i := 1; i <= each; i++ {
				r := post(fmt.Sprintf("Fenster %d Nachricht %02d", w, i), fmt.Sprintf("cluster-%d-%02d", w, i))
				postedMu.Lock()
				posted++
				again += r
				n := posted
				postedMu.Unlock()
				switch n {
				case 20:
					close(killed)
				case 40:
					close(back)
				}
			}
		}()
	}
	<-killed
	nodes[1].cmd.Process.Kill()
	nodes[1].cmd.Wait()
	<-back
	start(1)
	waitUp(t, on(1)+"/readyz")
	sent.Wait()
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%d messages through nginx, %d sent again after a lost answer", total, again)
	defer func() { t.Logf("%d events of a message shown already (sent again)", twice) }()
	for {
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		if n >= total {
			break
		}
		select {
		case <-got:
		case <-ctx.Done():
			t.Fatalf("%d of %d messages arrived on node 3", n, total)
		}
	}
	mu.Lock()
	next := make([]int, writers) // each window's messages arrive once, in order
	for _, text := range arrived {
		var w, i int
		if _, err := fmt.Sscanf(text, "Fenster %d Nachricht %d", &w, &i); err != nil || w < 0 || w >= writers || i != next[w]+1 {
			t.Fatalf("arrived on node 3: %q after %v", text, next)
		}
		next[w] = i
	}
	if len(arrived) != total {
		t.Fatalf("%d messages arrived, %d sent", len(arrived), total)
	}
	mu.Unlock()
	// the room's history, asked of the node that came back
	hist := expect(200)(call(on(1), anna, "GET", "/api/v1/rooms/"+room+"/messages?limit=100", ""))
	for w := range writers {
		for i := 1; i <= each; i++ {
			if n := strings.Count(hist, fmt.Sprintf(`"Fenster %d Nachricht %02d"`, w, i)); n != 1 {
				t.Fatalf("message %d of window %d is stored %d times", i, w, n)
			}
		}
	}
	// the session begun on node 1 works on the node that came back
	expect(200)(call(on(1), teacher, "GET", "/api/v1/me", ""))
}

// buildBinary builds schulhof into the test's folder (-trimpath: a
// fresh clone finds what it builds in the build cache).
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "schulhof")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startNginx runs nginx in front of the nodes, with deploy/nginx's
// proxy settings, on a free loopback port; it returns its address.
func startNginx(t *testing.T, nginx string, nodes []string) string {
	t.Helper()
	dir := t.TempDir()
	deploy, err := filepath.Abs(filepath.Join("..", "..", "deploy", "nginx"))
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	var servers strings.Builder
	for _, n := range nodes {
		fmt.Fprintf(&servers, "        server %s max_fails=1 fail_timeout=2s;\n", n)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers write below the test's folder
	}
	conf := fmt.Sprintf(`%s
worker_processes 1;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[3]s/websocket-map.conf;
    upstream schulhof {
%[4]s        keepalive 16;
    }
    server {
        listen %[5]s;
        include %[3]s/proxy.conf;
    }
}
`, user, dir, deploy, servers.String(), addr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	// its own process group: the workers go with the master
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("nginx said:\n%s", b)
		}
	})
	return "http://" + addr
}

func loginFor(t *testing.T, base, login string) string {
	return loginWith(t, base, login, "erstes-passwort")
}

func loginWith(t *testing.T, base, login, password string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"school":"gym","login":"`+login+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ Token string }
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &v)
	if resp.StatusCode != 200 || v.Token == "" {
		t.Fatalf("login %s: %d %s", login, resp.StatusCode, b)
	}
	return v.Token
}
