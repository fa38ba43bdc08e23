package assignments

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// The assignment pages: the list (with the form to set a new one), and
// one assignment, which shows the teacher who handed in and the student
// their hand-in form and feedback. They work without JavaScript.

func statusText(lang string, st schulhof.SubmissionStatus) string {
	key := "assignment.status." + string(st)
	return i18n.T(lang, key)
}

// formTime is how <input type="datetime-local"> sends a time: the
// school's local time, which is German time.
const formTime = "2006-01-02T15:04"

func parseFormTime(v string) (time.Time, error) {
	return time.ParseInLocation(formTime, v, kit.Berlin)
}

type assignmentsPage struct {
	SchoolSlug string
	// For students: by status. For the others: everything in one list.
	Open, Overdue, Done []*assignmentView
	All                 []*assignmentView
	CanSet              bool              // teachers and admins see the form
	Groups              []*schulhof.Group // the groups the actor may set work for
	Material            []materialPlace   // files to attach from the files module
}

func (s *Module) assignmentsPageData(r *http.Request, sc *schulhof.School) (*assignmentsPage, error) {
	u := kit.AuthOf(r).User
	as, err := s.assignmentsFor(r, sc)
	if err != nil {
		return nil, err
	}
	p := &assignmentsPage{SchoolSlug: sc.Slug}
	if u.Role == schulhof.RoleStudent {
		for _, a := range as {
			switch a.Status {
			case schulhof.StatusOpen:
				p.Open = append([]*assignmentView{a}, p.Open...) // soonest due first
			case schulhof.StatusMissing:
				p.Overdue = append(p.Overdue, a)
			default:
				p.Done = append(p.Done, a)
			}
		}
	} else {
		p.All = as
	}
	if u.Role >= schulhof.RoleTeacher && u.SchoolID == sc.ID {
		f := schulhof.GroupFilter{SchoolID: sc.ID}
		if !schulhof.CanManageUsers(u, sc.ID) {
			f.UserID = u.ID
		}
		gs, err := s.db.FindGroups(r.Context(), f)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if schulhof.CanManageUsers(u, sc.ID) || g.MyRole == schulhof.MemberRoleLeader {
				p.Groups = append(p.Groups, g)
			}
		}
		p.CanSet = len(p.Groups) > 0
		if p.CanSet {
			if p.Material, err = s.material(r, sc); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// showAssignmentsPage: GET /s/{school}/assignments.
func (s *Module) showAssignmentsPage(r *http.Request) (*kit.View, error) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		return nil, err
	}
	p, err := s.assignmentsPageData(r, sc)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "assignments.title")
	now := s.Now().In(kit.Berlin)
	v.Form["starts_at"] = now.Format(formTime)
	v.Form["due_at"] = time.Date(now.Year(), now.Month(), now.Day()+7, 8, 0, 0, 0, kit.Berlin).Format(formTime)
	v.Data = p
	return v, nil
}

