package accounts

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// Login letters for many people at once are made in the background: a
// school's 1,000 passwords take half a minute of hashing, longer than a
// browser should wait on a blank page. The page of the batch shows how
// far it is and then offers the PDF. The PDF holds passwords in plain
// text, so it stays in this process's memory only, for the admin who
// started the batch, and is dropped once downloaded or after
// letterJobTTL.

// lettersAtOnce is the most letters made while the browser waits.
const lettersAtOnce = 60

// letterJobTTL is how long a finished batch's PDF waits for its download.
const letterJobTTL = 30 * time.Minute

// letterJob is one batch.
type letterJob struct {
	id     string
	school schulhof.SchoolID
	owner  schulhof.UserID
	total  int
	hashed atomic.Int64

	mu    sync.Mutex
	pdf   []byte
	err   error
	ended time.Time
}

// letterJobs are the batches of this process.
type letterJobs struct {
	mu   sync.Mutex
	jobs map[string]*letterJob
	wg   sync.WaitGroup
}

// start makes the letters of us in the background.
func (js *letterJobs) start(s *Module, sc *schulhof.School, owner schulhof.UserID, base string, us []*schulhof.User) *letterJob {
	tok, _ := kit.NewToken()
	j := &letterJob{id: tok[:16], school: sc.ID, owner: owner, total: len(us)}
	js.mu.Lock()
	if js.jobs == nil {
		js.jobs = map[string]*letterJob{}
	}
	js.jobs[j.id] = j
	js.mu.Unlock()
	js.wg.Add(1)
	go func() {
		defer js.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		pdf, err := s.makeLetters(ctx, sc, base, us, &j.hashed)
		if err != nil {
			s.Log.Error("login letters", "school", sc.ID, "count", len(us), "err", err)
		}
		j.mu.Lock()
		j.pdf, j.err, j.ended = pdf, err, s.Now()
		j.mu.Unlock()
	}()
	return j
}

// find is the batch of the id for its owner at the school, nil if there
// is none (or it has expired).
func (js *letterJobs) find(id string, school schulhof.SchoolID, owner schulhof.UserID, now time.Time) *letterJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	for k, j := range js.jobs { // drop what has waited too long
		j.mu.Lock()
		old := !j.ended.IsZero() && now.Sub(j.ended) > letterJobTTL
		j.mu.Unlock()
		if old {
			delete(js.jobs, k)
		}
	}
	j := js.jobs[id]
	if j == nil || j.school != school || j.owner != owner {
		return nil
	}
	return j
}

// take hands out the finished PDF once.
func (js *letterJobs) take(j *letterJob) []byte {
	js.mu.Lock()
	delete(js.jobs, j.id)
	js.mu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	pdf := j.pdf
	j.pdf = nil
	return pdf
}

// Wait waits for the batches being made (at shutdown, in tests).
func (s *Module) Wait() { s.letterJobs.wg.Wait() }

// letterJobPage is a batch's state on its page.
type letterJobPage struct {
	Hashed, Total int
	Done          bool
	Error         string
	Download      string
}

// showLetterJob: GET /s/{school}/letters/jobs/{job}: how far the batch
// is (the page reloads itself while it runs), then its download.
func (s *Module) showLetterJob(r *http.Request) (*kit.View, error) {
	sc, j, err := s.letterJobOf(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "letters.title")
	p := &letterJobPage{Hashed: int(j.hashed.Load()), Total: j.total}
	j.mu.Lock()
	p.Done = !j.ended.IsZero()
	if j.err != nil {
		p.Error = v.T(kit.DomainError(j.err).Key)
	}
	j.mu.Unlock()
	if p.Done && p.Error == "" {
		p.Download = "/s/" + sc.Slug + "/letters/jobs/" + j.id + "/pdf"
	}
	v.Data = p
	return v, nil
}

// downloadLetterJob: GET /s/{school}/letters/jobs/{job}/pdf, once.
func (s *Module) downloadLetterJob(w http.ResponseWriter, r *http.Request) {
	sc, j, err := s.letterJobOf(r)
	if err == nil {
		j.mu.Lock()
		if j.ended.IsZero() || j.err != nil {
			err = schulhof.Errorf(schulhof.ENotFound, "letters.job_not_found")
		}
		j.mu.Unlock()
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pdf := s.letterJobs.take(j)
	if pdf == nil {
		s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "letters.job_not_found"))
		return
	}
	sendPDF(w, "zugangsdaten-"+sc.Slug+".pdf", pdf)
}

func (s *Module) letterJobOf(r *http.Request) (*schulhof.School, *letterJob, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, nil, err
	}
	j := s.letterJobs.find(r.PathValue("job"), sc.ID, kit.AuthOf(r).User.ID, s.Now())
	if j == nil {
		return nil, nil, schulhof.Errorf(schulhof.ENotFound, "letters.job_not_found")
	}
	return sc, j, nil
}
