package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
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

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"github.com/schulhof/schulhof/internal/rtc"
)

// benchVideo is "schulhof-bench video": classes of pion clients in video
// lessons, against Schulhof's forwarding unit and, side by side in the
// same run, against Janus (Debian's janus, its videoroom plugin), each in
// a process of its own whose CPU and memory are read from /proc.
//
// A class: 30 participants, each sending audio (50 packets/s); the
// teacher's camera at 720p with simulcast (three layers), four students'
// cameras at 180p. Everyone receives everyone else (the teacher's best
// layer). The receivers count the packets, the lost ones (gaps in the
// sequence numbers) and the interarrival jitter (RFC 3550) against the
// time each packet was sent, so that what is measured is the jitter the
// server adds. Then one room of 10, 30 and 60 participants in which the
// teacher and four students talk and show their cameras and the others
// listen: how CPU and memory grow with the room.
func benchVideo(args []string) error {
	fs := flag.NewFlagSet("video", flag.ExitOnError)
	classes := fs.Int("classes", 2, "classes at once")
	size := fs.Int("size", 30, "participants per class")
	seconds := fs.Int("seconds", 15, "seconds measured, after five to settle")
	sfus := fs.String("sfu", "schulhof,janus", "which forwarding units: schulhof, janus")
	scale := fs.Bool("scale", true, "also the room of 10, 30 and 60 (Schulhof's unit)")
	fs.Parse(args)
	window := time.Duration(*seconds) * time.Second
	fmt.Printf("video lessons: %d classes of %d, %s measured, on %d cores\n\n", *classes, *size, window, runtime.NumCPU())
	fmt.Printf("%-9s %10s %10s %12s %8s %9s %9s %8s\n", "unit", "fwd pkt/s", "CPU %", "pkt/CPU-s", "loss %", "jitter ms", "p99 ms", "RSS MB")
	for _, name := range strings.Split(*sfus, ",") {
		r, err := runClasses(name, *classes, *size, *size, 10, window)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		r.print(name)
		fmt.Println()
	}
	if *scale {
		fmt.Printf("\none room, the teacher and four students talking with cameras on, the others listening (Schulhof)\n")
		fmt.Printf("%-9s %10s %10s %12s %8s %9s %9s %8s %10s\n", "size", "fwd pkt/s", "CPU %", "pkt/CPU-s", "loss %", "jitter ms", "p99 ms", "RSS MB", "KB/person")
		for _, n := range []int{10, 30, 60} {
			r, err := runClasses("schulhof", 1, n, 5, 10, window)
			if err != nil {
				return err
			}
			r.print(strconv.Itoa(n))
			fmt.Printf(" %10.0f\n", (r.rssMB-r.idleMB)*1024/float64(n))
		}
	}
	return nil
}

// videoResult is what one run measured.
type videoResult struct {
	fwdRate, cpuPct, perCPU, lossPct, jitter, jitterP99, rssMB, idleMB float64
	// missing are the tracks a receiver never got (paused by the unit)
	missing int
}

// print writes the row's figures, without the line's end.
func (r videoResult) print(name string) {
	fmt.Printf("%-9s %10.0f %10.1f %12.0f %8.3f %9.2f %9.2f %8.1f", name, r.fwdRate, r.cpuPct, r.perCPU, r.lossPct, r.jitter, r.jitterP99, r.rssMB)
	if r.missing > 0 {
		fmt.Printf("  (%d tracks never arrived)", r.missing)
	}
}

// signaller is one forwarding unit's way of putting clients in rooms.
type signaller interface {
	// publish puts the peer in its room and sends the offer of what it
	// sends ("": a listener) and returns the unit's answer
	publish(p *benchPeer, offer string, sources map[string]string) (string, error)
	// subscribe makes the peer receive everyone else in its room, once
	// all have published
	subscribe(p *benchPeer, others []*benchPeer) error
	pid() int
	close()
}

