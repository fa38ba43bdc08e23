package files

import (
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/thumb"
	"github.com/schulhof/schulhof/internal/userbytes"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// One file or folder: its preview (images, PDF, audio, video, text), its
// earlier versions, and renaming, moving, copying and deleting it. The
// thumbnail and copy API live here too.

// copyTarget is a space the actor may copy into, and where in it.
type copyTarget struct {
	Value string // "kind:id:folder"
	Label string
}

type nodePage struct {
	SchoolSlug string
	Node       *schulhof.Node
	Folder     string // the page of the folder it is in
	Content    string // the API address of its bytes
	Preview    string // image, pdf, audio, video, text or ""
	Text       string // the start of a text file
	Cut        bool   // Text is only the start
	Versions   []*schulhof.FileVersion
	CanWrite   bool
	Folders    []copyTarget // folders of its space to move it to
	Targets    []copyTarget // where it may be copied to
}

// previewKind says how the browser can show a content type.
func previewKind(ctype string) string {
	base, _, _ := strings.Cut(ctype, ";")
	base = strings.TrimSpace(base)
	switch {
	case !userbytes.ShowsInline(base):
		return ""
	case strings.HasPrefix(base, "image/"):
		return "image"
	case base == "application/pdf":
		return "pdf"
	case strings.HasPrefix(base, "audio/"):
		return "audio"
	case strings.HasPrefix(base, "video/"):
		return "video"
	case base == "text/plain":
		return "text"
	}
	return ""
}

// maxTextPreview is how much of a text file the page shows.
const maxTextPreview = 64 << 10

// showNodePage: GET /s/{school}/nodes/{node}.
func (s *Module) showNodePage(w http.ResponseWriter, r *http.Request) {
	sc, n, acc, err := s.liveNodeFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if n.IsFolder {
		http.Redirect(w, r, spaceBase(sc.Slug, n.Space)+folderQuery(n.ID), http.StatusSeeOther)
		return
	}
	id := strconv.FormatInt(int64(n.ID), 10)
	p := &nodePage{SchoolSlug: sc.Slug, Node: n, Folder: folderPage(sc.Slug, n),
		Content: "/api/v1/schools/" + sc.Slug + "/nodes/" + id + "/content", Preview: previewKind(n.ContentType)}
	if p.Preview == "text" {
		if p.Text, p.Cut, err = s.textStart(r, n); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	if p.Versions, err = s.db.FindVersions(r.Context(), sc.ID, n.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if p.CanWrite, err = s.canWrite(r, sc, n.Space, acc, n.ParentID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if p.CanWrite {
		if p.Folders, err = s.folderChoices(r, sc, n.Space, ""); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	if p.Targets, err = s.copyTargets(r, sc); err != nil {
		s.Fail(w, r, err)
		return
	}
	v := s.SchoolView(r, sc, "files.title")
	v.Title = n.Name
	v.Form["name"] = n.Name
	v.Data = p
	s.Render(w, r, http.StatusOK, "node", v)
}

// textStart reads the start of a text file, cut at a whole character.
func (s *Module) textStart(r *http.Request, n *schulhof.Node) (string, bool, error) {
	rd, err := s.Blobs.Open(r.Context(), blob.Key(n.BlobKey))
	if err != nil {
		return "", false, err
	}
	defer rd.Close()
	b, err := io.ReadAll(io.LimitReader(rd, maxTextPreview))
	if err != nil {
		return "", false, err
	}
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b), n.Size > int64(len(b)), nil
}

// folderChoices lists the top and the folders of a space as targets.
func (s *Module) folderChoices(r *http.Request, sc *schulhof.School, space schulhof.Space, label string) ([]copyTarget, error) {
	fs, err := s.db.FindFolders(r.Context(), sc.ID, space)
	if err != nil {
		return nil, err
	}
	names := map[schulhof.NodeID]*schulhof.Node{}
	for _, f := range fs {
		names[f.ID] = f
	}
	prefix := string(space.Kind) + ":" + strconv.FormatInt(space.ID, 10) + ":"
	top := label
	if top == "" {
		top = "/"
	}
	out := []copyTarget{{Value: prefix + "0", Label: top}}
	for _, f := range fs {
		p := f.Name
		for up, depth := names[f.ParentID], 0; up != nil && depth < 64; up, depth = names[up.ParentID], depth+1 {
			p = up.Name + "/" + p
		}
		out = append(out, copyTarget{Value: prefix + strconv.FormatInt(int64(f.ID), 10), Label: path.Join(top, p)})
	}
	return out, nil
}

// copyTargets are the actor's own folder and the folders of the groups
// they may write in (as a whole: leaders and admins), each at the top.
func (s *Module) copyTargets(r *http.Request, sc *schulhof.School) ([]copyTarget, error) {
	u := kit.AuthOf(r).User
	var out []copyTarget
	if u.SchoolID == sc.ID {
		out = append(out, copyTarget{Value: "user:" + strconv.FormatInt(int64(u.ID), 10) + ":0", Label: i18n.T(kit.Info(r).Lang, "files.mine")})
	}
	f := schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID}
	if schulhof.CanManageGroup(u, sc.ID) {
		f.UserID = 0
	}
	gs, err := s.db.FindGroups(r.Context(), f)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		space := schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(g.ID)}
		if schulhof.CanWriteSpace(u, sc.ID, space, schulhof.SpaceAccess{MemberRole: g.MyRole}, false) {
			out = append(out, copyTarget{Value: "group:" + strconv.FormatInt(int64(g.ID), 10) + ":0", Label: g.Name})
		}
	}
	return out, nil
}

// parseTarget reads "kind:id:folder".
func parseTarget(v string) (schulhof.Space, schulhof.NodeID, error) {
	parts := strings.Split(v, ":")
	bad := schulhof.Invalid("target", "file.bad_target")
	if len(parts) != 3 {
		return schulhof.Space{}, 0, bad
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	folder, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return schulhof.Space{}, 0, bad
	}
	return schulhof.Space{Kind: schulhof.SpaceKind(parts[0]), ID: id}, schulhof.NodeID(folder), nil
}

// copyNode copies {node} into a folder of a space the actor may write in,
// if the copy fits into that space's quota.
func (s *Module) copyNode(r *http.Request, space schulhof.Space, parent schulhof.NodeID, name string) (*schulhof.School, *schulhof.Node, error) {
	sc, n, _, err := s.liveNodeFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.spaceAccess(r, sc, space)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := s.canWrite(r, sc, space, acc, parent); err != nil || !ok {
		return nil, nil, orForbidden(err)
	}
	_, bytes, err := s.db.TreeSize(r.Context(), sc.ID, n.ID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.roomFor(r, sc, space, bytes); err != nil {
		return nil, nil, err
	}
	if name == "" {
		name = n.Name
	}
	cp, err := s.db.CopyNode(r.Context(), sc.ID, n.ID, space, parent, name)
	return sc, cp, err
}

// apiCopyNode: POST /api/v1/schools/{school}/nodes/{node}/copy
// {"space": {"kind", "id"}, "parent", "name"}: a file or a whole folder,
// into any space of the school the actor may write in.
func (s *Module) apiCopyNode(r *http.Request) (any, error) {
	var in struct {
		Space  schulhof.Space  `json:"space"`
		Parent schulhof.NodeID `json:"parent"`
		Name   string          `json:"name"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	_, cp, err := s.copyNode(r, in.Space, in.Parent, in.Name)
	if err != nil {
		return nil, err
	}
	return kit.Created(cp), nil
}

// renameFromForm: POST /s/{school}/nodes/{node}/rename.
func (s *Module) renameFromForm(r *http.Request) (string, error) {
	sc, n, acc, err := s.liveNodeFromPath(r)
	if err == nil {
		n, err = s.moveNode(r, sc, n, acc, n.ParentID, r.PostFormValue("name"))
	}
	if err != nil {
		return "", err
	}
	return nodeURL(sc.Slug, n) + "?flash=saved", nil
}

// moveFromForm: POST /s/{school}/nodes/{node}/move (target "kind:id:folder"
// of the node's own space).
func (s *Module) moveFromForm(r *http.Request) (string, error) {
	sc, n, acc, err := s.liveNodeFromPath(r)
	if err == nil {
		var space schulhof.Space
		var parent schulhof.NodeID
		if space, parent, err = parseTarget(r.PostFormValue("target")); err == nil {
			if space != n.Space {
				err = schulhof.Invalid("target", "file.bad_target")
			} else {
				n, err = s.moveNode(r, sc, n, acc, parent, n.Name)
			}
		}
	}
	if err != nil {
		return "", err
	}
	return folderPage(sc.Slug, n) + "&flash=saved", nil
}

// copyFromForm: POST /s/{school}/nodes/{node}/copy (target "kind:id:folder").
func (s *Module) copyFromForm(r *http.Request) (string, error) {
	// the school first: another school's path is not found, whatever the form says
	if _, err := s.SchoolFromPath(r); err != nil {
		return "", err
	}
	space, parent, err := parseTarget(r.PostFormValue("target"))
	if err != nil {
		return "", err
	}
	sc, cp, err := s.copyNode(r, space, parent, strings.TrimSpace(r.PostFormValue("name")))
	if err != nil {
		return "", err
	}
	return folderPage(sc.Slug, cp) + "&flash=copied", nil
}

func nodeURL(school string, n *schulhof.Node) string {
	return "/s/" + school + "/nodes/" + strconv.FormatInt(int64(n.ID), 10)
}

// apiThumbnail: GET /api/v1/schools/{school}/nodes/{node}/thumbnail, a
// JPEG of at most 256 pixels for images.
func (s *Module) apiThumbnail(w http.ResponseWriter, r *http.Request) {
	_, n, _, err := s.nodeFromPath(r)
	if err == nil && (n.IsFolder || n.DeletedAt != nil || !thumb.Types[strings.TrimSpace(strings.Split(n.ContentType, ";")[0])]) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	etag := `"t-` + n.SHA256 + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, ok := s.thumbs.Get(n.SHA256)
	if !ok {
		// decoding a camera photo takes a core for a moment
		done, err := s.thumbWork.Enter(r.Context())
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		data, err = s.makeThumb(r, n)
		done()
		if errors.Is(err, thumb.ErrNotImage) {
			s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "file.not_found"))
			return
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.thumbs.Put(n.SHA256, data)
	}
	userbytes.SetHeaders(w.Header(), "Vorschau.jpg", "image/jpeg", true)
	w.Write(data)
}

func (s *Module) makeThumb(r *http.Request, n *schulhof.Node) ([]byte, error) {
	rd, err := s.Blobs.Open(r.Context(), blob.Key(n.BlobKey))
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return thumb.Make(rd)
}
