// Package video is the module of video lessons: every group has a video
// room, teachers open ad-hoc calls (parent-teacher talks, staff
// meetings); the media go through the selective forwarding unit of
// internal/rtc in this process. The signalling goes over the live socket
// (docs/video.md): a client sends its requests to the topic "call.ID",
// follows the room's events there once in, and gets what is for it alone
// (the server's offers, being admitted or muted) on its "user.ID".
//
// Who is in a call lives here, on the node that hosts it (host.go: the
// other nodes of a cluster pass it what is asked of the call); the store
// keeps the call itself (its settings, whether it ended, its host) and
// its guests. Every permission is checked here: a student whose
// microphone the teacher forbade is not forwarded, whatever the client
// sends.
package video

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	CreateCall(ctx context.Context, u *schulhof.User, c *schulhof.Call) error
	FindCall(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID) (*schulhof.Call, error)
	FindCallAnySchool(ctx context.Context, id schulhof.CallID) (*schulhof.Call, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error)
	FindOpenCalls(ctx context.Context, u *schulhof.User) ([]*schulhof.Call, error)
	OpenGroupCall(ctx context.Context, u *schulhof.User, group schulhof.GroupID) (*schulhof.Call, error)
	SetCallGuestKey(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID, key []byte) error
	UpdateCall(ctx context.Context, school schulhof.SchoolID, id schulhof.CallID, up schulhof.CallUpdate) (*schulhof.Call, error)
	// the node that hosts a call
	ClaimCallNode(ctx context.Context, id schulhof.CallID, node, gone string, holdFor time.Duration) (string, error)
	FindCallNode(ctx context.Context, id schulhof.CallID) (string, error)
	RenewCallNodes(ctx context.Context, node string, holdFor time.Duration) ([]schulhof.CallID, error)
	ReleaseCallNode(ctx context.Context, id schulhof.CallID, node string) error
	// the boards a call shows (whiteboard.go)
	board.Maker
	FindBoardByID(ctx context.Context, u *schulhof.User, id schulhof.BoardID) (*schulhof.Board, error)
	FindBoards(ctx context.Context, u *schulhof.User) ([]*schulhof.Board, error)
	// the guests who came by a guest link
	AddCallGuest(ctx context.Context, g *schulhof.CallGuest, keyHash []byte) error
	FindCallGuest(ctx context.Context, keyHash []byte) (*schulhof.CallGuest, error)
	FindCallGuestByID(ctx context.Context, id int64) (*schulhof.CallGuest, error)
}

// Config is what the module takes of the configuration.
type Config struct {
	// RTC says where the forwarding unit listens for media.
	RTC rtc.Config
	// TURN are the addresses of the school's TURN server (coturn:
	// "turn:turn.example.org:3478", "turns:...:5349") for clients behind
	// NAT; TURNSecret is its shared secret (coturn's
	// static-auth-secret), from which each client gets credentials that
	// hold for TURNFor (0: 12 hours).
	TURN       []string
	TURNSecret string
	TURNFor    time.Duration
}

// Module serves the video lessons' pages, API and live topic.
type Module struct {
	*kit.Deps
	db   Store
	cfg  Config
	sfu  *rtc.SFU
	subs []bus.Subscription
	// node names this process among a cluster's nodes (host.go)
	node     string
	stop     chan struct{}
	stopOnce sync.Once

	mu    sync.Mutex
	calls map[schulhof.CallID]*liveCall // the calls this node hosts
	// claimMu orders claiming a call and giving it up
	claimMu sync.Mutex
	// hosts are the nodes that host other calls, as the store said a
	// moment ago; seen are who is in them, as their rosters went by
	hosts *kit.Cache[schulhof.CallID, string]
	seen  rosters
	// rights keeps what a user may do in a call a few seconds, for the
	// socket's requests
	rights *kit.Cache[rightsKey, callRights]
	chat   kit.RateLimit[schulhof.UserID]
	// guests keeps the guests the store knows a few seconds, by their
	// cookie's hash and by id
	guests   *kit.Cache[string, *schulhof.CallGuest]
	guestIDs *kit.Cache[int64, *schulhof.CallGuest]
}