// runClasses runs classes of size participants, the first talkers of
// whom send audio, against the unit and measures the window after settle
// seconds.
func runClasses(unit string, classes, size, talkers, settle int, window time.Duration) (videoResult, error) {
	var sig signaller
	var err error
	switch unit {
	case "schulhof":
		sig, err = startSchulhofSFU()
	case "janus":
		sig, err = startJanus()
	default:
		err = fmt.Errorf("unknown unit %q", unit)
	}
	if err != nil {
		return videoResult{}, err
	}
	defer sig.close()
	idle := rssMB(sig.pid())
	api, err := clientAPI()
	if err != nil {
		return videoResult{}, err
	}
	all, missing, err := seatClasses(api, sig, classes, size, talkers)
	defer func() {
		for _, p := range all {
			p.close()
		}
	}()
	if err != nil {
		return videoResult{}, err
	}
	time.Sleep(time.Duration(settle) * time.Second) // let the estimates and layers settle
	w := beginVideo(all, sig.pid())
	time.Sleep(window)
	r := w.end()
	r.idleMB, r.missing = idle, missing
	return r, nil
}

// seatClasses puts classes of size participants in their rooms at the
// unit, the first talkers of whom send audio, the teacher her camera in
// three layers and four students theirs, and waits until everyone
// receives everyone who sends; missing counts the tracks that never came
// (a unit that pauses a video: its bandwidth estimate says the line is
// full). The peers it started are returned with an error too.
func seatClasses(api *webrtc.API, sig signaller, classes, size, talkers int) (all []*benchPeer, missing int, err error) {
	for c := range classes {
		var room []*benchPeer
		for i := range size {
			p := &benchPeer{room: fmt.Sprintf("class%d", c+1), seat: i, name: fmt.Sprintf("c%dp%d", c+1, i), feed: uint64(c*1000 + i + 1), stats: &recvStats{}}
			p.audio = i < talkers
			switch {
			case i == 0:
				p.video = []layerSpec{{"q", 15, 400, 320}, {"h", 30, 800, 640}, {"f", 90, 1100, 1280}} // 720p with simulcast
			case i <= 4:
				p.video = []layerSpec{{"", 15, 700, 320}} // 180p
			}
			if err := p.start(api, sig); err != nil {
				return all, 0, fmt.Errorf("%s: %w", p.name, err)
			}
			room = append(room, p)
			all = append(all, p)
		}
		for _, p := range room {
			others := slices.DeleteFunc(slices.Clone(room), func(o *benchPeer) bool { return o == p || (!o.audio && len(o.video) == 0) })
			if err := sig.subscribe(p, others); err != nil {
				return all, 0, fmt.Errorf("%s subscribes: %w", p.name, err)
			}
		}
	}
	deadline := time.Now().Add(90 * time.Second)
	for _, p := range all {
		want := 0
		for _, o := range all {
			if o != p && o.room == p.room {
				want += boolInt(o.audio) + boolInt(len(o.video) > 0)
			}
		}
		for p.stats.tracks() < want && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond) // polling the clients' own counters, not the unit
		}
		missing += want - p.stats.tracks()
	}
	return all, missing, nil
}

// videoWindow is a measured stretch of video lessons.
type videoWindow struct {
	all  []*benchPeer
	pid  int // the unit's process; 0: CPU not measured
	cpu0 float64
	t0   time.Time
}

// beginVideo starts the window: the counters from naught.
func beginVideo(all []*benchPeer, pid int) *videoWindow {
	for _, p := range all {
		p.stats.reset()
		p.sent[0].Store(0)
		p.sent[1].Store(0)
	}
	w := &videoWindow{all: all, pid: pid, t0: time.Now()}
	if pid > 0 {
		w.cpu0 = cpuSeconds(pid)
	}
	return w
}

