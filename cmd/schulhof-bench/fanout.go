package main

// The messenger's fan-out, measured the same way against Schulhof (one
// node or several) and against Centrifugo: every student's socket follows
// the school's channel and their class's; announcements go to all of
// them, then every student writes in their class. Each message carries
// the time it was sent ("...@UNIXNANO"); the sockets' readers take the
// delay of each delivery from it.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/realtime"
)

// fanTarget is a server that carries a school's messages to its sockets.
type fanTarget interface {
	// dial opens student i's socket, following the school's channel and
	// their class's
	dial(ctx context.Context, i int) (*websocket.Conn, error)
	// announce sends a message to the whole school
	announce(text string) error
	// say sends student i's message to their class
	say(i int, text string) error
	// delivers says whether a line of a frame brings a message (the
	// sockets' other events are not counted)
	delivers(line []byte) bool
}

// fanSockets are the students' sockets, each read without pause.
type fanSockets struct {
	socks    []*websocket.Conn
	received atomic.Int64
	mu       sync.Mutex
	lat      []time.Duration
}

// connectFan opens every student's socket, 64 at a time.
func connectFan(ctx context.Context, t fanTarget, students int) (*fanSockets, error) {
	fs := &fanSockets{socks: make([]*websocket.Conn, students)}
	var wg sync.WaitGroup
	errs := make(chan error, students)
	sem := make(chan struct{}, 64)
	for i := range students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ws, err := t.dial(ctx, i)
			if err != nil {
				errs <- fmt.Errorf("student %d: %w", i, err)
				return
			}
			fs.socks[i] = ws
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		fs.close()
		return nil, err
	default:
	}
	for _, ws := range fs.socks {
		go fs.read(ctx, t, ws)
	}
	return fs, nil
}

// read takes the delay of each delivery from the stamp in its text,
// found in the raw frame: the load generator shares the cores with the
// servers and must spend little on each.
func (fs *fanSockets) read(ctx context.Context, t fanTarget, ws *websocket.Conn) {
	at := []byte("@")
	for {
		_, frame, err := ws.Read(ctx)
		if err != nil {
			return
		}
		now := time.Now()
		for _, line := range bytes.Split(frame, []byte{'\n'}) {
			i := bytes.LastIndex(line, at)
			if i < 0 || !t.delivers(line) {
				continue
			}
			end := i + 1
			for end < len(line) && line[end] >= '0' && line[end] <= '9' {
				end++
			}
			if ns, err := strconv.ParseInt(string(line[i+1:end]), 10, 64); err == nil {
				fs.mu.Lock()
				fs.lat = append(fs.lat, now.Sub(time.Unix(0, ns)))
				fs.mu.Unlock()
				fs.received.Add(1)
			}
		}
	}
}

func (fs *fanSockets) close() {
	for _, ws := range fs.socks {
		if ws != nil {
			ws.CloseNow()
		}
	}
}

// reset starts counting anew.
func (fs *fanSockets) reset() {
	fs.mu.Lock()
	fs.lat = nil
	fs.mu.Unlock()
	fs.received.Store(0)
}

// waitFor waits until n deliveries have come, or limit has passed.
func (fs *fanSockets) waitFor(n int64, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for fs.received.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // the readers' own counter, not the server
	}
}

func (fs *fanSockets) latencies() []time.Duration {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]time.Duration(nil), fs.lat...)
}

// fanResult is what one round of announcements and class chats measured.
type fanResult struct {
	announcements int
	announceWant  int64
	announced     int64
	announceLat   []time.Duration
	// the class chats
	posted, failed   int64
	postTime, total  time.Duration
	delivered, want  int64
	chatLat          []time.Duration
	firstError       error
	students, writes int
	rate             float64 // messages offered a second; 0: as fast as taken
}

func (r fanResult) deliveriesPerSecond() float64 { return float64(r.delivered) / r.total.Seconds() }

func (r fanResult) String() string {
	var b strings.Builder
	if r.announcements > 0 {
		fmt.Fprintf(&b, "announcement to %d sockets (%d announcements): %d of %d deliveries, %s\n",
			r.students, r.announcements, r.announced, r.announceWant, latencySummary(r.announceLat))
	}
	offered := "as fast as taken"
	if r.rate > 0 {
		offered = fmt.Sprintf("%.0f/s offered", r.rate)
	}
	fmt.Fprintf(&b, "class chats, every student writing %d (%s): %d messages sent in %s (%.0f/s, %d failed); %d of %d deliveries in %s (%.0f deliveries/s), %s",
		r.writes, offered, r.posted, r.postTime.Round(time.Millisecond), float64(r.posted)/r.postTime.Seconds(), r.failed,
		r.delivered, r.want, r.total.Round(time.Millisecond), r.deliveriesPerSecond(), latencySummary(r.chatLat))
	if r.firstError != nil {
		fmt.Fprintf(&b, "; first failure: %v", r.firstError)
	}
	return b.String()
}