// New is the module on the server's Deps and its store, with its
// forwarding unit; it takes the calls' events from the bus.
func New(d *kit.Deps, db Store, cfg Config) (*Module, error) {
	sfu, err := rtc.New(cfg.RTC)
	if err != nil {
		return nil, err
	}
	if cfg.TURNFor <= 0 {
		cfg.TURNFor = 12 * time.Hour
	}
	m := &Module{Deps: d, db: db, cfg: cfg, sfu: sfu, node: newNodeName(), stop: make(chan struct{}),
		calls:    map[schulhof.CallID]*liveCall{},
		hosts:    kit.Shared(d, "video.hosts", kit.NewCache[schulhof.CallID, string](hostsFor, 20_000)),
		rights:   kit.Shared(d, "video.rights", kit.NewCache[rightsKey, callRights](3*time.Second, 20_000)),
		chat:     kit.RateLimit[schulhof.UserID]{Burst: 5, Every: time.Second},
		guests:   kit.Shared(d, "video.guests", kit.NewCache[string, *schulhof.CallGuest](3*time.Second, 20_000)),
		guestIDs: kit.Shared(d, "video.guest_ids", kit.NewCache[int64, *schulhof.CallGuest](3*time.Second, 20_000)),
	}
	kit.ShareLimit(d, "video.chat", &m.chat)
	d.AddTopic("call", kit.TopicKind{MayFollow: m.mayFollow, Receive: m.receive})
	d.AddSessionKind(kit.SessionKind{Prefix: sessionPrefix, Alive: m.guestAlive})
	// the events of a call go over the bus, so that a socket on any
	// node gets them; what others ask of this node's calls comes there
	events, err := d.Bus.Subscribe("video.>", m.deliver)
	if err != nil {
		sfu.Close()
		return nil, err
	}
	asked, err := d.Bus.Respond(hostSubject(m.node), m.answer)
	if err != nil {
		events.Unsubscribe()
		sfu.Close()
		return nil, err
	}
	m.subs = []bus.Subscription{events, asked}
	go m.keepClaims(m.stop)
	d.Metrics.MustRegister(m.collector())
	return m, nil
}

// deliver takes an event of a call from the bus to this node's sockets,
// and keeps the call's roster for mayFollow.
func (m *Module) deliver(subject string, data []byte) {
	var e busEvent
	if json.Unmarshal(data, &e) != nil {
		return
	}
	if n, err := strconv.ParseInt(strings.TrimPrefix(subject, "video."), 10, 64); err == nil {
		switch e.Event {
		case "peers":
			var r roster
			if json.Unmarshal(e.Data, &r) == nil {
				m.seen.saw(schulhof.CallID(n), &r)
			}
		case "call.ended":
			m.seen.forget(schulhof.CallID(n))
		}
	}
	m.Hub.Deliver(context.Background(), e.Topic, e.Event, e.Data)
}

// Routes adds the module's pages and API.
func (m *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	rt.Show("GET /calls", "calls", m.showCallsPage)
	rt.Form("POST /calls", m.openCallFromForm)
	rt.Show("GET /calls/{call}", "call", m.showCallPage)
	rt.JSON("GET /api/v1/calls", m.apiListCalls)
	rt.JSON("POST /api/v1/calls", m.apiOpenCall)
	rt.JSON("GET /api/v1/calls/{call}", m.apiGetCall)
	rt.JSON("PATCH /api/v1/calls/{call}", m.apiUpdateCall)
	rt.JSON("POST /api/v1/calls/{call}/end", m.apiEndCall)
	rt.JSON("POST /api/v1/calls/{call}/mute", m.apiMute)
	rt.JSON("POST /api/v1/calls/{call}/remove", m.apiRemove)
	rt.JSON("POST /api/v1/calls/{call}/admit", m.apiAdmit)
	rt.JSON("GET /api/v1/calls/{call}/ice-servers", m.apiICEServers)
	rt.JSON("POST /api/v1/calls/{call}/guest-link", m.apiGuestLink)
	rt.JSON("DELETE /api/v1/calls/{call}/guest-link", m.apiGuestLink)
	rt.Open("GET /calls/guest/{link}", m.showGuestPage)
	rt.Open("POST /calls/guest/{link}", m.nameGuestFromForm)
	rt.Open("GET /api/v1/calls/{call}/guest-socket", m.serveGuestSocket)
	rt.JSON("POST /api/v1/calls/{call}/breakouts", m.apiStartBreakouts)
	rt.JSON("POST /api/v1/calls/{call}/breakouts/move", m.apiMoveToBreakout)
	rt.JSON("DELETE /api/v1/calls/{call}/breakouts", m.apiEndBreakouts)
	rt.JSON("POST /api/v1/calls/{call}/board", m.apiShowBoard)
	rt.JSON("DELETE /api/v1/calls/{call}/board", m.apiHideBoard)
}

