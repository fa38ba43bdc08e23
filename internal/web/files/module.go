// Package files is the module of the files: every user's own folder and
// every group's shared one, uploads (big ones in resumable pieces),
// previews and thumbnails, versions, the trash, copy and move, ZIPs, and
// the quotas that hold for all of it; WebDAV (internal/dav) works on the
// same files and counts against the same quotas through this module.
package files

import (
	"context"
	"embed"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
	"github.com/schulhof/schulhof/internal/dav"
	"github.com/schulhof/schulhof/internal/thumb"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, template.FuncMap{
	"thumbable": func(ctype string) bool {
		base, _, _ := strings.Cut(ctype, ";")
		return thumb.Types[strings.TrimSpace(base)]
	},
})

// Store is what the module reads and writes of the store, WebDAV's
// among it.
type Store interface {
	dav.Store
	BlobsInUse(ctx context.Context, keys []string) (map[string]bool, error)
	BlobSweepPaused(ctx context.Context, now time.Time) (bool, error)
	CopyNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.Node, error)
	CreateUpload(ctx context.Context, u *schulhof.Upload) error
	DeleteUpload(ctx context.Context, id string) error
	EmptyTrash(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) (int64, error)
	FindFolders(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) ([]*schulhof.Node, error)
	FindGroupByID(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) (*schulhof.Group, error)
	FindMemberRole(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (schulhof.MemberRole, error)
	FindTrash(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) ([]*schulhof.Node, error)
	FindUpload(ctx context.Context, school schulhof.SchoolID, user schulhof.UserID, id string) (*schulhof.Upload, error)
	FindUploadsBefore(ctx context.Context, before time.Time) ([]*schulhof.Upload, error)
	FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error)
	FindVersions(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) ([]*schulhof.FileVersion, error)
	PurgeTrash(ctx context.Context, before time.Time) (int64, error)
	RestoreNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (*schulhof.Node, error)
	SetStudentsUpload(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, on bool) (*schulhof.Node, error)
	SpaceUsage(ctx context.Context, school schulhof.SchoolID, space schulhof.Space) (int64, error)
}

// Config is what the files take of the configuration.
type Config struct {
	// Quotas overrides schulhof.DefaultQuotas, by space kind and the
	// owner's role (0 for groups).
	Quotas map[schulhof.SpaceKind]map[schulhof.Role]int64
	// KeepVersions is how many earlier versions an overwritten file keeps.
	KeepVersions int
	// KeepDeleted is how long what is deleted can be restored.
	KeepDeleted time.Duration
	// OrphanAge is how old a blob that nothing names must be before the
	// housekeeping removes it (an upload in progress has no row yet).
	OrphanAge time.Duration
}

// Module serves the files' pages and API.
type Module struct {
	*kit.Deps
	db  Store
	cfg Config

	usage usageCache
	// appending marks the resumable uploads a request is writing to, so
	// that two connections never append to one at once
	appending sync.Map
	thumbs    *thumb.Cache
	// thumbWork bounds the thumbnails a node makes at once, which a
	// folder of photos asks for many at a time
	thumbWork *admission.Queue
}

