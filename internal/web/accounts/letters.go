package accounts

import (
	"bytes"
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync"
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
		out = append(out, us...)
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
// the one transaction that stores the hashes.
func (s *Module) makeLetters(ctx context.Context, sc *schulhof.School, base string, us []*schulhof.User) ([]byte, error) {
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
	pdf, err := s.makeLetters(r.Context(), sc, s.BaseURL(r), us)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sendPDF(w, "zugangsdaten-"+sc.Slug+".pdf", pdf)
}

// showLettersPage: GET /s/{school}/letters.
func (s *Module) showLettersPage(r *http.Request) (*kit.View, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "letters.title")
	gs, err := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID})
	if err != nil {
		return nil, err
	}
	v.Data = map[string]any{"Groups": gs, "Roles": schulhof.Roles}
	return v, nil
}

// submitLetters: POST /s/{school}/letters -> the PDF.
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
	sel := letterSelection{Role: r.PostFormValue("role"), OnlyNew: r.PostFormValue("only_new") == "on" || r.PostFormValue("only_new") == "1"}
	sel.Group = schulhof.GroupID(atoi64(r.PostFormValue("group")))
	for _, id := range r.PostForm["user"] {
		sel.UserIDs = append(sel.UserIDs, schulhof.UserID(atoi64(id)))
	}
	us, err := s.selectLetterUsers(r.Context(), sc, sel)
	var pdf []byte
	if err == nil {
		pdf, err = s.makeLetters(r.Context(), sc, s.BaseURL(r), us)
	}
	if err != nil {
		v := s.SchoolView(r, sc, "letters.title")
		gs, _ := s.db.FindGroups(r.Context(), schulhof.GroupFilter{SchoolID: sc.ID})
		v.Data = map[string]any{"Groups": gs, "Roles": schulhof.Roles}
		s.Render(w, r, s.FormError(r, v, err), "letters", v)
		return
	}
	sendPDF(w, "zugangsdaten-"+sc.Slug+".pdf", pdf)
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