// createAssignmentFromForm: POST /s/{school}/assignments, a multipart form
// whose attachments are streamed into the blob store; they become visible
// with the assignment, or are removed if it cannot be saved.
func (s *Module) createAssignmentFromForm(w http.ResponseWriter, r *http.Request) {
	sc, err := s.SchoolFromPath(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	as := &schulhof.Assignment{SchoolID: sc.ID, CreatedBy: kit.AuthOf(r).User.ID}
	af, err := s.readAssignmentForm(r, sc)
	form, files := af.fields, af.files
	as.Groups = af.groups
	if err == nil {
		err = s.assignmentFromForm(r, sc, as, form, files)
	}
	if err != nil {
		s.dropFiles(r, af, files)
		p, perr := s.assignmentsPageData(r, sc)
		if perr != nil {
			s.Fail(w, r, perr)
			return
		}
		v := s.SchoolView(r, sc, "assignments.title")
		v.Form = form
		v.Data = p
		s.Render(w, r, s.FormError(r, v, err), "assignments", v)
		return
	}
	http.Redirect(w, r, "/s/"+sc.Slug+"/assignments/"+strconv.FormatInt(int64(as.ID), 10)+"?flash=saved", http.StatusSeeOther)
}

// assignmentForm is a multipart assignment form: its fields, the groups
// ticked, and the attachments, stored but not yet named by any row.
type assignmentForm struct {
	fields map[string]string
	groups []schulhof.GroupID
	files  []schulhof.NamedContent
	// taken are the bytes of files taken from the files module ("node"):
	// theirs, never removed with a form that was not saved
	taken map[string]bool
}

// materialPlace is a place of the files module with its newest files.
type materialPlace struct {
	Name  string // the group's, "" for one's own files
	Files []*schulhof.Node
}

// material are the teacher's newest files and those of her groups' folders,
// to attach to an assignment: a worksheet in the class folder already is
// not uploaded again.
func (s *Module) material(r *http.Request, sc *schulhof.School) ([]materialPlace, error) {
	u := kit.AuthOf(r).User
	var out []materialPlace
	own, err := s.db.FindRecentFiles(r.Context(), sc.ID, userSpace(u.ID), 30)
	if err != nil {
		return nil, err
	}
	if len(own) > 0 {
		out = append(out, materialPlace{Files: own})
	}
	mine, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID, UserID: u.ID})
	if err != nil {
		return nil, err
	}
	schulhof.SortGroups(mine)
	for _, g := range mine {
		fs, err := s.db.FindRecentFiles(r.Context(), sc.ID, schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(g.ID)}, 15)
		if err != nil {
			return nil, err
		}
		if len(fs) > 0 {
			out = append(out, materialPlace{Name: g.Name, Files: fs})
		}
	}
	return out, nil
}

// dropFiles removes the bytes a form that was not saved stored, but
// those of files taken from the files module.
func (s *Module) dropFiles(r *http.Request, af assignmentForm, files []schulhof.NamedContent) {
	for _, f := range files {
		if !af.taken[f.BlobKey] {
			s.Blobs.Delete(r.Context(), blob.Key(f.BlobKey))
		}
	}
}

// readAssignmentForm streams the attachments into the blob store (against
// the actor's quota) and collects the fields.
func (s *Module) readAssignmentForm(r *http.Request, sc *schulhof.School) (af assignmentForm, err error) {
	af.fields, af.taken = map[string]string{}, map[string]bool{}
	mr, err := r.MultipartReader()
	if err != nil {
		return af, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
	}
	var pending int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return af, nil
		}
		if err != nil {
			return af, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
		}
		if part.FormName() == "file" {
			if part.FileName() == "" {
				part.Close()
				continue
			}
			c, err := s.storePart(r, sc, part, pending)
			if err != nil {
				return af, err
			}
			pending += c.Size
			af.files = append(af.files, c)
			continue
		}
		b, err := io.ReadAll(io.LimitReader(part, 4*schulhof.MaxAssignmentText+1))
		part.Close()
		if err != nil {
			return af, schulhof.Errorf(schulhof.EBadRequest, "error.bad_form")
		}
		if part.FormName() == "group" {
			id, _ := strconv.ParseInt(string(b), 10, 64)
			af.groups = append(af.groups, schulhof.GroupID(id))
			continue
		}
		if part.FormName() == "node" { // material from the files module
			id, _ := strconv.ParseInt(string(b), 10, 64)
			n, err := s.files.ReadableFile(r, sc, schulhof.NodeID(id))
			if err != nil {
				return af, err
			}
			af.files = append(af.files, schulhof.NamedContent{Name: n.Name, NewContent: schulhof.NewContent{BlobKey: n.BlobKey,
				Size: n.Size, SHA256: n.SHA256, ContentType: n.ContentType}})
			af.taken[n.BlobKey] = true
			continue
		}
		af.fields[part.FormName()] = string(b)
	}
}

