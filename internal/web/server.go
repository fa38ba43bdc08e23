// Package web assembles Schulhof's HTTP server from its modules (one
// package each under internal/web: accounts, files, assignments,
// timetables, examplan, chat, boards, live), which build on kit: it makes
// each module with what it needs of the others, mounts their routes
// behind the middleware, assembles the OpenAPI document from their parts,
// runs their housekeeping, and serves what belongs to no module (the
// start page, which shows a part of several, operations, static files).
// docs/architecture.md says how a new module comes in.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/web/accounts"
	"github.com/schulhof/schulhof/internal/web/assignments"
	"github.com/schulhof/schulhof/internal/web/boards"
	"github.com/schulhof/schulhof/internal/web/chat"
	"github.com/schulhof/schulhof/internal/web/console"
	"github.com/schulhof/schulhof/internal/web/devices"
	"github.com/schulhof/schulhof/internal/web/examplan"
	"github.com/schulhof/schulhof/internal/web/files"
	"github.com/schulhof/schulhof/internal/web/kit"
	"github.com/schulhof/schulhof/internal/web/live"
	"github.com/schulhof/schulhof/internal/web/login"
	"github.com/schulhof/schulhof/internal/web/privacy"
	"github.com/schulhof/schulhof/internal/web/rollover"
	"github.com/schulhof/schulhof/internal/web/sso"
	"github.com/schulhof/schulhof/internal/web/timetables"
	"github.com/schulhof/schulhof/internal/web/video"
)

// Config is what the web layer needs of the configuration.
type Config struct {
	// PublicURL is the address users type, printed on login letters; empty
	// means the address of the request.
	PublicURL string
	// TrustProxy makes the server believe X-Forwarded-For and
	// X-Forwarded-Proto, for a deployment behind a reverse proxy.
	TrustProxy bool
	// SecureCookies forces the Secure flag; otherwise it is set when the
	// request came over HTTPS.
	SecureCookies bool
	Version       string
	// TrashRetention is how long deleted files can be restored before
	// they are removed for good; 0 means 30 days.
	TrashRetention time.Duration
	// Quotas overrides schulhof.DefaultQuotas, by space kind and the owner's
	// role (0 for groups).
	Quotas map[schulhof.SpaceKind]map[schulhof.Role]int64
	// KeepVersions is how many earlier versions an overwritten file keeps;
	// 0 means 10.
	KeepVersions int
	// OrphanAge is how old a blob that no file names must be before the
	// janitor removes it (an upload in progress has no row yet); 0 means
	// an hour.
	OrphanAge time.Duration
	// Bus carries live events between nodes (NATS in a cluster); nil
	// means the in-process bus of a single node.
	Bus bus.Bus
	// ChatEvery is how often a user may post once their burst of ten is
	// spent; 0 means every two seconds (load tests set it lower).
	ChatEvery time.Duration
	// PushHosts are the push services the server posts Web Push
	// notifications to (push.DefaultHosts when empty); PushAllowHTTP
	// allows plain http endpoints, for tests on loopback.
	PushHosts     []string
	PushAllowHTTP bool
	// Video is where video lessons' media go and the TURN server for
	// clients behind NAT.
	Video video.Config
}

// Server holds what the handlers share. It has no global state: tests run
// many servers in one process.
type Server struct {
	*kit.Deps
	cfg     Config
	db      *sqlstore.DB
	metrics *metrics
	handler http.Handler
	router  *kit.Router
	// the OpenAPI document, assembled from the modules' parts
	openAPIDoc []byte
	// modules are all of them, in the order they are made: their routes
	// are added and their housekeeping runs in it (files last, whose
	// sweep removes what the others' purges left), and they stop in the
	// reverse. The fields after it are those the assembly needs by name.
	modules []module
	login   *login.Module // the start page's "who am I", WebDAV's login
	files   *files.Module // WebDAV
}

// module is what every module offers the assembly; a module may also
// have Housekeeping(ctx) (every ten minutes), Stop() (at shutdown) and
// Wait() (for the work it does after answering a request).
type module interface {
	Routes(rt *kit.Router)
}

