package files

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Files: every user's home and every group's folder, as the JSON API.
// Access is decided by schulhof.CanReadSpace / CanWriteSpace; a space or
// node the actor may not read answers 404, like one that does not exist.

// MaxUpload is the largest single file: a long lesson video, many times
// what a worksheet needs.
const MaxUpload = 8 << 30

// spaceFromPath resolves {kind}/{id} and the actor's access to it.
func (s *Module) spaceFromPath(r *http.Request, sc *schulhof.School) (schulhof.Space, schulhof.SpaceAccess, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return schulhof.Space{}, schulhof.SpaceAccess{}, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	space := schulhof.Space{Kind: schulhof.SpaceKind(r.PathValue("kind")), ID: id}
	acc, err := s.spaceAccess(r, sc, space)
	return space, acc, err
}

// spaceOf resolves {school} and {kind}/{id} for an API handler.
func (s *Module) spaceOf(r *http.Request) (*schulhof.School, schulhof.Space, schulhof.SpaceAccess, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, schulhof.Space{}, schulhof.SpaceAccess{}, err
	}
	space, acc, err := s.spaceFromPath(r, sc)
	return sc, space, acc, err
}

func (s *Module) spaceAccess(r *http.Request, sc *schulhof.School, space schulhof.Space) (schulhof.SpaceAccess, error) {
	a := kit.AuthOf(r).User
	var acc schulhof.SpaceAccess
	switch space.Kind {
	case schulhof.SpaceUser:
		acc.Owner = schulhof.UserID(space.ID) == a.ID && a.SchoolID == sc.ID
	case schulhof.SpaceGroup:
		if _, err := s.db.FindGroupByID(r.Context(), sc.ID, schulhof.GroupID(space.ID)); err != nil {
			return acc, err
		}
		role, err := s.db.FindMemberRole(r.Context(), sc.ID, schulhof.GroupID(space.ID), a.ID)
		if err != nil {
			return acc, err
		}
		acc.MemberRole = role
	default:
		return acc, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if !schulhof.CanReadSpace(a, sc.ID, space, acc) {
		return acc, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	return acc, nil
}

// studentsUpload reports whether the folder or one above it lets group
// members add files.
func (s *Module) studentsUpload(r *http.Request, sc *schulhof.School, folder schulhof.NodeID) (bool, error) {
	for depth := 0; folder != 0 && depth < 64; depth++ {
		n, err := s.db.FindNode(r.Context(), sc.ID, folder)
		if err != nil {
			return false, err
		}
		if n.StudentsUpload {
			return true, nil
		}
		folder = n.ParentID
	}
	return false, nil
}

// nodeFromPath resolves {node} and checks that the actor may read its space.
func (s *Module) nodeFromPath(r *http.Request) (*schulhof.School, *schulhof.Node, schulhof.SpaceAccess, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, schulhof.SpaceAccess{}, err
	}
	id, err := strconv.ParseInt(r.PathValue("node"), 10, 64)
	if err != nil {
		return nil, nil, schulhof.SpaceAccess{}, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	n, err := s.db.FindNode(r.Context(), sc.ID, schulhof.NodeID(id))
	if err != nil {
		return nil, nil, schulhof.SpaceAccess{}, err
	}
	acc, err := s.spaceAccess(r, sc, n.Space)
	return sc, n, acc, err
}

// liveNodeFromPath is nodeFromPath for a node that is not in the trash.
func (s *Module) liveNodeFromPath(r *http.Request) (*schulhof.School, *schulhof.Node, schulhof.SpaceAccess, error) {
	sc, n, acc, err := s.nodeFromPath(r)
	if err == nil && n.DeletedAt != nil {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	return sc, n, acc, err
}

func (s *Module) canWrite(r *http.Request, sc *schulhof.School, space schulhof.Space, acc schulhof.SpaceAccess, folder schulhof.NodeID) (bool, error) {
	up := false
	if space.Kind == schulhof.SpaceGroup && acc.MemberRole == schulhof.MemberRoleMember {
		var err error
		if up, err = s.studentsUpload(r, sc, folder); err != nil {
			return false, err
		}
	}
	return schulhof.CanWriteSpace(kit.AuthOf(r).User, sc.ID, space, acc, up), nil
}

// folderListing is a folder's content and what the actor may do there.
type folderListing struct {
	Space    schulhof.Space   `json:"space"`
	Folder   *schulhof.Node   `json:"folder,omitempty"`
	Items    []*schulhof.Node `json:"items"`
	CanWrite bool             `json:"can_write"`
	Usage    int64            `json:"usage"` // bytes of the space: files, versions, trash
	Quota    int64            `json:"quota"`
}

// quota is what the space may hold: the school's own limit, else the
// installation's, else the default.
func (s *Module) quota(ctx context.Context, sc *schulhof.School, space schulhof.Space) (int64, error) {
	role := schulhof.Role(0)
	if a := schulhof.ActorFromContext(ctx); space.Kind == schulhof.SpaceUser && a != nil && a.User != nil && int64(a.User.ID) == space.ID {
		role = a.User.Role // the actor's own folder: no need to look them up
	} else if space.Kind == schulhof.SpaceUser {
		u, err := s.db.FindUserByID(ctx, sc.ID, schulhof.UserID(space.ID))
		if err != nil {
			return 0, err
		}
		role = u.Role
	}
	if q := sc.Quotas[schulhof.QuotaKey(space.Kind, role)]; q > 0 {
		return q, nil
	}
	if q, ok := s.cfg.Quotas[space.Kind][role]; ok {
		return q, nil
	}
	return schulhof.DefaultQuotas[space.Kind][role], nil
}

func parentParam(r *http.Request) (schulhof.NodeID, error) {
	v := r.URL.Query().Get("parent")
	if v == "" || v == "0" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, schulhof.Errorf(schulhof.EBadRequest, "file.bad_parent")
	}
	return schulhof.NodeID(id), nil
}

// apiListFolder: GET /api/v1/schools/{school}/spaces/{kind}/{id}/nodes?parent=N.
func (s *Module) apiListFolder(r *http.Request) (any, error) {
	sc, space, acc, err := s.spaceOf(r)
	if err != nil {
		return nil, err
	}
	parent, err := parentParam(r)
	if err != nil {
		return nil, err
	}
	items, err := s.db.FindNodes(r.Context(), sc.ID, space, parent)
	if err != nil {
		return nil, err
	}
	out := folderListing{Space: space, Items: items}
	if out.Items == nil {
		out.Items = []*schulhof.Node{}
	}
	if parent != 0 {
		if out.Folder, err = s.db.FindNode(r.Context(), sc.ID, parent); err != nil {
			return nil, err
		}
	}
	if out.CanWrite, err = s.canWrite(r, sc, space, acc, parent); err != nil {
		return nil, err
	}
	if out.Usage, err = s.db.SpaceUsage(r.Context(), sc.ID, space); err != nil {
		return nil, err
	}
	if out.Quota, err = s.quota(r.Context(), sc, space); err != nil {
		return nil, err
	}
	return out, nil
}

// apiCreateFolder: POST /api/v1/schools/{school}/spaces/{kind}/{id}/folders {"parent", "name"}.
func (s *Module) apiCreateFolder(r *http.Request) (any, error) {
	sc, space, acc, err := s.spaceOf(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Parent schulhof.NodeID `json:"parent"`
		Name   string          `json:"name"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if ok, err := s.canWrite(r, sc, space, acc, in.Parent); err != nil || !ok {
		return nil, orForbidden(err)
	}
	n, err := s.db.CreateFolder(r.Context(), sc.ID, space, in.Parent, in.Name)
	if err != nil {
		return nil, err
	}
	return kit.Created(n), nil
}

func orForbidden(err error) error {
	if err != nil {
		return err
	}
	return schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
}

// apiPutFile: PUT /api/v1/schools/{school}/spaces/{kind}/{id}/files?parent=N&name=X
// with the bytes as body. The bytes are stored (fsynced) first and become
// visible with the row in one transaction; an existing file keeps its old
// content as a version.
func (s *Module) apiPutFile(r *http.Request) (any, error) {
	sc, space, acc, err := s.spaceOf(r)
	if err != nil {
		return nil, err
	}
	parent, err := parentParam(r)
	if err != nil {
		return nil, err
	}
	name, err := schulhof.CleanName(r.URL.Query().Get("name"))
	if err != nil {
		return nil, err
	}
	if ok, err := s.canWrite(r, sc, space, acc, parent); err != nil || !ok {
		return nil, orForbidden(err)
	}
	n, err := s.storeFile(r, sc, space, parent, name, r.Body, r.ContentLength, r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	return kit.Created(n), nil
}

// storeFile stores an upload and makes it visible. If the row cannot be
// written, the bytes it would have named are removed at once.
func (s *Module) storeFile(r *http.Request, sc *schulhof.School, space schulhof.Space, parent schulhof.NodeID,
	name string, body io.Reader, size int64, ctype string) (*schulhof.Node, error) {
	info, err := s.PutBlob(r, sc, space, body, size, 0)
	if err != nil {
		return nil, err
	}
	n, err := s.db.PutFile(r.Context(), sc.ID, space, parent, name,
		schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: kit.ContentType(ctype, name)}, s.cfg.KeepVersions)
	if err != nil {
		s.Blobs.Delete(r.Context(), info.Key)
		return nil, err
	}
	return n, nil
}

// PutBlob stores bytes that will count against the space's quota: the
// quota is checked before a byte is stored (by the announced size at
// once; a stream of unknown size is stopped where the space is full),
// then the bytes are written and fsynced. pending is what this request
// has stored already and not yet made visible.
func (s *Module) PutBlob(r *http.Request, sc *schulhof.School, space schulhof.Space, body io.Reader, size, pending int64) (blob.Info, error) {
	used, err := s.spaceUsage(r.Context(), sc.ID, space)
	if err != nil {
		return blob.Info{}, err
	}
	used += pending
	quota, err := s.quota(r.Context(), sc, space)
	if err != nil {
		return blob.Info{}, err
	}
	room := quota - used
	if room <= 0 || size > room {
		return blob.Info{}, schulhof.Errorf(schulhof.EInvalid, "quota.exceeded", blob.FormatSize(used), blob.FormatSize(quota))
	}
	info, err := s.Blobs.Put(r.Context(), body, blob.PutOptions{MaxSize: min(MaxUpload, room), ExpectedSize: size})
	if err == nil {
		s.usageAdd(sc.ID, space, info.Size)
	}
	var e *schulhof.Error
	if room < MaxUpload && errors.As(err, &e) && e.Key == "upload.too_large" {
		// a stream of unknown size ran into the quota, not the size limit
		return info, schulhof.Errorf(schulhof.EInvalid, "quota.exceeded", blob.FormatSize(used), blob.FormatSize(quota))
	}
	return info, err
}

// ReadableFile is a file of the files module that the actor may read:
// not a folder, not in the trash (to attach or put on a board).
func (s *Module) ReadableFile(r *http.Request, sc *schulhof.School, id schulhof.NodeID) (*schulhof.Node, error) {
	n, err := s.db.FindNode(r.Context(), sc.ID, id)
	if err == nil && (n.DeletedAt != nil || n.IsFolder) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err == nil {
		_, err = s.spaceAccess(r, sc, n.Space)
	}
	return n, err
}

// apiGetNode: GET /api/v1/schools/{school}/nodes/{node}.
func (s *Module) apiGetNode(r *http.Request) (any, error) {
	_, n, _, err := s.nodeFromPath(r)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// apiDownload: GET /api/v1/schools/{school}/nodes/{node}/content, with
// Range (videos seek, downloads resume) and ETag.
func (s *Module) apiDownload(r *http.Request) (any, error) {
	_, n, _, err := s.nodeFromPath(r)
	if err == nil && (n.IsFolder || n.DeletedAt != nil) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err != nil {
		return nil, err
	}
	return kit.Stored{Key: n.BlobKey, Name: n.Name, ContentType: n.ContentType, SHA256: n.SHA256, Modified: n.UpdatedAt}, nil
}

// trashNode: DELETE /api/v1/schools/{school}/nodes/{node} (and its
// form) moves it to the trash for whoever may write in its folder.
func (s *Module) trashNode(r *http.Request) (*schulhof.Node, error) {
	sc, n, err := s.writableNode(r, false)
	if err != nil {
		return nil, err
	}
	defer s.Freed(sc.ID, n.Space)
	return n, s.db.TrashNode(r.Context(), sc.ID, n.ID)
}

// restoreNode: POST /api/v1/schools/{school}/nodes/{node}/restore (and
// its form) brings it back from the trash: the owner's, or a leader's in
// a group (what may write at the top of the space).
func (s *Module) restoreNode(r *http.Request) (*schulhof.Node, error) {
	sc, n, err := s.writableNode(r, true)
	if err != nil {
		return nil, err
	}
	defer s.Freed(sc.ID, n.Space)
	return s.db.RestoreNode(r.Context(), sc.ID, n.ID)
}

// writableNode is {node} for whoever may write in its folder, or with
// atTop at the top of its space.
func (s *Module) writableNode(r *http.Request, atTop bool) (*schulhof.School, *schulhof.Node, error) {
	sc, n, acc, err := s.nodeFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	folder := n.ParentID
	if atTop {
		folder = 0
	}
	if ok, err := s.canWrite(r, sc, n.Space, acc, folder); err != nil || !ok {
		return nil, nil, orForbidden(err)
	}
	return sc, n, nil
}

// apiUpdateNode: PATCH /api/v1/schools/{school}/nodes/{node} with any of
// {"name", "parent"} (rename or move within its space: write access to
// both folders) and {"students_upload"} (leaders and admins of the group).
func (s *Module) apiUpdateNode(r *http.Request) (any, error) {
	sc, n, acc, err := s.liveNodeFromPath(r)
	if err != nil {
		return nil, err
	}
	var in struct {
		Name           *string          `json:"name"`
		Parent         *schulhof.NodeID `json:"parent"`
		StudentsUpload *bool            `json:"students_upload"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Name != nil || in.Parent != nil {
		name, parent := n.Name, n.ParentID
		if in.Name != nil {
			name = *in.Name
		}
		if in.Parent != nil {
			parent = *in.Parent
		}
		if n, err = s.moveNode(r, sc, n, acc, parent, name); err != nil {
			return nil, err
		}
	}
	if in.StudentsUpload != nil {
		if !schulhof.CanWriteSpace(kit.AuthOf(r).User, sc.ID, n.Space, acc, false) {
			return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
		}
		if n, err = s.db.SetStudentsUpload(r.Context(), sc.ID, n.ID, *in.StudentsUpload); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// moveNode renames and/or moves a node within its space: the actor must
// be allowed to write in both folders.
func (s *Module) moveNode(r *http.Request, sc *schulhof.School, n *schulhof.Node, acc schulhof.SpaceAccess, parent schulhof.NodeID, name string) (*schulhof.Node, error) {
	from, err := s.canWrite(r, sc, n.Space, acc, n.ParentID)
	if err != nil {
		return nil, err
	}
	to, err := s.canWrite(r, sc, n.Space, acc, parent)
	if err != nil {
		return nil, err
	}
	if !from || !to {
		return nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return s.db.MoveNode(r.Context(), sc.ID, n.ID, parent, name)
}

// apiListVersions: GET /api/v1/schools/{school}/nodes/{node}/versions.
func (s *Module) apiListVersions(r *http.Request) (any, error) {
	sc, n, _, err := s.nodeFromPath(r)
	if err != nil {
		return nil, err
	}
	vs, err := s.db.FindVersions(r.Context(), sc.ID, n.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(vs, ""), nil
}

// restoreVersion: POST /api/v1/schools/{school}/nodes/{node}/versions/{version}/restore
// (and its form) makes an earlier content current again; what was
// current becomes a version itself, so restoring loses nothing either.
func (s *Module) restoreVersion(r *http.Request) (*schulhof.Node, error) {
	sc, n, acc, err := s.nodeFromPath(r)
	if err == nil && (n.IsFolder || n.DeletedAt != nil) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err != nil {
		return nil, err
	}
	if ok, err := s.canWrite(r, sc, n.Space, acc, n.ParentID); err != nil || !ok {
		return nil, orForbidden(err)
	}
	want, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "file.version_not_found")
	}
	vs, err := s.db.FindVersions(r.Context(), sc.ID, n.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Version == want {
			return s.db.PutFile(r.Context(), sc.ID, n.Space, n.ParentID, n.Name,
				schulhof.NewContent{BlobKey: v.BlobKey, Size: v.Size, SHA256: v.SHA256, ContentType: n.ContentType}, s.cfg.KeepVersions)
		}
	}
	return nil, schulhof.Errorf(schulhof.ENotFound, "file.version_not_found")
}

// emptied is what emptying a trash did: the API answers {"removed": n}.
type emptied struct {
	Removed int64 `json:"removed"`
	space   schulhof.Space
}

// emptyTrash: POST /api/v1/schools/{school}/spaces/{kind}/{id}/trash/empty
// (and its form) removes for good what is in the space's trash.
func (s *Module) emptyTrash(r *http.Request) (emptied, error) {
	sc, space, acc, err := s.spaceOf(r)
	if err != nil {
		return emptied{}, err
	}
	if !schulhof.CanEmptyTrash(kit.AuthOf(r).User, sc.ID, space, acc) {
		return emptied{}, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	n, err := s.db.EmptyTrash(r.Context(), sc.ID, space)
	s.Freed(sc.ID, space)
	return emptied{Removed: n, space: space}, err
}

// apiListTrash: GET /api/v1/schools/{school}/spaces/{kind}/{id}/trash.
func (s *Module) apiListTrash(r *http.Request) (any, error) {
	sc, space, _, err := s.spaceOf(r)
	if err != nil {
		return nil, err
	}
	ns, err := s.db.FindTrash(r.Context(), sc.ID, space)
	if err != nil {
		return nil, err
	}
	return kit.NewList(ns, ""), nil
}
