package accounts

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/letters"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// letterSelection says whose letters to print. Printing a letter sets a
// new one-time password: it is the only time the password exists in
// plain text, and it is not stored.
type letterSelection struct {
	UserIDs []schulhof.UserID `json:"user_ids"`
	Group   schulhof.GroupID  `json:"group"`
	Role    string            `json:"role"`
	// OnlyNew selects the users who have never had a password: those an
	// import just created.
	OnlyNew bool `json:"only_new"`
	// IncludeAdmins: a selection of all roles takes the school's admins
	// too (never by default: new passwords for the admins lock out who
	// is printing).
	IncludeAdmins bool `json:"include_admins"`
}

const maxLetters = 3000

// selectLetterUsers returns the active users the selection names.
func (s *Module) selectLetterUsers(ctx context.Context, sc *schulhof.School, sel letterSelection) ([]*schulhof.User, error) {
	var out []*schulhof.User
	if len(sel.UserIDs) > 0 {
		if len(sel.UserIDs) > maxLetters {
			return nil, schulhof.Errorf(schulhof.EInvalid, "letters.too_many", maxLetters)
		}
		us, err := s.db.FindUsersByIDs(ctx, sc.ID, sel.UserIDs)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Active {
				out = append(out, u)
			}
		}
		return out, nil
	}
	yes := true
	f := schulhof.UserFilter{SchoolID: sc.ID, GroupID: sel.Group, Active: &yes, WithoutPassword: sel.OnlyNew, Limit: 1000}
	if sel.Role != "" {
		r, ok := schulhof.ParseRole(sel.Role)
		if !ok {
			return nil, schulhof.Errorf(schulhof.EInvalid, "user.role.invalid")
		}
		f.Role = r
	}
	for {
		us, next, err := s.db.FindUsers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Role != schulhof.RoleSchoolAdmin || sel.Role != "" || sel.IncludeAdmins {
				out = append(out, u)
			}
		}
		if next == "" {
			break
		}
		if len(out) > maxLetters {
			return nil, schulhof.Errorf(schulhof.EInvalid, "letters.too_many", maxLetters)
		}
		f.After = next
	}
	return out, nil
}

// makeLetters sets new one-time passwords for the users and renders their
// letters. Hashing runs on all cores through the hasher's bound, before
// the one transaction that stores the hashes; hashed, if not nil, counts
// the passwords hashed so far (for a batch's progress).
func (s *Module) makeLetters(ctx context.Context, sc *schulhof.School, base string, us []*schulhof.User, hashed *atomic.Int64) ([]byte, error) {
	if len(us) == 0 {
		return nil, schulhof.Errorf(schulhof.EInvalid, "letters.none")
	}
	plain := make([]string, len(us))
	hashes := make([]string, len(us))
	errs := make([]error, len(us))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				plain[i] = password.Generate(10)
				for try := 0; ; try++ {
					hashes[i], errs[i] = s.hasher.Hash(ctx, plain[i])
					if !schulhof.Match(errs[i], schulhof.EUnavailable) || try == 20 {
						break
					}
					time.Sleep(100 * time.Millisecond) // logins come first; wait for a free slot
				}
				if hashed != nil {
					hashed.Add(1)
				}
			}
		}()
	}
	for i := range us {
		work <- i
	}
	close(work)
	wg.Wait()
	m := map[schulhof.UserID]string{}
	for i, u := range us {
		if errs[i] != nil {
			return nil, errs[i]
		}
		m[u.ID] = hashes[i]
	}
	if err := s.db.SetInitialPasswords(ctx, sc.ID, m); err != nil {
		return nil, err
	}
	ls := make([]letters.Letter, len(us))
	for i, u := range us {
		ls[i] = letters.Letter{Name: u.Name(), Class: u.Class, Login: u.Login + "@" + sc.Slug, Password: plain[i]}
	}
	var buf bytes.Buffer
	if err := letters.Render(&buf, sc.Name, base, ls); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func sendPDF(w http.ResponseWriter, name string, pdf []byte) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
}

// apiLetters: POST /api/v1/schools/{school}/letters -> application/pdf.
func (s *Module) apiLetters(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var sel letterSelection
	if err := kit.ReadJSON(r, &sel); err != nil {
		s.Fail(w, r, err)
		return
	}
	us, err := s.selectLetterUsers(r.Context(), sc, sel)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pdf, err := s.makeLetters(r.Context(), sc, s.BaseURL(r), us, nil)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sendPDF(w, "zugangsdaten-"+sc.Slug+".pdf", pdf)
}