// New builds the server: the modules, then the route table.
func New(cfg Config, db *sqlstore.DB, blobs blob.Store, hasher *password.Hasher, log *slog.Logger) (*Server, error) {
	b := cfg.Bus
	if b == nil {
		b = bus.NewLocal()
	}
	deps := kit.NewDeps(kit.Site{PublicURL: cfg.PublicURL, TrustProxy: cfg.TrustProxy, SecureCookies: cfg.SecureCookies, Version: cfg.Version}, db,
		// the clock is the store's, read on every call, so that tests can move it
		func() time.Time { return db.Now() }, blobs, b, log)
	s := &Server{Deps: deps, cfg: cfg, db: db}
	s.metrics = newMetrics(db)
	s.Metrics = s.metrics.reg
	s.metrics.watchLive(s.Hub)
	shareCache(db, deps)
	if err := s.makeModules(cfg, db, hasher); err != nil {
		return nil, err
	}
	if err := kit.ParseTemplates(); err != nil {
		return nil, err
	}
	var err error
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// shareCache keeps the store's read cache on every node of a cluster
// (on PostgreSQL too): each write of this node's drops the others' over
// the bus, and while the bus may lose what the others say, the cache
// keeps nothing.
func shareCache(db *sqlstore.DB, d *kit.Deps) {
	tell := d.Broadcast("store.cache.drop", func(data []byte) {
		n, _ := strconv.ParseInt(string(data), 10, 64)
		db.DropCache(schulhof.SchoolID(n))
	})
	if w, ok := d.Bus.(bus.Watcher); ok {
		w.Watch(db.HearOthers)
	}
	// the school whose messenger wrote, or 0 for any other write
	db.ShareCache(func(chat schulhof.SchoolID) { tell(strconv.AppendInt(nil, int64(chat), 10)) })
}

// makeModules makes every module, each with what it needs of the others
// (small interfaces each declares), in the order of what they need.
func (s *Server) makeModules(cfg Config, db *sqlstore.DB, hasher *password.Hasher) error {
	keep := s.trashRetention()
	s.files = files.New(s.Deps, db, files.Config{Quotas: cfg.Quotas, KeepVersions: orDefault(cfg.KeepVersions, 10),
		KeepDeleted: keep, OrphanAge: orDefault(cfg.OrphanAge, time.Hour)})
	live, err := live.New(s.Deps, db)
	if err != nil {
		return err
	}
	chat, err := chat.New(s.Deps, db, s.files, chat.Config{Every: cfg.ChatEvery, PushHosts: cfg.PushHosts, PushAllowHTTP: cfg.PushAllowHTTP})
	if err != nil {
		return err
	}
	boards, err := boards.New(s.Deps, db, s.files, keep)
	if err != nil {
		return err
	}
	// the exam plan is built on the timetable, which shows its exams
	timetables := timetables.New(s.Deps, db)
	exams := examplan.New(s.Deps, db, timetables)
	timetables.UseExams(exams)
	if s.login, err = login.New(s.Deps, db, hasher, timetables); err != nil {
		return err
	}
	accounts := accounts.New(s.Deps, db, hasher, timetables, accounts.Config{Quotas: cfg.Quotas})
	assignments := assignments.New(s.Deps, db, s.files)
	video, err := video.New(s.Deps, db, cfg.Video)
	if err != nil {
		return err
	}
	devices := devices.New(s.Deps, db)
	sso, err := sso.New(s.Deps, db)
	if err != nil {
		return err
	}
	console := console.New(s.Deps, db, string(db.Dialect()))
	privacy := privacy.New(s.Deps, db)
	rollover := rollover.New(s.Deps, db)
	s.modules = []module{live, s.login, accounts, assignments, timetables, exams, chat, boards, video, devices, sso, console, privacy, rollover,
		s.files}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// WaitBackground waits for what runs after a request has been answered
// (Web Push notifications, boards' snapshots), as at shutdown, and in
// tests.
func (s *Server) WaitBackground() {
	for _, m := range s.modules {
		if w, ok := m.(interface{ Wait() }); ok {
			w.Wait()
		}
	}
}

// CloseSockets stops the modules, the live sockets last (at shutdown:
// clients reconnect to another node or after the restart), and leaves
// the bus.
func (s *Server) CloseSockets() {
	for i := len(s.modules) - 1; i >= 0; i-- {
		if st, ok := s.modules[i].(interface{ Stop() }); ok {
			st.Stop()
		}
	}
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Run does the housekeeping every ten minutes until ctx ends, on one
// node of a cluster at a time (HousekeepingRound).
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(housekeepingEvery)
	defer t.Stop()
	defer s.db.ReleaseLease(context.WithoutCancel(ctx), housekeepingLease, s.Node)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.HousekeepingRound(ctx)
		}
	}
}

const (
	housekeepingEvery = 10 * time.Minute
	housekeepingLease = "housekeeping"
)

// HousekeepingRound does the housekeeping if this node holds the lease
// (taking or renewing it): the nodes of a cluster share one database
// and file store, and a job done by each would be done N times at once
// (two nodes purging the same trash). The lease outlives a round; a node
// that dies leaves it to another after that time. It says whether it
// ran.
func (s *Server) HousekeepingRound(ctx context.Context) bool {
	ok, err := s.db.HoldLease(ctx, housekeepingLease, s.Node, housekeepingEvery+5*time.Minute)
	if err != nil {
		s.Log.Error("housekeeping lease", "err", err)
		return false
	}
	if ok {
		s.Housekeeping(ctx)
	}
	return ok
}

// Housekeeping runs every module's: expired sessions, trash, boards
// and chat messages past their time, abandoned uploads, orphan blobs.
func (s *Server) Housekeeping(ctx context.Context) {
	for _, m := range s.modules {
		if h, ok := m.(interface{ Housekeeping(context.Context) }); ok {
			h.Housekeeping(ctx)
		}
	}
}

// trashRetention is how long what is deleted can be restored.
func (s *Server) trashRetention() time.Duration {
	if s.cfg.TrashRetention > 0 {
		return s.cfg.TrashRetention
	}
	return 30 * 24 * time.Hour
}