// New is the module on the server's Deps and its store.
func New(d *kit.Deps, db Store, cfg Config) *Module {
	s := &Module{Deps: d, db: db, cfg: cfg, usage: usageCache{m: map[usageKey]usageEntry{}},
		thumbs: thumb.NewCache(32 << 20), thumbWork: admission.New(2, 200, 30*time.Second)}
	d.AddExportPart(kit.ExportPart{Order: 20, Folder: "dateien", About: "export.files", Write: s.exportFiles})
	return s
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	kit.QuietAction(rt, "DELETE /api/v1/schools/{school}/nodes/{node}", "POST /s/{school}/nodes/{node}/delete", s.trashNode,
		func(r *http.Request, n *schulhof.Node) string {
			return folderPage(r.PathValue("school"), n) + "&flash=trashed"
		})
	kit.Action(rt, "POST /api/v1/schools/{school}/nodes/{node}/restore", "POST /s/{school}/nodes/{node}/restore", s.restoreNode,
		func(r *http.Request, n *schulhof.Node) string {
			return folderPage(r.PathValue("school"), n) + "&flash=restored"
		})
	kit.Action(rt, "POST /api/v1/schools/{school}/nodes/{node}/versions/{version}/restore", "POST /s/{school}/nodes/{node}/versions/{version}/restore", s.restoreVersion,
		func(r *http.Request, n *schulhof.Node) string {
			return nodeURL(r.PathValue("school"), n) + "?flash=restored"
		})
	kit.Action(rt, "POST /api/v1/schools/{school}/spaces/{kind}/{id}/trash/empty", "POST /s/{school}/files/{kind}/{id}/trash/empty", s.emptyTrash,
		func(r *http.Request, e emptied) string {
			return spaceBase(r.PathValue("school"), e.space) + "/trash?flash=trash_emptied"
		})
	rt.Form("GET /s/{school}/files", s.showMyFiles)
	rt.Show("GET /s/{school}/files/{kind}/{id}", "files", s.showFilesPage)
	rt.Form("POST /s/{school}/files/{kind}/{id}/upload", s.uploadFromForm)
	rt.Form("POST /s/{school}/files/{kind}/{id}/folder", s.createFolderFromForm)
	rt.Form("POST /s/{school}/files/{kind}/{id}/students-upload", s.studentsUploadFromForm)
	rt.Show("GET /s/{school}/files/{kind}/{id}/trash", "trash", s.showTrashPage)
	rt.Page("GET /s/{school}/nodes/{node}", s.showNodePage)
	rt.Form("POST /s/{school}/nodes/{node}/rename", s.renameFromForm)
	rt.Form("POST /s/{school}/nodes/{node}/move", s.moveFromForm)
	rt.Form("POST /s/{school}/nodes/{node}/copy", s.copyFromForm)
	rt.JSON("GET /api/v1/schools/{school}/spaces/{kind}/{id}/nodes", s.apiListFolder)
	rt.JSON("POST /api/v1/schools/{school}/spaces/{kind}/{id}/folders", s.apiCreateFolder)
	rt.JSON("PUT /api/v1/schools/{school}/spaces/{kind}/{id}/files", s.apiPutFile)
	rt.API("POST /api/v1/schools/{school}/spaces/{kind}/{id}/uploads", s.apiStartUpload)
	rt.API("GET /api/v1/schools/{school}/uploads/{upload}", s.apiGetUpload)
	rt.API("PATCH /api/v1/schools/{school}/uploads/{upload}", s.apiAppendUpload)
	rt.JSON("DELETE /api/v1/schools/{school}/uploads/{upload}", s.apiDeleteUpload)
	rt.JSON("GET /api/v1/schools/{school}/spaces/{kind}/{id}/trash", s.apiListTrash)
	rt.API("GET /api/v1/schools/{school}/spaces/{kind}/{id}/zip", s.apiZipSpace)
	rt.API("GET /api/v1/schools/{school}/nodes/{node}/zip", s.apiZipFolder)
	rt.JSON("GET /api/v1/schools/{school}/nodes/{node}", s.apiGetNode)
	rt.JSON("PATCH /api/v1/schools/{school}/nodes/{node}", s.apiUpdateNode)
	rt.JSON("GET /api/v1/schools/{school}/nodes/{node}/content", s.apiDownload)
	rt.API("GET /api/v1/schools/{school}/nodes/{node}/thumbnail", s.apiThumbnail)
	rt.JSON("POST /api/v1/schools/{school}/nodes/{node}/copy", s.apiCopyNode)
	rt.JSON("GET /api/v1/schools/{school}/nodes/{node}/versions", s.apiListVersions)
}

// WebDAV is the handler of /dav/: the same files, permissions and
// quotas, for the iPad's Files app and desktop clients, which log in
// with HTTP Basic through auth.
func (s *Module) WebDAV(auth dav.Authenticator) http.Handler {
	h := dav.New(s.db, s.Blobs, auth, s)
	h.Keep = s.cfg.KeepVersions
	return h
}