// Stop ends the node's calls' connections, gives the calls up and leaves
// the bus (at shutdown: the clients come back to the node that hosts the
// call next).
func (m *Module) Stop() {
	m.stopOnce.Do(m.stopNow)
}

func (m *Module) stopNow() {
	close(m.stop)
	for _, s := range m.subs {
		s.Unsubscribe()
	}
	m.mu.Lock()
	calls := make([]*liveCall, 0, len(m.calls))
	for _, c := range m.calls {
		calls = append(calls, c)
	}
	m.mu.Unlock()
	for _, c := range calls {
		c.closeAll()
	}
	m.sfu.Close()
}

// busEvent is an event of a call on its way to the sockets: on the
// call's topic, or a user's own.
type busEvent struct {
	Topic string          `json:"topic"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// publish sends an event to a topic's sockets on every node.
func (m *Module) publish(call schulhof.CallID, topic, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		m.Log.Error("encode call event", "event", event, "err", err)
		return
	}
	e, _ := json.Marshal(busEvent{Topic: topic, Event: event, Data: b})
	if err := m.Bus.Publish(context.Background(), "video."+strconv.FormatInt(int64(call), 10), e); err != nil {
		m.Log.Warn("publish call event", "call", call, "event", event, "err", err)
	}
}

func callTopic(id schulhof.CallID) string { return "call." + strconv.FormatInt(int64(id), 10) }

func userTopic(id schulhof.UserID) string { return "user." + strconv.FormatInt(int64(id), 10) }

// collector counts what the node's calls carry, for /metrics.
func (m *Module) collector() prometheus.Collector {
	return &sfuCollector{sfu: m.sfu}
}

type sfuCollector struct{ sfu *rtc.SFU }

var (
	descRooms        = prometheus.NewDesc("schulhof_video_rooms", "Video rooms with participants on this node.", nil, nil)
	descParticipants = prometheus.NewDesc("schulhof_video_participants", "Participants of video rooms on this node.", nil, nil)
	descTracks       = prometheus.NewDesc("schulhof_video_tracks", "Audio and video tracks published on this node.", nil, nil)
	descPackets      = prometheus.NewDesc("schulhof_video_packets_received", "RTP packets received on the tracks published now.", nil, nil)
	descBytes        = prometheus.NewDesc("schulhof_video_bytes_received", "RTP bytes received on the tracks published now.", nil, nil)
	descForwarded    = prometheus.NewDesc("schulhof_video_packets_forwarded", "RTP packets sent on to receivers of the tracks published now.", nil, nil)
	descLost         = prometheus.NewDesc("schulhof_video_packets_lost", "RTP packets of the tracks published now that never arrived.", nil, nil)
)

func (c *sfuCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRooms, descParticipants, descTracks, descPackets, descBytes, descForwarded, descLost} {
		ch <- d
	}
}

func (c *sfuCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.sfu.Stats()
	ch <- prometheus.MustNewConstMetric(descRooms, prometheus.GaugeValue, float64(st.Rooms))
	ch <- prometheus.MustNewConstMetric(descParticipants, prometheus.GaugeValue, float64(st.Participants))
	ch <- prometheus.MustNewConstMetric(descTracks, prometheus.GaugeValue, float64(st.Tracks))
	// counters of the tracks published now: they fall when a track ends,
	// hence gauges
	ch <- prometheus.MustNewConstMetric(descPackets, prometheus.GaugeValue, float64(st.Packets))
	ch <- prometheus.MustNewConstMetric(descBytes, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(descForwarded, prometheus.GaugeValue, float64(st.Forwarded))
	ch <- prometheus.MustNewConstMetric(descLost, prometheus.GaugeValue, float64(st.Lost))
}

// userOf is the acting user of the request, who must belong to a school.
func userOf(r *http.Request) (*schulhof.User, error) {
	a := kit.AuthOf(r)
	if a.User == nil || a.User.SchoolID == 0 {
		return nil, schulhof.Errorf(schulhof.ENotFound, "call.not_found")
	}
	return a.User, nil
}