func (s *Module) assignmentFromForm(r *http.Request, sc *schulhof.School, as *schulhof.Assignment, form map[string]string, files []schulhof.NamedContent) error {
	as.Title, as.Description, as.AllowLate = form["title"], form["description"], form["allow_late"] == "1"
	var bad []schulhof.FieldError
	var err error
	if as.StartsAt, err = parseFormTime(form["starts_at"]); err != nil {
		bad = append(bad, schulhof.FieldError{Field: "starts_at", Key: "assignment.time.invalid"})
	}
	if as.DueAt, err = parseFormTime(form["due_at"]); err != nil {
		bad = append(bad, schulhof.FieldError{Field: "due_at", Key: "assignment.time.invalid"})
	}
	if len(bad) > 0 {
		// report the other fields' problems too, not one round at a time
		as.Normalize()
		var e *schulhof.Error
		if errors.As(as.Validate(), &e) {
			for _, f := range e.Fields {
				if f.Field != "starts_at" && f.Field != "due_at" {
					bad = append(bad, f)
				}
			}
		}
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid", Fields: bad}
	}
	if err := s.createAssignment(r, sc, as); err != nil {
		return err
	}
	for _, f := range files {
		if _, err := s.db.AddAttachment(r.Context(), sc.ID, as.ID, f); err != nil {
			s.db.DeleteAssignment(r.Context(), sc.ID, as.ID)
			return err
		}
	}
	return nil
}

type assignmentPage struct {
	SchoolSlug  string
	A           *assignmentView
	Base        string // /s/SLUG/assignments/ID
	API         string // /api/v1/schools/SLUG/assignments/ID
	GroupNames  []string
	Submissions []*schulhof.Submission // for those who manage it: the filter's, in its order
	// The hand-in list's filter (Show: "", handed_in, missing, late,
	// no_feedback) and order (Sort: "" by name, "time" newest first),
	// Filters with their counts, Query for links that keep them, and the
	// student whose feedback is being written (with the next one
	// without feedback in the list).
	Show, Sort   string
	Filters      []submissionFilter
	Query        template.URL // encoded by url.Values
	Feedback     *schulhof.Submission
	NextFeedback schulhof.UserID
	Mine         *schulhof.Submission // a student's own
	CanHandIn    bool
	// Material is what the teacher may attach from the files module
	Material []materialPlace
	// For the student's hand-in form: her own files to take from, her
	// space in the JSON API and the folder there that handin.js uploads
	// into (with progress, resumable), and where it hands in.
	MyFiles   []*schulhof.Node
	MySpace   string
	HandInDir string
	HandInAPI string
	Late      bool // a hand-in now would be late
	Closed    bool // the due date has passed and nothing more is taken
	// the times for the edit form, as <input type="datetime-local"> wants them
	StartsForm, DueForm string
}

// showAssignmentPage: GET /s/{school}/assignments/{assignment}.
func (s *Module) showAssignmentPage(r *http.Request) (*kit.View, error) {
	sc, as, av, err := s.assignmentFromPath(r)
	if err != nil {
		return nil, err
	}
	id := strconv.FormatInt(int64(as.ID), 10)
	p := &assignmentPage{SchoolSlug: sc.Slug, A: av, Base: "/s/" + sc.Slug + "/assignments/" + id,
		API: "/api/v1/schools/" + sc.Slug + "/assignments/" + id}
	for _, g := range as.Groups {
		if grp, err := s.db.FindGroupByID(r.Context(), sc.ID, g); err == nil {
			p.GroupNames = append(p.GroupNames, grp.Name)
		}
	}
	now := s.Now()
	switch {
	case av.CanManage:
		if err := s.submissionList(r, p, sc, as); err != nil {
			return nil, err
		}
		p.StartsForm, p.DueForm = as.StartsAt.In(kit.Berlin).Format(formTime), as.DueAt.In(kit.Berlin).Format(formTime)
		if p.Material, err = s.material(r, sc); err != nil {
			return nil, err
		}
	case av.Status != "":
		if p.Mine, err = s.db.FindSubmission(r.Context(), sc.ID, as.ID, kit.AuthOf(r).User.ID); err != nil {
			return nil, err
		}
		p.CanHandIn = as.AcceptsHandIns(now)
		p.Late = now.After(as.DueAt)
		p.Closed = !p.CanHandIn
		if p.CanHandIn {
			me := kit.AuthOf(r).User.ID
			if p.MyFiles, err = s.db.FindRecentFiles(r.Context(), sc.ID, userSpace(me), 100); err != nil {
				return nil, err
			}
			p.MySpace = "/api/v1/schools/" + sc.Slug + "/spaces/user/" + strconv.FormatInt(int64(me), 10)
			p.HandInDir = handInFolder(as.Title)
			p.HandInAPI = p.API + "/submissions/" + strconv.FormatInt(int64(me), 10)
		}
	}
	v := s.SchoolView(r, sc, "assignments.title")
	v.Title = as.Title
	v.Data = p
	return v, nil
}

