package assignments

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Assignments ("Aufgaben"): a teacher sets work for groups, students hand
// in, the teacher gives feedback. Access is decided by
// schulhof.CanSetAssignment / CanManageAssignment / CanViewAssignment; an
// assignment the actor may not see answers 404 like one that does not
// exist. The JSON API is here, the pages in page.go.

// assignmentView is an assignment as its reader sees it: for a student
// with their own status, for a parent with each child's.
type assignmentView struct {
	*schulhof.Assignment
	CanManage bool                      `json:"can_manage"`
	Status    schulhof.SubmissionStatus `json:"status,omitempty"` // the student's own
	// HasFeedback: the student has written feedback to read.
	HasFeedback bool           `json:"has_feedback,omitempty"`
	Children    []*childStatus `json:"children,omitempty"` // a parent's children in its groups
	// Counts for those who manage it: students, handed in (on time or late).
	Students int `json:"students,omitempty"`
	HandedIn int `json:"handed_in,omitempty"`
}

type childStatus struct {
	Student    *schulhof.User            `json:"student"`
	Status     schulhof.SubmissionStatus `json:"status"`
	Feedback   string                    `json:"feedback,omitempty"`
	FeedbackAt *time.Time                `json:"feedback_at,omitempty"`
}

// assignmentRelation looks up what the user is to the assignment's groups.
func (s *Module) assignmentRelation(r *http.Request, sc *schulhof.School, as *schulhof.Assignment) (schulhof.AssignmentRelation, []*schulhof.User, error) {
	u := kit.AuthOf(r).User
	var rel schulhof.AssignmentRelation
	var children []*schulhof.User
	if u.SchoolID != sc.ID {
		return rel, nil, nil
	}
	for _, g := range as.Groups {
		role, err := s.db.FindMemberRole(r.Context(), sc.ID, g, u.ID)
		if err != nil {
			return rel, nil, err
		}
		rel.Leads = rel.Leads || role == schulhof.MemberRoleLeader
		rel.Student = rel.Student || (role == schulhof.MemberRoleMember && u.Role == schulhof.RoleStudent)
	}
	if u.Role == schulhof.RoleParent {
		kids, err := s.db.FindChildren(r.Context(), sc.ID, u.ID)
		if err != nil {
			return rel, nil, err
		}
		for _, k := range kids {
			for _, g := range as.Groups {
				role, err := s.db.FindMemberRole(r.Context(), sc.ID, g, k.ID)
				if err != nil {
					return rel, nil, err
				}
				if role == schulhof.MemberRoleMember && k.Role == schulhof.RoleStudent {
					rel.ParentOf = true
					children = append(children, k)
					break
				}
			}
		}
	}
	return rel, children, nil
}

// assignmentFromPath resolves {school} and {assignment} and checks that
// the actor may see it.
func (s *Module) assignmentFromPath(r *http.Request) (*schulhof.School, *schulhof.Assignment, *assignmentView, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("assignment"), 10, 64)
	if err != nil {
		return nil, nil, nil, schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
	}
	as, err := s.db.FindAssignment(r.Context(), sc.ID, schulhof.AssignmentID(id))
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := s.viewAssignment(r, sc, as)
	if err != nil {
		return nil, nil, nil, err
	}
	if v == nil {
		return nil, nil, nil, schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
	}
	return sc, as, v, nil
}

// viewAssignment is the assignment as the actor sees it, nil if they may not.
func (s *Module) viewAssignment(r *http.Request, sc *schulhof.School, as *schulhof.Assignment) (*assignmentView, error) {
	u := kit.AuthOf(r).User
	rel, children, err := s.assignmentRelation(r, sc, as)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if !schulhof.CanViewAssignment(u, as, rel, now) {
		return nil, nil
	}
	v := &assignmentView{Assignment: as, CanManage: schulhof.CanManageAssignment(u, as, rel)}
	switch {
	case v.CanManage:
		subs, err := s.db.FindSubmissions(r.Context(), sc.ID, as.ID)
		if err != nil {
			return nil, err
		}
		v.Students = len(subs)
		for _, sub := range subs {
			if sub.SubmittedAt != nil {
				v.HandedIn++
			}
		}
	case rel.Student:
		sub, err := s.db.FindSubmission(r.Context(), sc.ID, as.ID, u.ID)
		if err != nil {
			return nil, err
		}
		v.Status, v.HasFeedback = sub.Status, sub.Feedback != ""
	case rel.ParentOf:
		for _, k := range children {
			sub, err := s.db.FindSubmission(r.Context(), sc.ID, as.ID, k.ID)
			if err != nil {
				return nil, err
			}
			v.Children = append(v.Children, &childStatus{Student: sub.Student, Status: sub.Status, Feedback: sub.Feedback, FeedbackAt: sub.FeedbackAt})
		}
	}
	return v, nil
}

