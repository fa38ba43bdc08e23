// Package dav serves the files of Schulhof over WebDAV, for the iPad Files
// app, document apps and desktop clients:
//
//	/dav/home/...            the user's own folder
//	/dav/groups/NAME/...     the folders of the groups the user may read
//
// It adapts golang.org/x/net/webdav to the file store: permissions are the
// same as in the web UI (schulhof.CanReadSpace / CanWriteSpace), deleting
// moves to the trash, overwriting keeps the old content as a version, and
// bytes go through the blob store (fsynced before the row commits).
package dav

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"golang.org/x/net/webdav"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/userbytes"
)

// Prefix is where WebDAV is mounted.
const Prefix = "/dav"

// Authenticator checks HTTP Basic credentials (login@school or login plus
// school, and the password) and returns the user. It answers
// EUnauthorized, ERateLimited or EUnavailable like the login page.
type Authenticator interface {
	BasicAuth(r *http.Request, login, password string) (*schulhof.User, error)
}

// Store is what WebDAV reads and writes of the store: the files of the
// spaces, their dead properties, the groups whose folders they are.
type Store interface {
	CreateFolder(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.Node, error)
	FindChildProps(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID) (map[schulhof.NodeID][]schulhof.NodeProp, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (*schulhof.Node, error)
	FindNodeByPath(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, names []string) (*schulhof.Node, error)
	FindNodeProps(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) ([]schulhof.NodeProp, error)
	FindNodes(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID) ([]*schulhof.Node, error)
	FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error)
	MoveNode(ctx context.Context, school schulhof.SchoolID, id, parent schulhof.NodeID, name string) (*schulhof.Node, error)
	PatchNodeProps(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID, changes []schulhof.NodePropChange) error
	PutFile(ctx context.Context, school schulhof.SchoolID, space schulhof.Space, parent schulhof.NodeID, name string, c schulhof.NewContent, keepVersions int) (*schulhof.Node, error)
	TrashNode(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) error
	TreeSize(ctx context.Context, school schulhof.SchoolID, id schulhof.NodeID) (nodes int, bytes int64, err error)
	Locks
}

// Quota keeps WebDAV within the same storage limits as the web: Room is
// how many bytes more a space may hold, Stored and Freed keep its count
// current.
type Quota interface {
	Room(ctx context.Context, school *schulhof.School, space schulhof.Space) (int64, error)
	Stored(school schulhof.SchoolID, space schulhof.Space, n int64)
	Freed(school schulhof.SchoolID, space schulhof.Space)
}

// Handler serves /dav/.
type Handler struct {
	db    Store
	blobs blob.Store
	auth  Authenticator
	quota Quota
	// Keep is how many earlier versions an overwritten file keeps.
	Keep int
}

// New returns the WebDAV handler.
func New(db Store, blobs blob.Store, auth Authenticator, quota Quota) *Handler {
	return &Handler{db: db, blobs: blobs, auth: auth, quota: quota, Keep: 10}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	login, pw, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Schulhof", charset="UTF-8"`)
		http.Error(w, "Bitte mit Benutzername und Passwort anmelden.", http.StatusUnauthorized)
		return
	}
	user, err := h.auth.BasicAuth(r, login, pw)
	if err != nil {
		e, _ := err.(*schulhof.Error)
		switch {
		case e != nil && e.RetryAfter > 0:
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
			status := http.StatusTooManyRequests
			if e.Code == schulhof.EUnavailable {
				status = http.StatusServiceUnavailable
			}
			http.Error(w, "Bitte später noch einmal versuchen.", status)
		default:
			w.Header().Set("WWW-Authenticate", `Basic realm="Schulhof", charset="UTF-8"`)
			http.Error(w, "Benutzername oder Passwort ist falsch.", http.StatusUnauthorized)
		}
		return
	}
	ctx := schulhof.NewContextWithActor(r.Context(), &schulhof.Actor{User: user})
	school, err := h.db.FindSchoolByID(ctx, user.SchoolID)
	if err != nil {
		http.Error(w, "Keine Schule.", http.StatusForbidden)
		return
	}
	fs := &fileSystem{h: h, user: user, school: school}
	if r.Method == "PROPFIND" {
		fs.memo = newMemo()
	}
	locks := &requestLocks{db: h.db, fs: fs, ctx: ctx, path: strings.TrimPrefix(r.URL.Path, Prefix)}
	if r.Method == "LOCK" {
		if status := fs.lockRefusal(ctx, locks.path); status != 0 {
			http.Error(w, lockRefusalText[status], status)
			return
		}
	}
	if r.Method == "PROPFIND" || r.Method == "PROPPATCH" || r.Method == "LOCK" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
		if err != nil || len(body) > 1<<20 || !namespacesValid(body) {
			http.Error(w, "Ungültiger XML-Inhalt.", http.StatusBadRequest)
			return
		}
		if r.Method == "LOCK" && h.lockShared(w, r.WithContext(ctx), body, locks) {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if r.Method == "PUT" {
		if !h.roomForPut(ctx, w, r, fs) {
			return
		}
		fs.put = &putGuard{body: r.Body, length: r.ContentLength}
		r.Body = fs.put
		w = &putAnswer{ResponseWriter: w, g: fs.put}
	}
	wd := &webdav.Handler{Prefix: Prefix, FileSystem: fs, LockSystem: locks}
	if r.Method == "PROPFIND" {
		// a listing is written one small XML element at a time; gather
		// them into big writes rather than a system call each
		bw := &bufferedWriter{ResponseWriter: w}
		bw.buf = bufio.NewWriterSize(writerFunc(bw.ResponseWriter.Write), 64<<10)
		wd.ServeHTTP(bw, r.WithContext(ctx))
		bw.buf.Flush()
		return
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// webdav sends a file with http.ServeContent, typed by its name;
		// the bytes are a user's, so userbytes decides how they go out
		w = &userBytesWriter{ResponseWriter: w, name: path.Base(r.URL.Path)}
	}
	wd.ServeHTTP(w, r.WithContext(ctx))
}