// run sends the announcements one after the other, each once the last
// has arrived everywhere, then has every student write their messages in
// their class: at rate messages a second, or (rate 0) as fast as they are
// taken, 64 at a time. classOf is each student's class.
func (fs *fanSockets) run(t fanTarget, classOf []int, announcements, writes int, rate float64) fanResult {
	r := fanResult{announcements: announcements, students: len(fs.socks), writes: writes, rate: rate}
	var errOnce sync.Once
	fail := func(err error) {
		errOnce.Do(func() { r.firstError = err })
	}
	fs.reset()
	for i := range announcements {
		if err := t.announce(fmt.Sprintf("Durchsage %d @%d", i, time.Now().UnixNano())); err != nil {
			fail(err)
			continue
		}
		r.announceWant += int64(len(fs.socks))
		fs.waitFor(r.announceWant, 10*time.Second)
		time.Sleep(50 * time.Millisecond) // an announcement is not a flood
	}
	r.announced, r.announceLat = fs.received.Load(), fs.latencies()

	fs.reset()
	inClass := map[int]int64{}
	for _, c := range classOf {
		inClass[c]++
	}
	var posted, failed, want atomic.Int64
	say := func(i int) {
		st := i % len(fs.socks)
		if err := t.say(st, fmt.Sprintf("Hallo @%d", time.Now().UnixNano())); err != nil {
			failed.Add(1)
			fail(err)
			return
		}
		posted.Add(1)
		want.Add(inClass[classOf[st]])
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	n := len(fs.socks) * writes
	if rate > 0 {
		// at the rate, whether or not the last are answered: 64 writers
		// take the messages as they come due
		due := make(chan int, 64)
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range due {
					say(i)
				}
			}()
		}
		for i := range n {
			if d := time.Until(t0.Add(time.Duration(float64(i) / rate * float64(time.Second)))); d > 0 {
				time.Sleep(d)
			}
			due <- i
		}
		close(due)
	} else {
		for w := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < n; i += 64 {
					say(i)
				}
			}()
		}
	}
	wg.Wait()
	r.postTime = time.Since(t0)
	fs.waitFor(want.Load(), 30*time.Second)
	r.total = time.Since(t0)
	r.posted, r.failed, r.want = posted.Load(), failed.Load(), want.Load()
	r.delivered, r.chatLat = fs.received.Load(), fs.latencies()
	return r
}

// ---- Schulhof ----------------------------------------------------------------

// schulhofFan is Schulhof's messenger on one node or several: a
// student's socket on the next node, their messages sent to another.
type schulhofFan struct {
	bases      []string
	admin      string // the school admin's session: the announcements
	tokens     []string
	classRoom  []schulhof.RoomID // each student's class's room
	schoolRoom schulhof.RoomID
	c          *http.Client
	next       atomic.Int64
}

func (s *schulhofFan) dial(ctx context.Context, i int) (*websocket.Conn, error) {
	ws, err := dialBench(ctx, s.bases[i%len(s.bases)], s.tokens[i])
	if err != nil {
		return nil, err
	}
	r := realtime.NewReader(ws)
	for _, room := range []schulhof.RoomID{s.schoolRoom, s.classRoom[i]} {
		sub, _ := json.Marshal(map[string]string{"type": "subscribe", "id": "s", "topic": "room." + strconv.FormatInt(int64(room), 10)})
		if err := ws.Write(ctx, websocket.MessageText, sub); err != nil {
			ws.CloseNow()
			return nil, err
		}
		if err := awaitAck(ctx, r); err != nil {
			ws.CloseNow()
			return nil, err
		}
	}
	return ws, nil
}

func (s *schulhofFan) announce(text string) error {
	return s.post(s.bases[int(s.next.Add(1))%len(s.bases)], s.admin, s.schoolRoom, text)
}

func (s *schulhofFan) say(i int, text string) error {
	return s.post(s.bases[(i+1)%len(s.bases)], s.tokens[i], s.classRoom[i], text)
}

func (s *schulhofFan) delivers(line []byte) bool {
	return bytes.Contains(line, []byte(`"event":"message.new"`))
}