// assignmentsFor lists what the actor may see: set by them, for their
// groups, or their children's.
func (s *Module) assignmentsFor(r *http.Request, sc *schulhof.School) ([]*assignmentView, error) {
	u := kit.AuthOf(r).User
	if u.SchoolID != sc.ID {
		if !schulhof.CanManageUsers(u, sc.ID) {
			return nil, schulhof.Errorf(schulhof.ENotFound, "school.not_found")
		}
		return []*assignmentView{}, nil // the operator sets no work
	}
	as, err := s.db.FindAssignmentsFor(r.Context(), sc.ID, u.ID)
	if err != nil {
		return nil, err
	}
	out := []*assignmentView{}
	for _, a := range as {
		v, err := s.viewAssignment(r, sc, a)
		if err != nil {
			return nil, err
		}
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// apiListAssignments: GET /api/v1/schools/{school}/assignments.
func (s *Module) apiListAssignments(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	out, err := s.assignmentsFor(r, sc)
	if err != nil {
		return nil, err
	}
	return kit.NewList(out, ""), nil
}

// assignmentInput is the JSON of a new or changed assignment.
type assignmentInput struct {
	Title       *string            `json:"title"`
	Description *string            `json:"description"`
	Groups      []schulhof.GroupID `json:"groups"`
	StartsAt    *time.Time         `json:"starts_at"`
	DueAt       *time.Time         `json:"due_at"`
	AllowLate   *bool              `json:"allow_late"`
	Reviewed    *bool              `json:"reviewed"`
}

// mayAssignTo checks that the actor may set work for all the groups.
func (s *Module) mayAssignTo(r *http.Request, sc *schulhof.School, groups []schulhof.GroupID) error {
	u := kit.AuthOf(r).User
	leadsAll := len(groups) > 0
	for _, g := range groups {
		if _, err := s.db.FindGroupByID(r.Context(), sc.ID, g); err != nil {
			return schulhof.Invalid("groups", "group.not_found")
		}
		role, err := s.db.FindMemberRole(r.Context(), sc.ID, g, u.ID)
		if err != nil {
			return err
		}
		leadsAll = leadsAll && role == schulhof.MemberRoleLeader
	}
	if !schulhof.CanSetAssignment(u, sc.ID, leadsAll) {
		return schulhof.Errorf(schulhof.EForbidden, "assignment.not_leader")
	}
	return nil
}

// apiCreateAssignment: POST /api/v1/schools/{school}/assignments.
func (s *Module) apiCreateAssignment(r *http.Request) (any, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	var in assignmentInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	as := &schulhof.Assignment{SchoolID: sc.ID, Groups: in.Groups, StartsAt: s.Now(), CreatedBy: kit.AuthOf(r).User.ID}
	if in.Title != nil {
		as.Title = *in.Title
	}
	if in.Description != nil {
		as.Description = *in.Description
	}
	if in.StartsAt != nil {
		as.StartsAt = *in.StartsAt
	}
	if in.DueAt != nil {
		as.DueAt = *in.DueAt
	}
	if in.AllowLate != nil {
		as.AllowLate = *in.AllowLate
	}
	if err := s.createAssignment(r, sc, as); err != nil {
		return nil, err
	}
	v, err := s.viewAssignment(r, sc, as)
	if err != nil {
		return nil, err
	}
	return kit.Created(v), nil
}

func (s *Module) createAssignment(r *http.Request, sc *schulhof.School, as *schulhof.Assignment) error {
	as.Normalize()
	if err := as.Validate(); err != nil {
		return err
	}
	if err := s.mayAssignTo(r, sc, as.Groups); err != nil {
		return err
	}
	return s.db.CreateAssignment(r.Context(), as)
}

// apiGetAssignment: GET /api/v1/schools/{school}/assignments/{assignment}.
func (s *Module) apiGetAssignment(r *http.Request) (any, error) {
	_, _, v, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// managedAssignment is assignmentFromPath for those who manage it.
func (s *Module) managedAssignment(r *http.Request) (*schulhof.School, *schulhof.Assignment, error) {
	sc, as, v, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, nil, err
	}
	if !v.CanManage {
		return nil, nil, schulhof.Errorf(schulhof.EForbidden, "error.forbidden")
	}
	return sc, as, nil
}

// apiUpdateAssignment: PATCH /api/v1/schools/{school}/assignments/{assignment};
// {"reviewed": true} marks it as reviewed.
func (s *Module) apiUpdateAssignment(r *http.Request) (any, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return nil, err
	}
	var in assignmentInput
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Groups != nil {
		if err := s.mayAssignTo(r, sc, in.Groups); err != nil {
			return nil, err
		}
	}
	up, err := s.db.UpdateAssignment(r.Context(), sc.ID, as.ID, schulhof.AssignmentUpdate{Title: in.Title, Description: in.Description,
		Groups: in.Groups, StartsAt: in.StartsAt, DueAt: in.DueAt, AllowLate: in.AllowLate, Reviewed: in.Reviewed})
	if err != nil {
		return nil, err
	}
	v, err := s.viewAssignment(r, sc, up)
	if err == nil && v == nil {
		err = schulhof.Errorf(schulhof.ENotFound, "assignment.not_found")
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

// userSpace is the user's own space, whose quota hand-ins and attachments
// count against.
func userSpace(id schulhof.UserID) schulhof.Space {
	return schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(id)}
}

// apiAddAttachment: POST /api/v1/schools/{school}/assignments/{assignment}/attachments?name=X
// with the bytes as body, or ?node=ID: a file of the files module.
func (s *Module) apiAddAttachment(r *http.Request) (any, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return nil, err
	}
	if v := r.URL.Query().Get("node"); v != "" { // a file of the files module, its bytes shared
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, schulhof.Errorf(schulhof.ENotFound, "file.not_found")
		}
		n, err := s.files.ReadableFile(r, sc, schulhof.NodeID(id))
		if err != nil {
			return nil, err
		}
		f, err := s.db.AddAttachment(r.Context(), sc.ID, as.ID, schulhof.NamedContent{Name: n.Name, NewContent: schulhof.NewContent{
			BlobKey: n.BlobKey, Size: n.Size, SHA256: n.SHA256, ContentType: n.ContentType}})
		if err != nil {
			return nil, err
		}
		return kit.Created(f), nil
	}
	c, err := s.storeNamed(r, sc, r.URL.Query().Get("name"), r.Body, r.ContentLength, r.Header.Get("Content-Type"), 0)
	if err != nil {
		return nil, err
	}
	f, err := s.db.AddAttachment(r.Context(), sc.ID, as.ID, c)
	if err != nil {
		s.Blobs.Delete(r.Context(), blob.Key(c.BlobKey))
		return nil, err
	}
	return kit.Created(f), nil
}

