package files

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The file pages: a folder listing with upload, new folder and delete,
// and the trash. They work without JavaScript (a multipart form);
// static/files.js adds drag and drop and a progress bar per file.

// crumb is one step of the path above a folder.
type crumb struct {
	ID   schulhof.NodeID
	Name string
}

type filesPage struct {
	Space     schulhof.Space
	SpaceName string
	Base      string // /s/SLUG/files/KIND/ID
	Folder    *schulhof.Node
	Crumbs    []crumb
	Items     []*schulhof.Node
	CanWrite  bool
	CanManage bool // leaders and admins: may allow student uploads
	Usage     string
	Quota     string
	Trash     []*schulhof.Node
	// CanEmptyTrash: there is something, and the user may remove it for good
	CanEmptyTrash bool
	APISpace      string // the space in the JSON API, where files.js uploads and makes folders
	APIZip        string // the whole space as a ZIP
	FolderID      schulhof.NodeID
	SchoolSlug    string
	// Spaces are all of the user's places for files, to switch between:
	// her own and each group's she is in.
	Spaces []spaceLink
}

// spaceLink is one of the user's spaces on the files page.
type spaceLink struct {
	Name    string // "" for one's own
	URL     string
	Current bool
}

// spacesOf are the user's own space and her groups' spaces, the groups
// in the order people sort classes (5a before 10a).
func (s *Module) spacesOf(r *http.Request, sc *schulhof.School, current schulhof.Space) ([]spaceLink, error) {
	u := kit.AuthOf(r).User
	base := "/s/" + sc.Slug + "/files/"
	own := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
	out := []spaceLink{{URL: base + "user/" + strconv.FormatInt(int64(u.ID), 10), Current: current == own}}
	groups, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	schulhof.SortGroups(groups)
	for _, g := range groups {
		out = append(out, spaceLink{Name: g.Name, URL: base + "group/" + strconv.FormatInt(int64(g.ID), 10),
			Current: current == schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(g.ID)}})
	}
	return out, nil
}

// showMyFiles: GET /s/{school}/files goes to the user's own folder (its
// page lists her other spaces).
func (s *Module) showMyFiles(r *http.Request) (string, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/files/user/" + strconv.FormatInt(int64(kit.AuthOf(r).User.ID), 10), nil
}

func (s *Module) filesPageData(r *http.Request) (*schulhof.School, *filesPage, schulhof.SpaceAccess, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, schulhof.SpaceAccess{}, err
	}
	space, acc, err := s.spaceFromPath(r, sc)
	if err != nil {
		return nil, nil, acc, err
	}
	p := &filesPage{Space: space, SchoolSlug: sc.Slug,
		Base: "/s/" + sc.Slug + "/files/" + string(space.Kind) + "/" + strconv.FormatInt(space.ID, 10)}
	if space.Kind == schulhof.SpaceGroup {
		g, err := s.db.FindGroupByID(r.Context(), sc.ID, schulhof.GroupID(space.ID))
		if err != nil {
			return nil, nil, acc, err
		}
		p.SpaceName = g.Name
	}
	if v := r.URL.Query().Get("folder"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, nil, acc, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		p.FolderID = schulhof.NodeID(id)
	}
	for id := p.FolderID; id != 0 && len(p.Crumbs) < 64; {
		n, err := s.db.FindNode(r.Context(), sc.ID, id)
		if err != nil || n.Space != space || !n.IsFolder || n.DeletedAt != nil {
			return nil, nil, acc, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		if p.Folder == nil {
			p.Folder = n
		}
		p.Crumbs = append([]crumb{{n.ID, n.Name}}, p.Crumbs...)
		id = n.ParentID
	}
	return sc, p, acc, nil
}

// showFilesPage: GET /s/{school}/files/{kind}/{id}?folder=N.
func (s *Module) showFilesPage(r *http.Request) (*kit.View, error) {
	sc, p, acc, err := s.filesPageData(r)
	if err != nil {
		return nil, err
	}
	if p.Items, err = s.db.FindNodes(r.Context(), sc.ID, p.Space, p.FolderID); err != nil {
		return nil, err
	}
	if p.CanWrite, err = s.canWrite(r, sc, p.Space, acc, p.FolderID); err != nil {
		return nil, err
	}
	p.CanManage = p.Space.Kind == schulhof.SpaceGroup && schulhof.CanWriteSpace(kit.AuthOf(r).User, sc.ID, p.Space, acc, false)
	used, err := s.db.SpaceUsage(r.Context(), sc.ID, p.Space)
	if err != nil {
		return nil, err
	}
	quota, err := s.quota(r.Context(), sc, p.Space)
	if err != nil {
		return nil, err
	}
	p.Usage, p.Quota = blob.FormatSize(used), blob.FormatSize(quota)
	api := "/api/v1/schools/" + sc.Slug + "/spaces/" + string(p.Space.Kind) + "/" + strconv.FormatInt(p.Space.ID, 10)
	p.APIZip, p.APISpace = api+"/zip", api
	if p.Spaces, err = s.spacesOf(r, sc, p.Space); err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "files.title")
	v.Data = p
	return v, nil
}