// end is what arrived in the window against what was sent to be
// forwarded: each sender's audio and best video layer, times the others
// in its room.
func (w *videoWindow) end() videoResult {
	dt := time.Since(w.t0).Seconds()
	var r videoResult
	var got, expected int64
	var jitters []float64
	inRoom := map[string]int64{}
	for _, p := range w.all {
		inRoom[p.room]++
	}
	for _, p := range w.all {
		g, js := p.stats.collect()
		got += g
		expected += (p.sent[0].Load() + p.sent[1].Load()) * (inRoom[p.room] - 1)
		jitters = append(jitters, js...)
	}
	slices.Sort(jitters)
	r.fwdRate = float64(got) / dt
	if w.pid > 0 {
		cpu := cpuSeconds(w.pid) - w.cpu0
		r.cpuPct, r.rssMB = cpu/dt*100, rssMB(w.pid)
		if cpu > 0 {
			r.perCPU = float64(got) / cpu
		}
	}
	if expected > 0 {
		r.lossPct = max(0, float64(expected-got)/float64(expected)*100)
	}
	if len(jitters) > 0 {
		var sum float64
		for _, j := range jitters {
			sum += j
		}
		r.jitter = sum / float64(len(jitters))
		r.jitterP99 = jitters[len(jitters)*99/100]
	}
	return r
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// clientAPI is the clients' pion (rtc.ClientAPI) on the host's ends of
// the units' namespaces (10.77.N.1). It sends no TWCC feedback, so that
// neither unit adapts what it sends to the receivers' lines (Janus does
// not anyway): both forward everything, and the figures compare the same
// work. On the one machine, the clients' own load would look like a full
// line to Schulhof's estimate and pause cameras (which TestAudioFirst and
// TestSimulcast show on their own).
func clientAPI() (*webrtc.API, error) {
	return rtc.ClientAPI(func(ip net.IP) bool { v4 := ip.To4(); return v4 != nil && v4[0] == 10 && v4[1] == 77 && v4[3] == 1 })
}

// layerSpec is one video layer a client sends: its RID, packets per
// second and packet size.
type layerSpec struct {
	rid   string
	rate  int
	bytes int
	width int // of the picture, 16:9
}

// vp8Frame writes the start of a VP8 packet (RFC 7741): the payload
// descriptor of a frame's first packet and the frame's header; a key
// frame's carries its start code and size, which Janus reads.
func vp8Frame(b []byte, key bool, width int) {
	height := width * 9 / 16
	b[0] = 0x10       // S: the start of partition 0
	b[1] = 0x10 | 0x1 // show the frame; 1: not a key frame
	b[2], b[3] = 0, 0 // size of the first partition
	if key {
		b[1] = 0x10
		copy(b[4:], []byte{0x9d, 0x01, 0x2a, byte(width), byte(width >> 8), byte(height), byte(height >> 8)})
	}
}

// benchPeer is one participant: what it sends, and what it receives.
type benchPeer struct {
	room, name string
	seat       int    // its place in its class: 0 is the teacher
	feed       uint64 // its id at Janus
	audio      bool
	video      []layerSpec
	pub, sub   *webrtc.PeerConnection
	stats      *recvStats
	stop       chan struct{}
	janus      *janusSession
	// sent counts the packets of its audio and of its best video layer
	// in the window
	sent [2]atomic.Int64
}

func (p *benchPeer) start(api *webrtc.API, sig signaller) error {
	p.stop = make(chan struct{})
	var err error
	if p.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return err
	}
	if p.sub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		return err
	}
	p.sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { p.stats.receive(tr) })
	sources := map[string]string{}
	type stream struct {
		tr   *webrtc.TrackLocalStaticRTP
		spec layerSpec
		clk  uint32
	}
	var streams []stream
	if p.audio {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic", p.name)
		if err != nil {
			return err
		}
		if _, err := p.pub.AddTrack(tr); err != nil {
			return err
		}
		sources["mic"] = "microphone"
		streams = append(streams, stream{tr, layerSpec{"", 50, 80, 0}, 48000})
	}
	var sender *webrtc.RTPSender
	for _, l := range p.video {
		var opts []func(*webrtc.TrackLocalStaticRTP)
		if l.rid != "" {
			opts = append(opts, webrtc.WithRTPStreamID(l.rid))
		}
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam", p.name, opts...)
		if err != nil {
			return err
		}
		if sender == nil {
			sender, err = p.pub.AddTrack(tr)
		} else {
			err = sender.AddEncoding(tr)
		}
		if err != nil {
			return err
		}
		sources["cam"] = "camera"
		streams = append(streams, stream{tr, l, 90000})
	}
	if len(streams) == 0 {
		_, err := sig.publish(p, "", nil) // a listener: in the room, sending nothing
		return err
	}
	offer, err := rtc.Offer(p.pub)
	if err != nil {
		return err
	}
	answer, err := sig.publish(p, offer, sources)
	if err != nil {
		return err
	}
	if err := rtc.Accept(p.pub, answer); err != nil {
		return err
	}
	// simulcast layers are told apart by the RID header extension, which
	// the sender writes itself, with the MID
	var midID, ridID uint8
	var mid string
	if sender != nil {
		for _, e := range sender.GetParameters().HeaderExtensions {
			switch e.URI {
			case sdp.SDESMidURI:
				midID = uint8(e.ID)
			case sdp.SDESRTPStreamIDURI:
				ridID = uint8(e.ID)
			}
		}
		for _, t := range p.pub.GetTransceivers() {
			if t.Sender() == sender {
				mid = t.Mid()
			}
		}
	}
	start := time.Now()
	for _, s := range streams {
		go func() {
			tick := time.NewTicker(time.Second / time.Duration(s.spec.rate))
			defer tick.Stop()
			payload := make([]byte, s.spec.bytes)
			var seq uint16
			for n := 0; ; n++ {
				select {
				case <-p.stop:
					return
				case <-tick.C:
				}
				seq++
				if s.clk == 90000 {
					vp8Frame(payload, n%60 == 0, s.spec.width) // a key frame every few seconds
				}
				// the timestamp is when it is sent: the receivers' jitter
				// is what the way there adds
				pkt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Marker: true,
					Timestamp: uint32(time.Since(start).Seconds() * float64(s.clk))}, Payload: payload}
				if s.spec.rid != "" && ridID != 0 {
					pkt.Header.SetExtension(midID, []byte(mid))
					pkt.Header.SetExtension(ridID, []byte(s.spec.rid))
				}
				if s.tr.WriteRTP(pkt) != nil {
					return
				}
				if s.clk == 48000 {
					p.sent[0].Add(1)
				} else if s.spec.rid == "" || s.spec.rid == "f" {
					p.sent[1].Add(1)
				}
			}
		}()
	}
	return nil
}