// storeNamed stores bytes against the actor's own quota (less what is
// already pending in this request) and returns them named, not yet visible.
func (s *Module) storeNamed(r *http.Request, sc *schulhof.School, name string, body io.Reader, size int64, ctype string, pending int64) (schulhof.NamedContent, error) {
	name, err := schulhof.CleanName(name)
	if err != nil {
		return schulhof.NamedContent{}, err
	}
	info, err := s.files.PutBlob(r, sc, userSpace(kit.AuthOf(r).User.ID), body, size, pending)
	if err != nil {
		return schulhof.NamedContent{}, err
	}
	return schulhof.NamedContent{Name: name, NewContent: schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size,
		SHA256: info.SHA256, ContentType: kit.ContentType(ctype, name)}}, nil
}

// apiDeleteAttachment: DELETE /api/v1/schools/{school}/assignments/{assignment}/attachments/{file}.
func (s *Module) apiDeleteAttachment(r *http.Request) (any, error) {
	sc, as, err := s.managedAssignment(r)
	if err == nil {
		file, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
		err = s.db.DeleteAttachment(r.Context(), sc.ID, as.ID, file)
	}
	if err != nil {
		return nil, err
	}
	return kit.None{}, nil
}

// apiAssignmentFile: GET /api/v1/schools/{school}/assignments/{assignment}/files/{file}:
// an attachment for everyone who sees the assignment, a hand-in's file
// for its student, their parents and those who manage the assignment.
func (s *Module) apiAssignmentFile(r *http.Request) (any, error) {
	sc, as, v, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, err
	}
	file, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
	f, err := s.db.FindAssignmentFile(r.Context(), sc.ID, as.ID, file)
	if err == nil && f.Student != 0 && !v.CanManage && !s.maySeeHandIn(r, v, f.Student) {
		err = schulhof.Errorf(schulhof.ENotFound, "file.not_found")
	}
	if err != nil {
		return nil, err
	}
	return kit.Stored{Key: f.BlobKey, Name: f.Name, ContentType: f.ContentType, SHA256: f.SHA256, Modified: f.CreatedAt}, nil
}