func (s *schulhofFan) post(base, token string, room schulhof.RoomID, text string) error {
	resp, b, err := postJSON(s.c, fmt.Sprintf("%s/api/v1/rooms/%d/messages", base, room), map[string]string{"text": text},
		"Authorization", "Bearer "+token)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("post: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// ---- Centrifugo --------------------------------------------------------------

// centrifugoVersion is the Centrifugo the fan-out is compared with.
const centrifugoVersion = "v6.9.1"

// centrifugoFan is Centrifugo (one node, its memory broker, no history):
// the students connect with a token signed by the application's key,
// subscribe to their channels, and the application publishes every
// message through Centrifugo's HTTP API, as a school's backend would.
type centrifugoFan struct {
	cmd     *exec.Cmd
	addr    string
	key     string // the HTTP API's key
	secret  []byte // the connection tokens' HMAC key
	classOf []int
	c       *http.Client
}

// centrifugoBinary is the binary of centrifugoVersion, built once per
// machine into the user's cache.
func centrifugoBinary() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(cache, "schulhof", "centrifugo-"+centrifugoVersion)
	bin := filepath.Join(dir, "centrifugo")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Printf("building Centrifugo %s into %s (a few minutes, once)\n", centrifugoVersion, dir)
	cmd := exec.Command("go", "install", "github.com/centrifugal/centrifugo/v6@"+centrifugoVersion)
	cmd.Dir = os.TempDir() // outside this module: its own go.mod
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install centrifugo: %v: %s", err, out)
	}
	return bin, nil
}

// startCentrifugo runs Centrifugo on a free loopback port with a
// configuration in dir.
func startCentrifugo(dir string, classOf []int) (*centrifugoFan, error) {
	bin, err := centrifugoBinary()
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cf := &centrifugoFan{addr: fmt.Sprintf("127.0.0.1:%d", port), key: "bench-api-key", secret: []byte("bench-hmac-secret-of-32-bytes!!!"),
		classOf: classOf, c: client(64)}
	cfg := map[string]any{
		"http_server": map[string]any{"address": "127.0.0.1", "port": port},
		"http_api":    map[string]any{"key": cf.key},
		"client":      map[string]any{"token": map[string]any{"hmac_secret_key": string(cf.secret)}, "allowed_origins": []string{"*"}},
		"channel":     map[string]any{"without_namespace": map[string]any{"allow_subscribe_for_client": true}},
		"health":      map[string]any{"enabled": true},
		"log":         map[string]any{"level": "error"},
		"usage_stats": map[string]any{"disabled": true},
	}
	b, _ := json.Marshal(cfg)
	path := filepath.Join(dir, "centrifugo.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, err
	}
	cf.cmd = exec.Command(bin, "-c", path)
	cf.cmd.Dir = dir
	cf.cmd.Stderr = os.Stderr
	if err := cf.cmd.Start(); err != nil {
		return nil, err
	}
	for i := 0; ; i++ {
		if resp, err := http.Get("http://" + cf.addr + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cf, nil
			}
		}
		if i > 100 {
			cf.close()
			return nil, fmt.Errorf("centrifugo did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (cf *centrifugoFan) close() {
	cf.cmd.Process.Kill()
	cf.cmd.Wait()
}

// token is a connection token for the user (JWT, HS256).
func (cf *centrifugoFan) token(user string) string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"sub": user, "exp": time.Now().Add(time.Hour).Unix()})
	signed := head + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, cf.secret)
	mac.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(mac.Sum(nil))
}

func (cf *centrifugoFan) dial(ctx context.Context, i int) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws://"+cf.addr+"/connection/websocket", nil)
	if err != nil {
		return nil, err
	}
	cmds := fmt.Sprintf(`{"id":1,"connect":{"token":%q}}`+"\n"+`{"id":2,"subscribe":{"channel":"school"}}`+"\n"+`{"id":3,"subscribe":{"channel":"class-%d"}}`,
		cf.token("s"+strconv.Itoa(i)), cf.classOf[i])
	if err := ws.Write(dctx, websocket.MessageText, []byte(cmds)); err != nil {
		ws.CloseNow()
		return nil, err
	}
	for replies := 0; replies < 3; {
		_, frame, err := ws.Read(dctx)
		if err != nil {
			ws.CloseNow()
			return nil, err
		}
		for _, line := range bytes.Split(frame, []byte{'\n'}) {
			var r struct {
				ID    int             `json:"id"`
				Error json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &r) != nil || r.ID == 0 {
				continue
			}
			if r.Error != nil {
				ws.CloseNow()
				return nil, fmt.Errorf("centrifugo refused command %d: %s", r.ID, r.Error)
			}
			replies++
		}
	}
	return ws, nil
}

func (cf *centrifugoFan) announce(text string) error { return cf.publish("school", text) }