func (p *benchPeer) close() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	p.pub.Close()
	p.sub.Close()
}

// answerOffer answers an offer on the receiving connection.
func (p *benchPeer) answerOffer(offer string) (string, error) { return rtc.AnswerOffer(p.sub, offer) }

// recvStats counts what a peer receives, per track.
type recvStats struct {
	mu   sync.Mutex
	list []*trackStats
}

type trackStats struct {
	mu          sync.Mutex
	clock       float64
	received    int64   // in the window
	started     bool    // the window has begun and a packet came in it
	jitter      float64 // RFC 3550, in seconds
	lastTransit float64
	haveTransit bool
	epoch       time.Time
}

func (s *recvStats) tracks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

// receive counts a track's packets and its interarrival jitter, the
// transit being the arrival less the time the packet was sent (its
// timestamp).
func (s *recvStats) receive(tr *webrtc.TrackRemote) {
	ts := &trackStats{clock: float64(tr.Codec().ClockRate), epoch: time.Now()}
	s.mu.Lock()
	s.list = append(s.list, ts)
	s.mu.Unlock()
	for {
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		now := time.Since(ts.epoch).Seconds()
		ts.mu.Lock()
		ts.started = true
		ts.received++
		transit := now - float64(pkt.Timestamp)/ts.clock
		if ts.haveTransit {
			d := math.Abs(transit - ts.lastTransit)
			ts.jitter += (d - ts.jitter) / 16
		}
		ts.lastTransit, ts.haveTransit = transit, true
		ts.mu.Unlock()
	}
}