// uploadFromForm: POST /s/{school}/files/{kind}/{id}/upload?folder=N, a
// multipart form with one or more files, each streamed into the blob store.
func (s *Module) uploadFromForm(r *http.Request) (string, error) {
	sc, p, acc, err := s.filesPageData(r)
	if err != nil {
		return "", err
	}
	if ok, err := s.canWrite(r, sc, p.Space, acc, p.FolderID); err != nil || !ok {
		return "", orForbidden(err)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
		}
		if part.FormName() != "file" || part.FileName() == "" {
			part.Close()
			continue
		}
		if err := s.storeUpload(r, sc, p, part); err != nil {
			return "", err
		}
	}
	return p.Base + folderQuery(p.FolderID) + "&flash=uploaded", nil
}

func (s *Module) storeUpload(r *http.Request, sc *schulhof.School, p *filesPage, part *multipart.Part) error {
	defer part.Close()
	name, err := schulhof.CleanName(path.Base(part.FileName()))
	if err != nil {
		return err
	}
	_, err = s.storeFile(r, sc, p.Space, p.FolderID, name, part, -1, part.Header.Get("Content-Type"))
	return err
}

func folderQuery(id schulhof.NodeID) string {
	return "?folder=" + strconv.FormatInt(int64(id), 10)
}

// createFolderFromForm: POST /s/{school}/files/{kind}/{id}/folder?folder=N.
func (s *Module) createFolderFromForm(r *http.Request) (string, error) {
	sc, p, acc, err := s.filesPageData(r)
	if err != nil {
		return "", err
	}
	if ok, err := s.canWrite(r, sc, p.Space, acc, p.FolderID); err != nil || !ok {
		return "", orForbidden(err)
	}
	if _, err := s.db.CreateFolder(r.Context(), sc.ID, p.Space, p.FolderID, r.PostFormValue("name")); err != nil {
		return "", err
	}
	return p.Base + folderQuery(p.FolderID) + "&flash=saved", nil
}

// studentsUploadFromForm: POST /s/{school}/files/{kind}/{id}/students-upload?folder=N.
func (s *Module) studentsUploadFromForm(r *http.Request) (string, error) {
	sc, p, acc, err := s.filesPageData(r)
	if err != nil {
		return "", err
	}
	if p.Folder == nil || !schulhof.CanWriteSpace(kit.AuthOf(r).User, sc.ID, p.Space, acc, false) {
		return "", schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	if _, err := s.db.SetStudentsUpload(r.Context(), sc.ID, p.FolderID, r.PostFormValue("on") == "1"); err != nil {
		return "", err
	}
	return p.Base + folderQuery(p.FolderID) + "&flash=saved", nil
}

// folderPage is the page of the folder a node is in.
func folderPage(school string, n *schulhof.Node) string {
	return spaceBase(school, n.Space) + folderQuery(n.ParentID)
}

// spaceBase is the page of the top of a space.
func spaceBase(school string, space schulhof.Space) string {
	return "/s/" + school + "/files/" + string(space.Kind) + "/" + strconv.FormatInt(space.ID, 10)
}

// showTrashPage: GET /s/{school}/files/{kind}/{id}/trash.
func (s *Module) showTrashPage(r *http.Request) (*kit.View, error) {
	sc, p, acc, err := s.filesPageData(r)
	if err != nil {
		return nil, err
	}
	if p.Trash, err = s.db.FindTrash(r.Context(), sc.ID, p.Space); err != nil {
		return nil, err
	}
	p.CanEmptyTrash = len(p.Trash) > 0 && schulhof.CanEmptyTrash(kit.AuthOf(r).User, sc.ID, p.Space, acc)
	v := s.SchoolView(r, sc, "trash.title")
	v.Data = p
	return v, nil
}