// editAssignmentFromForm: POST /s/{school}/assignments/{assignment}/edit,
// a multipart form: the texts, times and late setting, and attachments to
// add.
func (s *Module) editAssignmentFromForm(r *http.Request) (string, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return "", err
	}
	af, err := s.readAssignmentForm(r, sc)
	if err != nil {
		s.dropFiles(r, af, af.files)
		return "", err
	}
	if err := s.saveAssignmentForm(r, sc, as, af); err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/assignments/" + strconv.FormatInt(int64(as.ID), 10) + "?flash=saved", nil
}

// saveAssignmentForm changes the assignment and adds the attachments; the
// stored bytes of what it could not attach are removed.
func (s *Module) saveAssignmentForm(r *http.Request, sc *schulhof.School, as *schulhof.Assignment, af assignmentForm) error {
	f := af.fields
	starts, err1 := parseFormTime(f["starts_at"])
	due, err2 := parseFormTime(f["due_at"])
	var err error
	switch {
	case err1 != nil:
		err = schulhof.Invalid("starts_at", "assignment.time.invalid")
	case err2 != nil:
		err = schulhof.Invalid("due_at", "assignment.time.invalid")
	default:
		title, desc, late := f["title"], f["description"], f["allow_late"] == "1"
		_, err = s.db.UpdateAssignment(r.Context(), sc.ID, as.ID, schulhof.AssignmentUpdate{Title: &title, Description: &desc,
			StartsAt: &starts, DueAt: &due, AllowLate: &late})
	}
	if err != nil {
		s.dropFiles(r, af, af.files)
		return err
	}
	for i, c := range af.files {
		if _, err := s.db.AddAttachment(r.Context(), sc.ID, as.ID, c); err != nil {
			s.dropFiles(r, af, af.files[i:])
			return err
		}
	}
	return nil
}

// deleteAttachmentFromForm: POST /s/{school}/assignments/{assignment}/attachments/{file}/delete.
func (s *Module) deleteAttachmentFromForm(r *http.Request) (string, error) {
	sc, as, err := s.managedAssignment(r)
	if err == nil {
		file, _ := strconv.ParseInt(r.PathValue("file"), 10, 64)
		err = s.db.DeleteAttachment(r.Context(), sc.ID, as.ID, file)
	}
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/assignments/" + strconv.FormatInt(int64(as.ID), 10) + "?flash=deleted", nil
}

// submissionFilter is one choice of the hand-in list, with its count.
type submissionFilter struct {
	Show  string
	Count int
}

// submissionFilters say which hand-ins a filter of the list shows.
var submissionFilters = []struct {
	show  string
	keeps func(*schulhof.Submission) bool
}{
	{"", func(*schulhof.Submission) bool { return true }},
	{"handed_in", func(s *schulhof.Submission) bool { return s.SubmittedAt != nil }},
	{"missing", func(s *schulhof.Submission) bool { return s.SubmittedAt == nil }},
	{"late", func(s *schulhof.Submission) bool { return s.Status == schulhof.StatusLate }},
	{"no_feedback", func(s *schulhof.Submission) bool { return s.SubmittedAt != nil && s.Feedback == "" }},
}

