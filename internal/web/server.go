// Package web is all of Schulhof's HTTP: the route table (routes.go), the
// middleware, the server-rendered pages and the JSON API under /api/v1.
// Pages and API call the same store methods after the same policy checks;
// handlers are named after what they do (showUsersPage, apiCreateUser).
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/bus"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/sqlstore"
	"github.com/schulhof/schulhof/internal/web/assignments"
	"github.com/schulhof/schulhof/internal/web/boards"
	"github.com/schulhof/schulhof/internal/web/chat"
	"github.com/schulhof/schulhof/internal/web/examplan"
	"github.com/schulhof/schulhof/internal/web/files"
	"github.com/schulhof/schulhof/internal/web/kit"
	"github.com/schulhof/schulhof/internal/web/live"
	"github.com/schulhof/schulhof/internal/web/timetables"
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
}

// Server holds what the handlers share. It has no global state: tests run
// many servers in one process.
type Server struct {
	*kit.Deps
	cfg     Config
	db      *sqlstore.DB
	hasher  *password.Hasher
	limiter *Limiter
	// deviceKey signs device cookies (device.go)
	deviceKey []byte
	basic     basicCache
	metrics   *metrics
	handler   http.Handler
	router    *kit.Router
	// the OpenAPI document, assembled from the modules' parts
	openAPIDoc []byte
	// the modules
	assignments *assignments.Module
	boards      *boards.Module
	chat        *chat.Module
	exams       *examplan.Module
	files       *files.Module
	timetables  *timetables.Module
	live        *live.Module
	// the messenger's live side
}

// New builds the server and its route table.
func New(cfg Config, db *sqlstore.DB, blobs blob.Store, hasher *password.Hasher, log *slog.Logger) (*Server, error) {
	b := cfg.Bus
	if b == nil {
		b = bus.NewLocal()
	}
	deps := kit.NewDeps(kit.Site{PublicURL: cfg.PublicURL, TrustProxy: cfg.TrustProxy, Version: cfg.Version}, db,
		// the clock is the store's, read on every call, so that tests can move it
		func() time.Time { return db.Now() }, blobs, b, log)
	s := &Server{Deps: deps, cfg: cfg, db: db, hasher: hasher,
		limiter: NewLimiter(deps.Now), basic: basicCache{m: map[[32]byte]basicEntry{}}}
	key, err := loadDeviceKey(context.Background(), db.SettingOnce)
	if err != nil {
		return nil, err
	}
	s.deviceKey = key
	s.metrics = newMetrics(db)
	s.Metrics = s.metrics.reg
	orphanAge := cfg.OrphanAge
	if orphanAge <= 0 {
		orphanAge = time.Hour
	}
	keepVersions := cfg.KeepVersions
	if keepVersions <= 0 {
		keepVersions = 10
	}
	s.files = files.New(s.Deps, db, files.Config{Quotas: cfg.Quotas, KeepVersions: keepVersions,
		KeepDeleted: s.trashRetention(), OrphanAge: orphanAge})
	if s.live, err = live.New(s.Deps, db); err != nil {
		return nil, err
	}
	if s.chat, err = chat.New(s.Deps, db, s.files, chat.Config{Every: cfg.ChatEvery, PushHosts: cfg.PushHosts, PushAllowHTTP: cfg.PushAllowHTTP}); err != nil {
		return nil, err
	}
	if s.boards, err = boards.New(s.Deps, db, s.files, s.trashRetention()); err != nil {
		return nil, err
	}
	s.metrics.watchLive(s.Hub)
	s.AddSettings(s.schoolSettings)
	s.timetables = timetables.New(s.Deps, db)
	s.exams = examplan.New(s.Deps, db, s.timetables)
	s.timetables.UseExams(s.exams)
	if err := kit.ParseTemplates(); err != nil {
		return nil, err
	}
	s.assignments = assignments.New(s.Deps, db, s.files)
	if s.handler, err = s.routes(); err != nil {
		return nil, err
	}
	return s, nil
}

// WaitBackground waits for what runs after a request has been answered:
// the Web Push notifications under way (each bounded in time) and the
// boards' snapshots being written; as at shutdown, and in tests.
func (s *Server) WaitBackground() {
	s.chat.Wait()
	s.boards.Wait()
}

// CloseSockets ends the live sockets (at shutdown: clients reconnect to
// another node or after the restart) and leaves the bus.
func (s *Server) CloseSockets() {
	s.chat.Stop()
	s.boards.Stop()
	s.live.Stop()
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Run does the housekeeping every ten minutes until ctx ends.
func (s *Server) Run(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.Housekeeping(ctx)
		}
	}
}

// Housekeeping removes expired sessions, trash older than the retention,
// chat messages older than their school keeps them, temporary files of
// uploads that never finished, and blobs that no
// file or attachment names (uploads that crashed or were refused
// after their bytes were stored).
func (s *Server) Housekeeping(ctx context.Context) {
	now := s.Now()
	if n, err := s.db.DeleteExpiredSessions(ctx, now); err != nil {
		s.Log.Error("delete expired sessions", "err", err)
	} else if n > 0 {
		s.Log.Info("deleted expired sessions", "count", n)
	}
	s.limiter.Sweep()
	s.boards.Housekeeping(ctx)
	s.chat.Housekeeping(ctx)
	s.files.Housekeeping(ctx)
}

// trashRetention is how long what is deleted can be restored.
func (s *Server) trashRetention() time.Duration {
	if s.cfg.TrashRetention > 0 {
		return s.cfg.TrashRetention
	}
	return 30 * 24 * time.Hour
}

// newToken returns a session token and the hash that is stored.
func newToken() (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashToken(tok)
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}