// userBytesWriter sets the headers of user bytes (userbytes.SetHeaders) on
// a successful GET of a file, from the type webdav gave it.
type userBytesWriter struct {
	http.ResponseWriter
	name        string
	wroteHeader bool
}

func (u *userBytesWriter) WriteHeader(code int) {
	if !u.wroteHeader {
		u.wroteHeader = true
		if h := u.ResponseWriter.Header(); code < 300 { // webdav answers a GET of a folder 405
			userbytes.SetHeaders(h, u.name, h.Get("Content-Type"), true)
		}
	}
	u.ResponseWriter.WriteHeader(code)
}

func (u *userBytesWriter) Write(p []byte) (int, error) {
	if !u.wroteHeader {
		u.WriteHeader(http.StatusOK)
	}
	return u.ResponseWriter.Write(p)
}

func (u *userBytesWriter) Unwrap() http.ResponseWriter { return u.ResponseWriter }

// roomForPut answers 507 Insufficient Storage before a PUT that the
// space's quota cannot take (by its Content-Length, or because the space
// is full); x/net/webdav could only say 404 or 405.
func (h *Handler) roomForPut(ctx context.Context, w http.ResponseWriter, r *http.Request, fs *fileSystem) bool {
	loc, err := fs.resolve(ctx, strings.TrimPrefix(r.URL.Path, Prefix))
	if err != nil || loc.root || loc.groups || len(loc.names) == 0 {
		return true // webdav answers these
	}
	room, err := h.quota.Room(ctx, fs.school, loc.space)
	if err != nil {
		http.Error(w, "Der Speicherplatz ist gerade nicht zu prüfen.", http.StatusServiceUnavailable)
		return false
	}
	if room <= 0 || r.ContentLength > room {
		http.Error(w, "Dafür reicht der Speicherplatz nicht.", http.StatusInsufficientStorage)
		return false
	}
	return true
}

var lockRefusalText = map[int]string{
	http.StatusNotFound:  "Nicht gefunden.",
	http.StatusForbidden: "Sperren darf nur, wer hier schreiben darf.",
	http.StatusConflict:  "Den Ordner gibt es nicht.",
}

// putGuard is the body of a PUT. It notes a body that broke off (a short
// body, a dropped connection), so that the file is not saved, and what the
// blob store refused, so that the client hears why.
type putGuard struct {
	body     io.ReadCloser
	length   int64 // Content-Length, -1 if chunked
	read     int64
	bodyErr  error
	storeErr error
}