// reset starts the measured window.
func (s *recvStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.list {
		t.mu.Lock()
		t.received, t.started = 0, false
		t.mu.Unlock()
	}
}

// collect gives the packets received in the window and each track's
// jitter in milliseconds.
func (s *recvStats) collect() (got int64, jitters []float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.list {
		t.mu.Lock()
		if t.started {
			got += t.received
			jitters = append(jitters, t.jitter*1000)
		}
		t.mu.Unlock()
	}
	return got, jitters
}

// cpuSeconds is the CPU time the process has used (/proc/PID/stat).
func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the fields after the command's name, which is in parentheses
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // clock ticks of USER_HZ
}

// rssMB is the process's resident memory.
func rssMB(pid int) float64 { return float64(rssBytes(pid)) / (1 << 20) }

// ---- Schulhof's unit -------------------------------------------------------

type schulhofSFU struct {
	cmd  *exec.Cmd
	ns   *netns
	base string
	hc   *http.Client
}

// startSchulhofSFU runs "schulhof-bench video-sfu" in a namespace of its
// own.
func startSchulhofSFU() (*schulhofSFU, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ns, err := newNetns(1)
	if err != nil {
		return nil, err
	}
	cmd := ns.command(exe, "video-sfu", "--addr", ns.nsIP+":0", "--ip", ns.nsIP)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		ns.close()
		return nil, fmt.Errorf("the unit did not start: %w", err)
	}
	return &schulhofSFU{cmd: cmd, ns: ns, base: "http://" + strings.TrimSpace(addr), hc: &http.Client{Timeout: 30 * time.Second}}, nil
}

func (s *schulhofSFU) pid() int { return s.cmd.Process.Pid }

func (s *schulhofSFU) close() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.ns.close()
}

func (s *schulhofSFU) call(method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.base+path, body)
	res, err := s.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	if out != nil && res.StatusCode != 204 {
		return json.NewDecoder(res.Body).Decode(out)
	}
	return nil
}

func (s *schulhofSFU) publish(p *benchPeer, offer string, sources map[string]string) (string, error) {
	q := "?room=" + p.room + "&id=" + p.name
	if err := s.call("POST", "/join"+q, nil, nil); err != nil {
		return "", err
	}
	// the unit offers what the peer receives whenever it changes: answer
	// each offer as it comes
	stopped := func() bool {
		select {
		case <-p.stop:
			return true
		default:
			return false
		}
	}
	go func() {
		for !stopped() {
			var o sdpBody
			if err := s.call("GET", "/offer"+q, nil, &o); err != nil {
				if !stopped() {
					fmt.Fprintf(os.Stderr, "%s: %v\n", p.name, err)
				}
				return
			}
			if o.SDP == "" {
				continue
			}
			answer, err := p.answerOffer(o.SDP)
			if err != nil {
				if !stopped() {
					fmt.Fprintf(os.Stderr, "%s: answer: %v\n", p.name, err)
				}
				return
			}
			if err := s.call("POST", "/answer"+q, sdpBody{SDP: answer}, nil); err != nil && !stopped() {
				fmt.Fprintf(os.Stderr, "%s: %v\n", p.name, err)
			}
		}
	}()
	if offer == "" {
		return "", nil
	}
	var a sdpBody
	err := s.call("POST", "/publish"+q, sdpBody{SDP: offer, Sources: sources}, &a)
	return a.SDP, err
}

// subscribe: the unit sends each peer everyone else on its own.
func (s *schulhofSFU) subscribe(*benchPeer, []*benchPeer) error { return nil }

// ---- Janus ------------------------------------------------------------------

type janusSFU struct {
	cmd   *exec.Cmd
	ns    *netns
	base  string
	hc    *http.Client
	dir   string
	rooms sync.Map // room name -> its number, once made
	txn   atomic.Int64
}

