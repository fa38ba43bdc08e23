// Package boards is the module of the whiteboard ("Tafel"): boards of a
// teacher or a group, drawn on together live (topic "board.ID" of the
// socket), their pictures, exports as PNG and PDF, copies, and saving an
// export into the files.
package boards

import (
	"context"
	"embed"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/bus"
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
	board.Store
	AddBoardImage(ctx context.Context, u *schulhof.User, img *schulhof.BoardImage) error
	BoardAudience(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (*schulhof.BoardAudience, error)
	CreateFolder(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.Node, error)
	DeleteBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID) error
	FindBoardByID(ctx context.Context, u *schulhof.User, id schulhof.BoardID) (*schulhof.Board, error)
	FindBoardImage(ctx context.Context, school schulhof.SchoolID, board schulhof.BoardID, id int64) (*schulhof.BoardImage, error)
	FindBoards(ctx context.Context, u *schulhof.User) ([]*schulhof.Board, error)
	FindBoardPresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) ([]byte, time.Time, error)
	FindDeletedBoards(ctx context.Context, u *schulhof.User) ([]*schulhof.Board, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindMembers(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) ([]*schulhof.Member, error)
	FindNodeByPath(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, names []string) (*schulhof.Node, error)
	FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error)
	PurgeBoards(ctx context.Context, before time.Time) (int64, error)
	PutFile(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string, c schulhof.NewContent, keepVersions int) (*schulhof.Node, error)
	RestoreBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID) error
	SaveBoardSnapshot(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, doc []byte, seq int64) error
	SetBoardPresenting(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID, user schulhof.UserID, view []byte) error
	SetBoardImageRender(ctx context.Context, school schulhof.SchoolID, id int64, key string) error
	UpdateBoard(ctx context.Context, u *schulhof.User, id schulhof.BoardID, up schulhof.BoardUpdate) (*schulhof.Board, error)
}

// Files is what boards need of the files module: storing bytes against
// a space's quota, and a file the user may read (a picture put on a
// board from the files).
type Files interface {
	PutBlob(r *http.Request, sc *schulhof.School, space schulhof.Space, body io.Reader, size, pending int64) (blob.Info, error)
	ReadableFile(r *http.Request, sc *schulhof.School, id schulhof.NodeID) (*schulhof.Node, error)
}

// Module serves the boards' pages, API and live topic.
type Module struct {
	*kit.Deps
	db    Store
	files Files

	boards    liveBoards
	audiences *kit.Cache[schulhof.BoardID, *schulhof.BoardAudience]
	limits    kit.RateLimit[schulhof.UserID]
	sub       bus.Subscription
	opsStored atomic.Int64 // by this node, for /metrics
	// loads counts the drawings loaded whole from the store, catchUps
	// those brought up to date from the log (another node drew)
	loads, catchUps atomic.Int64
	// pictureWork bounds the decoding and drawing of pictures a node
	// does at once: exports and the copies of pictures they draw
	pictureWork *admission.Queue
	snapshotWG  sync.WaitGroup // snapshots being written
	storeWG     sync.WaitGroup // operations being stored
	presentWG   sync.WaitGroup // presenters' views due to be stored
	// keepDeleted is how long a deleted board can be restored
	keepDeleted time.Duration
}