// lettersPage is the letters page: the selection form, or the check of
// a selection before anyone's password changes.
type lettersPage struct {
	Groups []*schulhof.Group
	Roles  []schulhof.Role
	Check  *letterCheck
}

// letterCheck says whom a selection's letters reset, for the admin to
// confirm: how many, per role, how many of them lose a password they
// have (and are logged out), and the first names.
type letterCheck struct {
	Sel      letterSelection
	Count    int
	PerRole  []roleCount
	Existing int
	Names    []string
	More     int
	Changed  bool // the selection changed since it was checked: check again
}

type roleCount struct {
	Role  schulhof.Role
	Count int
}

// checkLetters counts whom the selection's letters reset.
func (s *Module) checkLetters(ctx context.Context, sc *schulhof.School, sel letterSelection, us []*schulhof.User) (*letterCheck, error) {
	c := &letterCheck{Sel: sel, Count: len(us)}
	for _, role := range schulhof.Roles {
		n := 0
		for _, u := range us {
			if u.Role == role {
				n++
			}
		}
		if n > 0 {
			c.PerRole = append(c.PerRole, roleCount{role, n})
		}
	}
	if !sel.OnlyNew && len(sel.UserIDs) == 0 {
		fresh := sel
		fresh.OnlyNew = true
		none, err := s.selectLetterUsers(ctx, sc, fresh)
		if err != nil {
			return nil, err
		}
		c.Existing = len(us) - len(none)
	}
	for _, u := range us[:min(len(us), 12)] {
		c.Names = append(c.Names, u.Name())
	}
	c.More = len(us) - len(c.Names)
	return c, nil
}

func (s *Module) lettersView(r *http.Request, sc *schulhof.School) (*kit.View, *lettersPage, error) {
	v := s.SchoolView(r, sc, "letters.title")
	gs, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		return nil, nil, err
	}
	schulhof.SortGroups(gs)
	p := &lettersPage{Groups: gs, Roles: schulhof.Roles}
	v.Data = p
	return v, p, nil
}

// showLettersPage: GET /s/{school}/letters.
func (s *Module) showLettersPage(r *http.Request) (*kit.View, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	v, _, err := s.lettersView(r, sc)
	return v, err
}

// submitLetters: POST /s/{school}/letters. First it only checks the
// selection and asks to confirm (saying how many passwords it resets and
// whose); confirmed (confirm=N, the count the admin saw), it makes the
// letters: a few at once as the PDF, a big batch in the background (see
// letterJob).
func (s *Module) submitLetters(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "error.bad_form"))
		return
	}
	on := func(k string) bool { return r.PostFormValue(k) == "on" || r.PostFormValue(k) == "1" }
	sel := letterSelection{Role: r.PostFormValue("role"), OnlyNew: on("only_new"), IncludeAdmins: on("include_admins")}
	sel.Group = schulhof.GroupID(atoi64(r.PostFormValue("group")))
	for _, id := range r.PostForm["user"] {
		sel.UserIDs = append(sel.UserIDs, schulhof.UserID(atoi64(id)))
	}
	v, p, err := s.lettersView(r, sc)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	us, err := s.selectLetterUsers(r.Context(), sc, sel)
	if err == nil && len(us) == 0 {
		err = schulhof.Errorf(schulhof.EInvalid, "letters.none")
	}
	if err == nil {
		p.Check, err = s.checkLetters(r.Context(), sc, sel, us)
	}
	if err != nil {
		s.Render(w, r, s.FormError(r, v, err), "letters", v)
		return
	}
	confirmed := r.PostFormValue("confirm")
	if confirmed == "" || atoi64(confirmed) != int64(len(us)) {
		p.Check.Changed = confirmed != ""
		s.Render(w, r, http.StatusOK, "letters", v)
		return
	}
	if len(us) <= lettersAtOnce {
		pdf, err := s.makeLetters(r.Context(), sc, s.BaseURL(r), us, nil)
		if err != nil {
			s.Render(w, r, s.FormError(r, v, err), "letters", v)
			return
		}
		sendPDF(w, "zugangsdaten-"+sc.Slug+".pdf", pdf)
		return
	}
	job := s.letterJobs.start(s, sc, kit.AuthOf(r).User.ID, s.BaseURL(r), us)
	http.Redirect(w, r, "/s/"+sc.Slug+"/letters/jobs/"+job.id, http.StatusSeeOther)
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