// startJanus runs Debian's janus with the videoroom plugin and its HTTP
// API on a loopback port, from a configuration of its own; it installs
// the package when it is missing.
func startJanus() (*janusSFU, error) {
	if _, err := exec.LookPath("janus"); err != nil {
		fmt.Fprintln(os.Stderr, "installing janus (apt-get install janus) …")
		inst := exec.Command("apt-get", "install", "-y", "-q", "--no-install-recommends", "janus")
		inst.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := inst.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("apt-get install janus: %v\n%s", err, out)
		}
	}
	lib := "/usr/lib/x86_64-linux-gnu/janus"
	if m, _ := filepath.Glob("/usr/lib/*/janus"); len(m) > 0 {
		lib = m[0]
	}
	dir, err := os.MkdirTemp("", "schulhof-janus-")
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"conf", "plugins", "transports"} {
		os.Mkdir(filepath.Join(dir, sub), 0o755)
	}
	// only the videoroom plugin and the HTTP transport
	if err := os.Symlink(filepath.Join(lib, "plugins", "libjanus_videoroom.so"), filepath.Join(dir, "plugins", "libjanus_videoroom.so")); err != nil {
		return nil, err
	}
	if err := os.Symlink(filepath.Join(lib, "transports", "libjanus_http.so"), filepath.Join(dir, "transports", "libjanus_http.so")); err != nil {
		return nil, err
	}
	ns, err := newNetns(2)
	if err != nil {
		return nil, err
	}
	port := 8088 // the namespace is Janus's alone
	files := map[string]string{
		"janus.jcfg": `general: { configs_folder = "` + dir + `/conf" plugins_folder = "` + dir + `/plugins" transports_folder = "` + dir + `/transports" debug_level = 2 session_timeout = 120 }
media: { rtp_port_range = "30000-60000" }
nat: { ice_enforce_list = "` + ns.dev + `n" }
plugins: { }
transports: { }
events: { broadcast = false }`,
		"janus.transport.http.jcfg": fmt.Sprintf(`general: { json = "plain" base_path = "/janus" http = true port = %d ip = "%s" https = false }
admin: { admin_http = false }`, port, ns.nsIP),
		"janus.plugin.videoroom.jcfg": `general: { }`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, "conf", name), []byte(body), 0o644); err != nil {
			return nil, err
		}
	}
	cmd := ns.command("janus", "-F", filepath.Join(dir, "conf"), "-C", filepath.Join(dir, "conf", "janus.jcfg"), "-o")
	logf, _ := os.Create(filepath.Join(dir, "janus.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	j := &janusSFU{cmd: cmd, ns: ns, base: fmt.Sprintf("http://%s:%d/janus", ns.nsIP, port), hc: &http.Client{Timeout: 40 * time.Second}, dir: dir}
	for i := 0; ; i++ {
		res, err := j.hc.Get(j.base + "/info")
		if err == nil {
			res.Body.Close()
			break
		}
		if i == 100 {
			j.close()
			log, _ := os.ReadFile(filepath.Join(dir, "janus.log"))
			return nil, fmt.Errorf("janus did not answer: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond) // waiting for a process we started to listen
	}
	return j, nil
}

func (j *janusSFU) pid() int { return j.cmd.Process.Pid }

func (j *janusSFU) close() {
	j.cmd.Process.Kill()
	j.cmd.Wait()
	j.ns.close()
	os.RemoveAll(j.dir)
}

// janusSession is a peer's session at Janus, with its long poll for
// events.
type janusSession struct {
	j        *janusSFU
	id       int64
	pub, sub int64 // the handles
	mu       sync.Mutex
	waiting  map[int64]chan map[string]any // handle -> the next event with a jsep
	stop     chan struct{}
}

func (j *janusSFU) post(path string, body map[string]any) (map[string]any, error) {
	body["transaction"] = strconv.FormatInt(j.txn.Add(1), 10)
	b, _ := json.Marshal(body)
	res, err := j.hc.Post(j.base+path, "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, err
	}
	if out["janus"] == "error" {
		return nil, fmt.Errorf("janus: %v", out["error"])
	}
	return out, nil
}

func dataID(m map[string]any) int64 {
	d, _ := m["data"].(map[string]any)
	f, _ := d["id"].(float64)
	return int64(f)
}

func (j *janusSFU) session(p *benchPeer) (*janusSession, error) {
	if p.janus != nil {
		return p.janus, nil
	}
	out, err := j.post("", map[string]any{"janus": "create"})
	if err != nil {
		return nil, err
	}
	s := &janusSession{j: j, id: dataID(out), waiting: map[int64]chan map[string]any{}, stop: p.stop}
	for _, h := range []*int64{&s.pub, &s.sub} {
		out, err := j.post("/"+strconv.FormatInt(s.id, 10), map[string]any{"janus": "attach", "plugin": "janus.plugin.videoroom"})
		if err != nil {
			return nil, err
		}
		*h = dataID(out)
	}
	go s.poll()
	p.janus = s
	return s, nil
}

// poll takes the session's events (and keeps it alive).
func (s *janusSession) poll() {
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		res, err := s.j.hc.Get(s.j.base + "/" + strconv.FormatInt(s.id, 10) + "?maxev=10")
		if err != nil {
			return
		}
		var evs []map[string]any
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if json.Unmarshal(b, &evs) != nil {
			var one map[string]any
			if json.Unmarshal(b, &one) != nil {
				continue
			}
			evs = []map[string]any{one}
		}
		for _, e := range evs {
			pd, _ := e["plugindata"].(map[string]any)
			data, _ := pd["data"].(map[string]any)
			if e["jsep"] == nil && data["error"] == nil {
				continue
			}
			h, _ := e["sender"].(float64)
			s.mu.Lock()
			ch := s.waiting[int64(h)]
			s.mu.Unlock()
			if ch != nil {
				ch <- e
			}
		}
	}
}

// message sends the handle's plugin a request with a jsep and waits for
// the event that carries the plugin's jsep.
func (s *janusSession) message(handle int64, body map[string]any, jsep map[string]any) (map[string]any, error) {
	ch := make(chan map[string]any, 1)
	s.mu.Lock()
	s.waiting[handle] = ch
	s.mu.Unlock()
	req := map[string]any{"janus": "message", "body": body}
	if jsep != nil {
		req["jsep"] = jsep
	}
	if _, err := s.j.post("/"+strconv.FormatInt(s.id, 10)+"/"+strconv.FormatInt(handle, 10), req); err != nil {
		return nil, err
	}
	select {
	case e := <-ch:
		if e["jsep"] == nil {
			return nil, fmt.Errorf("janus: %v", e["plugindata"])
		}
		return e, nil
	case <-time.After(30 * time.Second):
		return nil, errors.New("janus sent no jsep")
	}
}

// room is the number of the room, made at the first use.
func (j *janusSFU) room(s *janusSession, name string) (int64, error) {
	n, _ := strconv.ParseInt(strings.TrimPrefix(name, "class"), 10, 64)
	if _, done := j.rooms.LoadOrStore(name, n); done {
		return n, nil
	}
	_, err := j.post("/"+strconv.FormatInt(s.id, 10)+"/"+strconv.FormatInt(s.pub, 10), map[string]any{"janus": "message",
		"body": map[string]any{"request": "create", "room": n, "publishers": 100, "audiocodec": "opus", "videocodec": "vp8", "bitrate": 0}})
	return n, err
}

func (j *janusSFU) publish(p *benchPeer, offer string, _ map[string]string) (string, error) {
	s, err := j.session(p)
	if err != nil {
		return "", err
	}
	room, err := j.room(s, p.room)
	if err != nil || offer == "" {
		return "", err
	}
	e, err := s.message(s.pub, map[string]any{"request": "joinandconfigure", "ptype": "publisher", "room": room, "id": p.feed, "display": p.name},
		map[string]any{"type": "offer", "sdp": offer, "trickle": false})
	if err != nil {
		return "", err
	}
	js, _ := e["jsep"].(map[string]any)
	sdp, _ := js["sdp"].(string)
	return sdp, nil
}

func (j *janusSFU) subscribe(p *benchPeer, others []*benchPeer) error {
	s, err := j.session(p)
	if err != nil {
		return err
	}
	room, err := j.room(s, p.room)
	if err != nil {
		return err
	}
	var streams []map[string]any
	for _, o := range others {
		streams = append(streams, map[string]any{"feed": o.feed})
	}
	// a feed is there once its connection is up: until then, Janus
	// says there is no such feed
	var e map[string]any
	for try := 0; ; try++ {
		e, err = s.message(s.sub, map[string]any{"request": "join", "ptype": "subscriber", "room": room, "streams": streams}, nil)
		if err == nil || !strings.Contains(err.Error(), "No such feed") || try == 100 {
			break
		}
		time.Sleep(200 * time.Millisecond) // the publishers' connections come up
	}
	if err != nil {
		return err
	}
	js, _ := e["jsep"].(map[string]any)
	offer, _ := js["sdp"].(string)
	answer, err := p.answerOffer(offer)
	if err != nil {
		return err
	}
	_, err = j.post("/"+strconv.FormatInt(s.id, 10)+"/"+strconv.FormatInt(s.sub, 10), map[string]any{"janus": "message",
		"body": map[string]any{"request": "start"}, "jsep": map[string]any{"type": "answer", "sdp": answer, "trickle": false}})
	if err != nil {
		return err
	}
	// the best layer of a simulcast camera, as Schulhof's receivers get
	// (Janus would choose by its own estimate otherwise). Janus numbers
	// the RIDs in the order the offer lists them, taking the first for
	// the best: its substream 0 is the layer "f" here (seen in the
	// packets' sizes: 1,100 bytes)
	pd, _ := e["plugindata"].(map[string]any)
	data, _ := pd["data"].(map[string]any)
	list, _ := data["streams"].([]any)
	var best []map[string]any
	for _, x := range list {
		st, _ := x.(map[string]any)
		if st["type"] == "video" {
			best = append(best, map[string]any{"mid": st["mid"], "substream": 0})
		}
	}
	if len(best) > 0 {
		_, err = j.post("/"+strconv.FormatInt(s.id, 10)+"/"+strconv.FormatInt(s.sub, 10), map[string]any{"janus": "message",
			"body": map[string]any{"request": "configure", "streams": best}})
	}
	return err
}

// netns is a network namespace of the benchmark's own, joined to this
// one by a veth pair: each unit runs in one, reached at its address,
// with the same way for its packets (Janus's ICE leaves out loopback).
type netns struct {
	name, dev, hostIP, nsIP string
}

func newNetns(n int) (*netns, error) {
	ns := &netns{name: fmt.Sprintf("schulhof-bench-%d", n), dev: fmt.Sprintf("sbv%d", n),
		hostIP: fmt.Sprintf("10.77.%d.1", n), nsIP: fmt.Sprintf("10.77.%d.2", n)}
	ns.close() // what a run that was killed left
	for _, c := range [][]string{
		{"ip", "netns", "add", ns.name},
		{"ip", "link", "add", ns.dev + "h", "type", "veth", "peer", "name", ns.dev + "n"},
		{"ip", "link", "set", ns.dev + "n", "netns", ns.name},
		{"ip", "addr", "add", ns.hostIP + "/30", "dev", ns.dev + "h"},
		{"ip", "link", "set", ns.dev + "h", "up"},
		{"ip", "netns", "exec", ns.name, "ip", "addr", "add", ns.nsIP + "/30", "dev", ns.dev + "n"},
		{"ip", "netns", "exec", ns.name, "ip", "link", "set", ns.dev + "n", "up"},
		{"ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			ns.close()
			return nil, fmt.Errorf("%s: %v %s (the video benchmark runs as root, with iproute2)", strings.Join(c, " "), err, out)
		}
	}
	return ns, nil
}

// command runs name in the namespace.
func (ns *netns) command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.name, name}, args...)...)
}

// close removes the namespace and the pair (at once: the namespace's
// end alone would go a moment later, in the way of the next run's).
func (ns *netns) close() {
	exec.Command("ip", "link", "del", ns.dev+"h").Run()
	exec.Command("ip", "netns", "del", ns.name).Run()
}