// New is the module on the server's Deps, its store and the files
// module; it takes the boards' events from the bus. Deleted boards can
// be restored for keepDeleted.
func New(d *kit.Deps, db Store, files Files, keepDeleted time.Duration) (*Module, error) {
	s := &Module{Deps: d, db: db, files: files, keepDeleted: keepDeleted,
		audiences:   kit.Shared(d, "boards.audiences", kit.NewCache[schulhof.BoardID, *schulhof.BoardAudience](5*time.Second, 20_000)),
		limits:      kit.RateLimit[schulhof.UserID]{Burst: opBurst, Every: time.Second / opRate},
		pictureWork: admission.New(2, 8, 20*time.Second),
	}
	s.pictureWork.Key = "board.export_busy"
	kit.ShareLimit(d, "boards.ops", &s.limits)
	d.AddExportPart(kit.ExportPart{Order: 50, Folder: "tafeln", About: "export.boards", Write: s.exportBoards})
	d.Metrics.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_board_operations_total", Help: "Whiteboard operations this node stored."},
			func() float64 { return float64(s.opsStored.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_board_loads_total", Help: "Whiteboards this node loaded whole from the store."},
			func() float64 { return float64(s.loads.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_board_catchups_total", Help: "Whiteboards this node brought up to date from the log, another node having drawn."},
			func() float64 { return float64(s.catchUps.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "schulhof_picture_work_refused_total", Help: "Exports refused with 503, the node's picture work being full."},
			func() float64 { return float64(s.pictureWork.Refused.Load()) }))
	return s, s.start()
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	kit.Action(rt, "DELETE /api/v1/boards/{board}", "POST /boards/{board}/delete", s.deleteBoard,
		func(*http.Request, kit.None) string { return "/boards" })
	kit.Action(rt, "POST /api/v1/boards/{board}/restore", "POST /boards/{board}/restore", s.restoreBoard,
		func(_ *http.Request, b *schulhof.Board) string {
			return "/boards/" + strconv.FormatInt(int64(b.ID), 10)
		})
	rt.Show("GET /boards", "boards", s.showBoardsPage)
	rt.Form("POST /boards", s.createBoardFromForm)
	rt.Show("GET /boards/{board}", "board", s.showBoardPage)
	rt.JSON("GET /api/v1/boards", s.apiBoards)
	rt.JSON("POST /api/v1/boards", s.apiCreateBoard)
	rt.JSON("GET /api/v1/boards/{board}", s.apiBoard)
	rt.API("PATCH /api/v1/boards/{board}", s.apiUpdateBoard)
	rt.API("PUT /api/v1/boards/{board}/drawers/{user}", s.apiSetDrawer)
	rt.API("GET /api/v1/boards/{board}/operations", s.apiBoardOperations)
	rt.API("POST /api/v1/boards/{board}/operations", s.apiBoardOperations)
	rt.JSON("POST /api/v1/boards/{board}/copy", s.apiCopyBoard)
	rt.API("GET /api/v1/boards/{board}/pages/{n}/export.png", s.apiBoardPagePNG)
	rt.API("GET /api/v1/boards/{board}/export.pdf", s.apiBoardPDF)
	rt.JSON("POST /api/v1/boards/{board}/save-to-files", s.apiSaveBoardToFiles)
	rt.API("POST /api/v1/boards/{board}/images", s.apiAddBoardImage)
	rt.JSON("GET /api/v1/boards/{board}/images/{image}", s.apiBoardImage)
}

// Wait waits for the operations being stored, the snapshots being
// written and the presenters' views due to be stored (at shutdown, in
// tests).
func (s *Module) Wait() {
	s.storeWG.Wait()
	s.snapshotWG.Wait()
	s.presentWG.Wait()
}

// Stop leaves the bus.
func (s *Module) Stop() { s.sub.Unsubscribe() }

// Housekeeping removes the boards deleted longer ago than they are kept.
func (s *Module) Housekeeping(ctx context.Context) {
	if n, err := s.db.PurgeBoards(ctx, s.Now().Add(-s.keepDeleted)); err != nil {
		s.Log.Error("purge boards", "err", err)
	} else if n > 0 {
		s.Log.Info("purged boards", "count", n)
	}
}

// SetPictureWork replaces the queue of the node's picture work, so that
// a test can hold its slots.
func (s *Module) SetPictureWork(q *admission.Queue) {
	q.Key = s.pictureWork.Key
	s.pictureWork = q
}

// HoldBoard takes a board's lock on this node, as a request storing its
// operations does, until release; for tests.
func (s *Module) HoldBoard(id schulhof.BoardID) (release func()) {
	lb := s.boards.get(id, s.Now())
	lb.mu.Lock()
	return lb.mu.Unlock
}