// maySeeHandIn: the student themself and their parents.
func (s *Module) maySeeHandIn(r *http.Request, v *assignmentView, student schulhof.UserID) bool {
	if kit.AuthOf(r).User.ID == student {
		return true
	}
	for _, c := range v.Children {
		if c.Student.ID == student {
			return true
		}
	}
	return false
}

// studentParam resolves {student} to a student whose work the actor may
// see: anyone's for those who manage the assignment, else their own or
// their child's.
func (s *Module) studentParam(r *http.Request, v *assignmentView) (schulhof.UserID, error) {
	id, err := strconv.ParseInt(r.PathValue("student"), 10, 64)
	if err != nil {
		return 0, schulhof.Errorf(schulhof.ENotFound, "assignment.student_not_found")
	}
	if !v.CanManage && !s.maySeeHandIn(r, v, schulhof.UserID(id)) {
		return 0, schulhof.Errorf(schulhof.ENotFound, "assignment.student_not_found")
	}
	return schulhof.UserID(id), nil
}

// apiListSubmissions: GET /api/v1/schools/{school}/assignments/{assignment}/submissions,
// every student of the groups, handed in or not.
func (s *Module) apiListSubmissions(r *http.Request) (any, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return nil, err
	}
	subs, err := s.db.FindSubmissions(r.Context(), sc.ID, as.ID)
	if err != nil {
		return nil, err
	}
	return kit.NewList(subs, ""), nil
}

// apiGetSubmission: GET /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}.
func (s *Module) apiGetSubmission(r *http.Request) (any, error) {
	sc, as, v, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, err
	}
	student, err := s.studentParam(r, v)
	if err != nil {
		return nil, err
	}
	sub, err := s.db.FindSubmission(r.Context(), sc.ID, as.ID, student)
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// handIn reads a multipart form and makes it the actor's hand-in: the
// field "text", the earlier files named by "keep" (their ids; none: the
// earlier files go), new files in "file", and files of the files module
// in "node" (their ids: what the page uploaded there with progress, or
// what was there already). Only the student hands in, from the start
// until the due date (later where allowed).
func (s *Module) handIn(r *http.Request) (*schulhof.School, *schulhof.Assignment, *schulhof.Submission, error) {
	sc, as, v, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, nil, nil, err
	}
	u := kit.AuthOf(r).User
	if r.PathValue("student") != "" && r.PathValue("student") != strconv.FormatInt(int64(u.ID), 10) {
		return nil, nil, nil, schulhof.Errorf(schulhof.EForbidden, "assignment.own_only")
	}
	if v.Status == "" { // not a student of its groups
		return nil, nil, nil, schulhof.Errorf(schulhof.EForbidden, "assignment.own_only")
	}
	if !as.AcceptsHandIns(s.Now()) {
		return nil, nil, nil, schulhof.Errorf(schulhof.EConflict, "assignment.closed")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, nil, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
	}
	var text string
	var files []schulhof.NamedContent
	var keep []int64
	var pending int64
	var stored []blob.Key // the bytes this request wrote, never a node's
	drop := func() {
		for _, k := range stored {
			s.Blobs.Delete(r.Context(), k)
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			drop()
			return nil, nil, nil, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
		}
		switch {
		case part.FormName() == "text":
			b, err := io.ReadAll(io.LimitReader(part, 4*schulhof.MaxAssignmentText+1))
			part.Close()
			if err != nil {
				drop()
				return nil, nil, nil, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
			}
			text = string(b)
		case part.FormName() == "keep" || part.FormName() == "node":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			part.Close()
			id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			if err != nil {
				drop()
				return nil, nil, nil, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
			}
			if part.FormName() == "keep" {
				keep = append(keep, id)
				continue
			}
			n, err := s.files.ReadableFile(r, sc, schulhof.NodeID(id))
			if err != nil {
				drop()
				return nil, nil, nil, err
			}
			files = append(files, schulhof.NamedContent{Name: n.Name, NewContent: schulhof.NewContent{BlobKey: n.BlobKey,
				Size: n.Size, SHA256: n.SHA256, ContentType: n.ContentType}})
		case part.FormName() == "file" && part.FileName() != "":
			c, err := s.storePart(r, sc, part, pending)
			if err != nil {
				drop()
				return nil, nil, nil, err
			}
			pending += c.Size
			stored = append(stored, blob.Key(c.BlobKey))
			files = append(files, c)
		default:
			part.Close()
		}
	}
	sub, err := s.db.HandIn(r.Context(), sc.ID, as.ID, u.ID, text, keep, files)
	if err != nil {
		drop()
		return nil, nil, nil, err
	}
	s.files.Freed(sc.ID, userSpace(u.ID)) // the replaced hand-in's files are gone
	return sc, as, sub, nil
}