func (cf *centrifugoFan) say(i int, text string) error {
	return cf.publish("class-"+strconv.Itoa(cf.classOf[i]), text)
}

func (cf *centrifugoFan) delivers(line []byte) bool { return bytes.Contains(line, []byte(`"pub"`)) }

func (cf *centrifugoFan) publish(channel, text string) error {
	resp, b, err := postJSON(cf.c, "http://"+cf.addr+"/api/publish", map[string]any{"channel": channel, "data": map[string]string{"text": text}},
		"X-API-Key", cf.key)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("publish: status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// ---- schulhof-bench fanout ---------------------------------------------------

// benchFanout is "schulhof-bench fanout": the same students, sockets and
// messages against Schulhof (the real binary, SQLite, every message
// stored) and against Centrifugo (nothing kept), one after the other,
// rounds times alternating who goes first; each figure with the ratio.
func benchFanout(args []string) error {
	fs := flag.NewFlagSet("fanout", flag.ContinueOnError)
	classes := fs.Int("classes", 50, "class rooms")
	perClass := fs.Int("students", 30, "students per class")
	announcements := fs.Int("announcements", 20, "announcements to all sockets")
	writes := fs.Int("messages", 10, "messages each student writes in their class")
	rounds := fs.Int("rounds", 2, "rounds, alternating who goes first")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	cs, srv, base, stop, err := startChatSchool(ctx, "fanout", *classes, *perClass)
	if err != nil {
		return err
	}
	defer stop()
	dir, err := os.MkdirTemp("", "schulhof-bench-centrifugo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cf, err := startCentrifugo(dir, cs.classOf)
	if err != nil {
		return err
	}
	defer cf.close()
	fmt.Printf("%d students in %d classes; Schulhof (pid %d, SQLite) and Centrifugo %s (pid %d, memory broker) on loopback, %d cores\n",
		len(cs.tokens), *classes, srv.Process.Pid, centrifugoVersion, cf.cmd.Process.Pid, runtimeCPUs())
	targets := []struct {
		name string
		t    fanTarget
		pid  int
	}{
		{"Schulhof", cs.fan([]string{base}), srv.Process.Pid},
		{"Centrifugo", cf, cf.cmd.Process.Pid},
	}
	// each round's results, by name; the ratios are taken round by round,
	// the two measured one after the other on the same machine
	results := map[string][]fanResult{}
	for round := range *rounds {
		for k := range targets {
			tg := targets[(k+round)%len(targets)]
			socks, err := connectFan(ctx, tg.t, len(cs.tokens))
			if err != nil {
				return fmt.Errorf("%s: %w", tg.name, err)
			}
			r := socks.run(tg.t, cs.classOf, *announcements, *writes, 0)
			fmt.Printf("round %d, %s (%s with the sockets):\n%s\n", round+1, tg.name, rss(tg.pid), r)
			socks.close()
			if r.firstError != nil {
				return fmt.Errorf("%s: %w", tg.name, r.firstError)
			}
			results[tg.name] = append(results[tg.name], r)
		}
	}
	p99 := func(ds []time.Duration) float64 { return float64(summarize(durationResults(ds)).p99) }
	figures := []struct {
		name string
		of   func(fanResult) float64
		show func(float64) string
	}{
		{"class chats, deliveries/s", fanResult.deliveriesPerSecond, func(v float64) string { return fmt.Sprintf("%.0f", v) }},
		{"class chats' p99", func(r fanResult) float64 { return p99(r.chatLat) }, func(v float64) string { return ms(time.Duration(v)) }},
		{"announcements' p99", func(r fanResult) float64 { return p99(r.announceLat) }, func(v float64) string { return ms(time.Duration(v)) }},
	}
	fmt.Printf("\n%d rounds                     %-16s %-16s Schulhof / Centrifugo, round by round: median (range)\n", *rounds, "Schulhof", "Centrifugo")
	for _, f := range figures {
		var ss, cs, ratios []float64
		for i := range *rounds {
			s, c := f.of(results["Schulhof"][i]), f.of(results["Centrifugo"][i])
			ss, cs, ratios = append(ss, s), append(cs, c), append(ratios, s/c)
		}
		fmt.Printf("%-28s %-16s %-16s %.2f (%.2f–%.2f)\n", f.name, f.show(median(ss)), f.show(median(cs)),
			median(ratios), slices.Min(ratios), slices.Max(ratios))
	}
	fmt.Println("(each side's figure: the median of its rounds)")
	return nil
}

// durationResults are delays as results, for summarize.
func durationResults(ds []time.Duration) []result {
	rs := make([]result, len(ds))
	for i, d := range ds {
		rs[i] = result{status: 200, latency: d}
	}
	return rs
}
