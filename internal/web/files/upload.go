package files

import (
	"net/http"
	"strconv"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Resumable uploads, for big files on unsteady school Wi-Fi:
//
//	POST  .../spaces/{kind}/{id}/uploads {"parent","name","size"}  starts one
//	PATCH /api/v1/schools/{school}/uploads/{upload}                 sends the bytes after Upload-Offset
//	GET   /api/v1/schools/{school}/uploads/{upload}                 says how many bytes are stored
//	DELETE /api/v1/schools/{school}/uploads/{upload}                gives up
//
// Each piece is fsynced before its offset is answered; when the last one
// is there, the file appears (as a new version if the name exists). The
// quota is checked when the upload starts and again when it finishes. An
// upload not finished within schulhof.UploadLifetime is dropped.

// uploadState is an upload as the API shows it.
type uploadState struct {
	*schulhof.Upload
	URL  string         `json:"url"`
	Node *schulhof.Node `json:"node,omitempty"` // the file, once complete
}

// apiStartUpload: POST /api/v1/schools/{school}/spaces/{kind}/{id}/uploads.
func (s *Module) apiStartUpload(w http.ResponseWriter, r *http.Request) {
	sc, space, acc, err := s.spaceOf(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var in struct {
		Parent schulhof.NodeID `json:"parent"`
		Name   string          `json:"name"`
		Size   int64           `json:"size"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		s.Fail(w, r, err)
		return
	}
	name, err := schulhof.CleanName(in.Name)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if in.Size < 0 || in.Size > MaxUpload {
		s.Fail(w, r, schulhof.Invalid("size", "upload.too_large", blob.FormatSize(MaxUpload)))
		return
	}
	if ok, err := s.canWrite(r, sc, space, acc, in.Parent); err != nil || !ok {
		s.Fail(w, r, orForbidden(err))
		return
	}
	if err := s.roomFor(r, sc, space, in.Size); err != nil {
		s.Fail(w, r, err)
		return
	}
	id, err := s.Blobs.CreatePartial(r.Context(), in.Size)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u := &schulhof.Upload{ID: id, SchoolID: sc.ID, Space: space, ParentID: in.Parent, Name: name, Size: in.Size, UserID: kit.AuthOf(r).User.ID}
	if err := s.db.CreateUpload(r.Context(), u); err != nil {
		s.Blobs.DeletePartial(r.Context(), id)
		s.Fail(w, r, err)
		return
	}
	st := s.uploadState(sc, u)
	w.Header().Set("Location", st.URL)
	w.Header().Set("Upload-Offset", "0")
	kit.WriteJSON(w, http.StatusCreated, st)
}

// roomFor checks that size more bytes fit into the space's quota.
func (s *Module) roomFor(r *http.Request, sc *schulhof.School, space schulhof.Space, size int64) error {
	used, err := s.spaceUsage(r.Context(), sc.ID, space)
	if err != nil {
		return err
	}
	quota, err := s.quota(r.Context(), sc, space)
	if err != nil {
		return err
	}
	if used+size > quota {
		return schulhof.Errorf(schulhof.EInvalid, "quota.exceeded", blob.FormatSize(used), blob.FormatSize(quota))
	}
	return nil
}

func (s *Module) uploadState(sc *schulhof.School, u *schulhof.Upload) *uploadState {
	return &uploadState{Upload: u, URL: "/api/v1/schools/" + sc.Slug + "/uploads/" + u.ID}
}

// uploadFromPath finds the actor's own upload {upload}.
func (s *Module) uploadFromPath(r *http.Request) (*schulhof.School, *schulhof.Upload, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.db.FindUpload(r.Context(), sc.ID, kit.AuthOf(r).User.ID, r.PathValue("upload"))
	if err != nil {
		return nil, nil, err
	}
	if u.Offset, err = s.Blobs.PartialOffset(r.Context(), u.ID); err != nil {
		return nil, nil, err
	}
	return sc, u, nil
}

// apiGetUpload: GET /api/v1/schools/{school}/uploads/{upload}.
func (s *Module) apiGetUpload(w http.ResponseWriter, r *http.Request) {
	sc, u, err := s.uploadFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	w.Header().Set("Cache-Control", "no-store")
	kit.WriteJSON(w, http.StatusOK, s.uploadState(sc, u))
}

// apiAppendUpload: PATCH /api/v1/schools/{school}/uploads/{upload} with
// Upload-Offset: the bytes stored so far, and the next bytes as body.
// Answers 200 with the new offset, or 201 with the file when complete.
func (s *Module) apiAppendUpload(w http.ResponseWriter, r *http.Request) {
	sc, u, err := s.uploadFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	offset, err := strconv.ParseInt(r.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 {
		s.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "upload.offset_missing"))
		return
	}
	if _, busy := s.appending.LoadOrStore(u.ID, true); busy {
		s.Fail(w, r, schulhof.Errorf(schulhof.EConflict, "upload.busy"))
		return
	}
	defer s.appending.Delete(u.ID)
	u.Offset, err = s.Blobs.AppendPartial(r.Context(), u.ID, offset, r.Body)
	w.Header().Set("Upload-Offset", strconv.FormatInt(u.Offset, 10))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	st := s.uploadState(sc, u)
	if u.Offset < u.Size {
		kit.WriteJSON(w, http.StatusOK, st)
		return
	}
	if st.Node, err = s.finishUpload(r, sc, u); err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, st)
}

// finishUpload makes the complete upload a file, if the user may still
// write there and it still fits; else it is dropped.
func (s *Module) finishUpload(r *http.Request, sc *schulhof.School, u *schulhof.Upload) (*schulhof.Node, error) {
	drop := func() {
		s.Blobs.DeletePartial(r.Context(), u.ID)
		s.db.DeleteUpload(r.Context(), u.ID)
	}
	acc, err := s.spaceAccess(r, sc, u.Space)
	if err == nil {
		var ok bool
		if ok, err = s.canWrite(r, sc, u.Space, acc, u.ParentID); err == nil && !ok {
			err = schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
		}
	}
	if err == nil {
		err = s.roomFor(r, sc, u.Space, u.Size)
	}
	if err != nil {
		drop()
		return nil, err
	}
	info, err := s.Blobs.FinishPartial(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	n, err := s.db.PutFile(r.Context(), sc.ID, u.Space, u.ParentID, u.Name,
		schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: kit.ContentType("", u.Name)}, s.cfg.KeepVersions)
	if err != nil {
		s.Blobs.Delete(r.Context(), info.Key)
		s.db.DeleteUpload(r.Context(), u.ID)
		return nil, err
	}
	if err := s.db.DeleteUpload(r.Context(), u.ID); err != nil {
		// the file is there; the row left over is dropped by housekeeping
		s.Log.Error("forget finished upload", "id", u.ID, "err", err)
	}
	return n, nil
}

// apiDeleteUpload: DELETE /api/v1/schools/{school}/uploads/{upload}.
func (s *Module) apiDeleteUpload(r *http.Request) (any, error) {
	_, u, err := s.uploadFromPath(r)
	if err == nil {
		if err = s.Blobs.DeletePartial(r.Context(), u.ID); err == nil {
			err = s.db.DeleteUpload(r.Context(), u.ID)
		}
	}
	if err != nil {
		return nil, err
	}
	return kit.None{}, nil
}