func (s *Module) storePart(r *http.Request, sc *schulhof.School, part *multipart.Part, pending int64) (schulhof.NamedContent, error) {
	defer part.Close()
	return s.storeNamed(r, sc, path.Base(part.FileName()), part, -1, part.Header.Get("Content-Type"), pending)
}

// apiHandIn: PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student},
// the student's own, as multipart/form-data.
func (s *Module) apiHandIn(r *http.Request) (any, error) {
	_, _, sub, err := s.handIn(r)
	if err != nil {
		return nil, err
	}
	return sub, nil
}

// apiSetFeedback: PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}/feedback {"text"}.
func (s *Module) apiSetFeedback(r *http.Request) (any, error) {
	var in struct {
		Text string `json:"text"`
	}
	if err := kit.ReadJSON(r, &in); err != nil {
		return nil, err
	}
	sub, err := s.setFeedback(r, in.Text)
	if err != nil {
		return nil, err
	}
	return sub, nil
}

func (s *Module) setFeedback(r *http.Request, text string) (*schulhof.Submission, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("student"), 10, 64)
	if err != nil {
		return nil, schulhof.Errorf(schulhof.ENotFound, "assignment.student_not_found")
	}
	return s.db.SetFeedback(r.Context(), sc.ID, as.ID, schulhof.UserID(id), text)
}

// apiSubmissionsZip: GET /api/v1/schools/{school}/assignments/{assignment}/submissions.zip:
// every hand-in, one folder per student ("Nachname, Vorname (login)"),
// the text as Abgabe.txt beside the files; streamed.
func (s *Module) apiSubmissionsZip(w http.ResponseWriter, r *http.Request) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	subs, err := s.db.FindSubmissions(r.Context(), sc.ID, as.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name, _ := schulhof.CleanName(as.Title)
	if name == "" {
		name = "Abgaben"
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name+".zip"))
	w.Header().Set("Cache-Control", "no-store")
	zw := zip.NewWriter(w)
	if err := s.zipSubmissions(r, zw, subs, kit.Info(r).Lang); err != nil {
		kit.Info(r).Log().Error("zip", "err", err) // the status is sent
		return
	}
	zw.Close()
}

func (s *Module) zipSubmissions(r *http.Request, zw *zip.Writer, subs []*schulhof.Submission, lang string) error {
	for _, sub := range subs {
		if sub.SubmittedAt == nil {
			continue
		}
		u := sub.Student
		dir, err := schulhof.CleanName(fmt.Sprintf("%s, %s (%s)", u.LastName, u.FirstName, u.Login))
		if err != nil {
			dir = u.Login
		}
		if sub.Status == schulhof.StatusLate {
			dir += " - " + statusText(lang, sub.Status)
		}
		if sub.Text != "" {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: dir + "/Abgabe.txt", Method: zip.Deflate, Modified: *sub.SubmittedAt})
			if err != nil {
				return err
			}
			if _, err := io.WriteString(f, strings.ReplaceAll(sub.Text, "\n", "\r\n")); err != nil {
				return err
			}
		}
		for _, file := range sub.Files {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: dir + "/" + file.Name, Method: zip.Store, Modified: file.CreatedAt})
			if err != nil {
				return err
			}
			rd, err := s.Blobs.Open(r.Context(), blob.Key(file.BlobKey))
			if err != nil {
				return err
			}
			_, err = io.Copy(f, rd)
			rd.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteAssignment: DELETE /api/v1/schools/{school}/assignments/{assignment}
// and the form /s/{school}/assignments/{assignment}/delete.
func (s *Module) deleteAssignment(r *http.Request) (kit.None, error) {
	sc, as, err := s.managedAssignment(r)
	if err == nil {
		err = s.db.DeleteAssignment(r.Context(), sc.ID, as.ID)
	}
	return kit.None{}, err
}