func (g *putGuard) Read(p []byte) (int, error) {
	n, err := g.body.Read(p)
	g.read += int64(n)
	if err == io.EOF && g.length >= 0 && g.read < g.length {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && err != io.EOF {
		g.bodyErr = err
	}
	return n, err
}

func (g *putGuard) Close() error { return g.body.Close() }

// answer is the status and text for how the PUT failed, or 0 when webdav
// knows best. (webdav answers every failed copy 405 Method Not Allowed.)
func (g *putGuard) answer() (int, string) {
	switch {
	case g.bodyErr != nil:
		return http.StatusBadRequest, "Die Datei ist nicht vollständig angekommen. Bitte noch einmal hochladen."
	case schulhof.Match(g.storeErr, schulhof.EInvalid), schulhof.Match(g.storeErr, schulhof.EUnavailable):
		// upload.too_large with the space's room as the limit; storage.full
		return http.StatusInsufficientStorage, "Dafür reicht der Speicherplatz nicht."
	}
	return 0, ""
}

// putAnswer replaces webdav's error status of a failed PUT with putGuard's.
type putAnswer struct {
	http.ResponseWriter
	g        *putGuard
	replaced bool
}

func (p *putAnswer) WriteHeader(code int) {
	if code >= 400 {
		if status, text := p.g.answer(); status != 0 {
			p.replaced = true
			http.Error(p.ResponseWriter, text, status)
			return
		}
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *putAnswer) Write(b []byte) (int, error) {
	if p.replaced {
		return len(b), nil // webdav's text for its own status
	}
	return p.ResponseWriter.Write(b)
}

func (p *putAnswer) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// bufferedWriter is a ResponseWriter whose body goes through a buffer.
type bufferedWriter struct {
	http.ResponseWriter
	buf *bufio.Writer
}

func (b *bufferedWriter) Write(p []byte) (int, error) { return b.buf.Write(p) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// namespacesValid refuses what Go's XML decoder lets through but the
// Namespaces in XML recommendation forbids: a prefix bound to the empty
// namespace (xmlns:p=""). A malformed body is left to webdav to refuse.
func namespacesValid(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return true
		}
		if se, ok := tok.(xml.StartElement); ok {
			for _, a := range se.Attr {
				if a.Name.Space == "xmlns" && a.Value == "" {
					return false
				}
			}
		}
	}
}

// location is what a DAV path names.
type location struct {
	root   bool           // /
	groups bool           // /groups
	space  schulhof.Space // a home or a group folder
	acc    schulhof.SpaceAccess
	names  []string // below the top of the space
}

// resolve maps a DAV path to a space and names, checking read access.
func (fs *fileSystem) resolve(ctx context.Context, name string) (*location, error) {
	if fs.memo == nil {
		return fs.findLocation(ctx, name)
	}
	if loc, ok := fs.memo.locs[name]; ok {
		return loc, nil
	}
	loc, err := fs.findLocation(ctx, name)
	if err == nil {
		fs.memo.locs[name] = loc
	}
	return loc, err
}

func (fs *fileSystem) findLocation(ctx context.Context, name string) (*location, error) {
	parts, err := schulhof.CleanPath(name)
	if err != nil {
		return nil, errNotExist
	}
	if len(parts) == 0 {
		return &location{root: true}, nil
	}
	switch parts[0] {
	case "home":
		return &location{space: schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(fs.user.ID)},
			acc: schulhof.SpaceAccess{Owner: true}, names: parts[1:]}, nil
	case "groups":
		if len(parts) == 1 {
			return &location{groups: true}, nil
		}
		gs, err := fs.readableGroups(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if schulhof.NameKey(g.folder) == schulhof.NameKey(parts[1]) {
				return &location{space: schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(g.ID)},
					acc: schulhof.SpaceAccess{MemberRole: g.MyRole}, names: parts[2:]}, nil
			}
		}
	}
	return nil, errNotExist
}

type groupFolder struct {
	*schulhof.Group
	folder string // the name under /groups: the group's name, made unique
}

// readableGroups are the groups whose folders the user may read, each
// with a folder name that is unique and valid.
func (fs *fileSystem) readableGroups(ctx context.Context) ([]groupFolder, error) {
	if fs.memo != nil && fs.memo.groupsKnown {
		return fs.memo.groups, nil
	}
	gs, err := fs.findReadableGroups(ctx)
	if err == nil && fs.memo != nil {
		fs.memo.groups, fs.memo.groupsKnown = gs, true
	}
	return gs, err
}

func (fs *fileSystem) findReadableGroups(ctx context.Context) ([]groupFolder, error) {
	f := schulhof.GroupFilter{SchoolID: fs.school.ID, UserID: fs.user.ID}
	if schulhof.CanManageGroup(fs.user, fs.school.ID) {
		f.UserID = 0
	}
	gs, err := fs.h.db.FindGroups(ctx, f)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []groupFolder
	for _, g := range gs {
		acc := schulhof.SpaceAccess{MemberRole: g.MyRole}
		if !schulhof.CanReadSpace(fs.user, fs.school.ID, schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(g.ID)}, acc) {
			continue
		}
		name, err := schulhof.CleanName(strings.ReplaceAll(g.Name, "/", "-"))
		if err != nil {
			continue
		}
		if seen[schulhof.NameKey(name)] {
			name = name + " (" + strconv.FormatInt(int64(g.ID), 10) + ")"
		}
		seen[schulhof.NameKey(name)] = true
		out = append(out, groupFolder{Group: g, folder: name})
	}
	return out, nil
}