// submissionList fills the teacher's hand-in list: filtered and sorted as
// the query asks, and the one student whose feedback is being written.
func (s *Module) submissionList(r *http.Request, p *assignmentPage, sc *schulhof.School, as *schulhof.Assignment) error {
	all, err := s.db.FindSubmissions(r.Context(), sc.ID, as.ID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p.Show, p.Sort = q.Get("show"), q.Get("sort")
	keeps := submissionFilters[0].keeps
	for _, f := range submissionFilters {
		n := 0
		for _, sub := range all {
			if f.keeps(sub) {
				n++
			}
		}
		p.Filters = append(p.Filters, submissionFilter{Show: f.show, Count: n})
		if f.show == p.Show {
			keeps = f.keeps
		}
	}
	for _, sub := range all {
		if keeps(sub) {
			p.Submissions = append(p.Submissions, sub)
		}
	}
	if p.Sort == "time" { // newest hand-in first, what is missing last
		slices.SortStableFunc(p.Submissions, func(a, b *schulhof.Submission) int {
			if a.SubmittedAt == nil || b.SubmittedAt == nil {
				return cmpBool(a.SubmittedAt == nil, b.SubmittedAt == nil)
			}
			return b.SubmittedAt.Compare(*a.SubmittedAt)
		})
	} else {
		p.Sort = ""
	}
	v := url.Values{}
	if p.Show != "" {
		v.Set("show", p.Show)
	}
	if p.Sort != "" {
		v.Set("sort", p.Sort)
	}
	p.Query = template.URL(v.Encode())
	who, _ := strconv.ParseInt(q.Get("student"), 10, 64)
	for i, sub := range p.Submissions {
		if int64(sub.Student.ID) != who {
			continue
		}
		p.Feedback = sub
		for _, next := range append(p.Submissions[i+1:], p.Submissions[:i]...) {
			if next.SubmittedAt != nil && next.Feedback == "" {
				p.NextFeedback = next.Student.ID
				break
			}
		}
	}
	return nil
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// handInFolder is where in her own files a student's hand-in of the
// assignment goes when the page uploads it: "Abgaben/<title>", the title
// made a folder's name (no characters a name may not hold, at most 100
// letters, no dot at the end).
func handInFolder(title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\<>:"|?*`, r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\uFFFD' {
			return '-'
		}
		return r
	}, strings.TrimSpace(title))
	if r := []rune(name); len(r) > 100 {
		name = string(r[:100])
	}
	name = strings.TrimRight(name, ". ")
	if name == "" {
		name = "Aufgabe"
	}
	return "Abgaben/" + name
}

// handInFromForm: POST /s/{school}/assignments/{assignment}/hand-in.
func (s *Module) handInFromForm(r *http.Request) (string, error) {
	sc, as, _, err := s.handIn(r)
	if err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/assignments/" + strconv.FormatInt(int64(as.ID), 10) + "?flash=handed_in", nil
}

// feedbackFromForm: POST /s/{school}/assignments/{assignment}/feedback/{student}.
func (s *Module) feedbackFromForm(w http.ResponseWriter, r *http.Request) {
	sub, err := s.setFeedback(r, r.PostFormValue("feedback"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	// back to the list as it was filtered and sorted, at the student, or
	// on to the next one without feedback
	q, _ := url.ParseQuery(r.PostFormValue("list"))
	q.Set("flash", "saved")
	anchor := "#student-" + strconv.FormatInt(int64(sub.Student.ID), 10)
	if next := r.PostFormValue("next"); next != "" {
		if _, err := strconv.ParseInt(next, 10, 64); err == nil {
			q.Set("student", next)
			anchor = "#feedback"
		}
	}
	http.Redirect(w, r, "/s/"+r.PathValue("school")+"/assignments/"+strconv.FormatInt(int64(sub.AssignmentID), 10)+
		"?"+q.Encode()+anchor, http.StatusSeeOther)
}

// reviewedFromForm: POST /s/{school}/assignments/{assignment}/reviewed (on=1 or 0).
func (s *Module) reviewedFromForm(r *http.Request) (string, error) {
	sc, as, err := s.managedAssignment(r)
	if err != nil {
		return "", err
	}
	on := r.PostFormValue("on") == "1"
	if _, err := s.db.UpdateAssignment(r.Context(), sc.ID, as.ID, schulhof.AssignmentUpdate{Reviewed: &on}); err != nil {
		return "", err
	}
	return "/s/" + sc.Slug + "/assignments/" + strconv.FormatInt(int64(as.ID), 10) + "?flash=saved", nil
}
