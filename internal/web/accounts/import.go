package accounts

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// importRequest is a file with its mapping and options, from the API's
// query string or the import page's form.
type importRequest struct {
	data    []byte
	role    schulhof.Role
	mapping csvimport.Mapping // nil: guess from the headers
	opts    schulhof.ImportOptions
	fixes   map[int]schulhof.NameFix // names the admin corrected, by line
}

// runImport parses, maps and plans or applies the import.
func (s *Module) runImport(r *http.Request, sc *schulhof.School, req importRequest) (*csvimport.File, csvimport.Mapping, *schulhof.ImportReport, error) {
	f, err := csvimport.Parse(req.data)
	if err != nil {
		return nil, nil, nil, err
	}
	m := req.mapping
	if m == nil {
		m = f.GuessMapping()
	}
	if miss := m.Missing(); len(miss) > 0 {
		return f, m, nil, schulhof.Errorf(schulhof.EInvalid, "import.unmapped", i18n.T(kit.Info(r).Lang, "field."+string(miss[0])))
	}
	rows, errs := f.Rows(m, req.role)
	csvimport.FixNames(rows, req.fixes)
	errs = append(errs, csvimport.CheckNames(rows)...)
	slices.SortStableFunc(errs, func(a, b schulhof.ImportLineError) int { return a.Line - b.Line })
	rep, err := s.db.ImportUsers(r.Context(), sc.ID, rows, errs, req.opts)
	if rep != nil {
		for i := range rep.Errors {
			e := &rep.Errors[i]
			e.Message = i18n.T(kit.Info(r).Lang, e.Key, e.Args...)
		}
	}
	return f, m, rep, err
}

func parseRole(v string) schulhof.Role {
	if r, ok := schulhof.ParseRole(v); ok && r != schulhof.RoleOperator {
		return r
	}
	return schulhof.RoleStudent
}

// apiImportUsers: POST /api/v1/schools/{school}/imports/users with the CSV
// as body. Query: dry_run (default true, so that a script that forgets it
// changes nothing), role (the default role), keep_missing, and map.FIELD
// for headers the import does not recognise (map.last_name=Familie).
func (s *Module) apiImportUsers(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if v := q.Get("role"); v != "" {
		if role, ok := schulhof.ParseRole(v); !ok || role == schulhof.RoleOperator {
			s.Fail(w, r, schulhof.Errorf(schulhof.EBadRequest, "user.role.invalid"))
			return
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, csvimport.MaxSize))
	if err != nil {
		s.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "import.too_large", csvimport.MaxSize>>20))
		return
	}
	req := importRequest{data: data, role: parseRole(q.Get("role")),
		opts: schulhof.ImportOptions{DryRun: q.Get("dry_run") != "false", KeepMissing: q.Get("keep_missing") == "true"}}
	f, err := csvimport.Parse(data)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, fl := range csvimport.Fields {
		if h := q.Get("map." + string(fl)); h != "" {
			if req.mapping == nil {
				req.mapping = f.GuessMapping()
			}
			idx := f.Column(h)
			if idx < 0 {
				s.Fail(w, r, schulhof.Errorf(schulhof.EInvalid, "import.no_such_column", h))
				return
			}
			req.mapping[fl] = idx
		}
	}
	_, _, rep, err := s.runImport(r, sc, req)
	if err != nil && rep == nil {
		s.Fail(w, r, err)
		return
	}
	if err != nil {
		e := kit.DomainError(err)
		kit.WriteJSON(w, kit.StatusOf(e.Code), struct {
			*schulhof.ImportReport
			Error kit.APIError `json:"error"`
		}{rep, kit.APIError{Code: string(e.Code), Message: i18n.T(kit.Info(r).Lang, e.Key, e.Args...)}})
		return
	}
	kit.WriteJSON(w, http.StatusOK, rep)
}

// importView is what the import page shows.
type importView struct {
	Step     string // upload, preview, done
	Data     string // the file, base64, carried from step to step
	Encoding string
	Header   []string
	Mapping  map[string]int
	Fields   []csvimport.Field
	Role     string
	Keep     bool
	Report   *schulhof.ImportReport
	Roles    []schulhof.Role
	Lost     int // lines whose names lost letters, to fix before applying
	Others   int // the other bad lines, to fix in the file
	// Fixed are the names the admin corrected already, carried to the
	// next step (those still to fix are in the report).
	Fixed map[int]schulhof.NameFix
}

// showImportPage: GET /s/{school}/import.
func (s *Module) showImportPage(r *http.Request) (*kit.View, error) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		return nil, err
	}
	v := s.SchoolView(r, sc, "import.title")
	v.Data = &importView{Step: "upload", Roles: schulhof.Roles, Role: "student"}
	return v, nil
}

// submitImport: POST /s/{school}/import. With a file upload it starts a
// dry run with the guessed mapping; with the carried data and a changed
// mapping it runs the dry run again; with apply=1 it applies.
func (s *Module) submitImport(w http.ResponseWriter, r *http.Request) {
	sc, err := s.ManagedSchool(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, csvimport.MaxSize*2)
	v := s.SchoolView(r, sc, "import.title")
	iv := &importView{Step: "upload", Roles: schulhof.Roles, Fields: csvimport.Fields}
	v.Data = iv
	if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
		s.Render(w, r, s.FormError(r, v, schulhof.Errorf(schulhof.EInvalid, "import.too_large", csvimport.MaxSize>>20)), "import", v)
		return
	}
	iv.Role, iv.Keep = r.FormValue("role"), r.FormValue("keep_missing") == "on"
	var data []byte
	if file, _, ferr := r.FormFile("file"); ferr == nil {
		data, err = io.ReadAll(io.LimitReader(file, csvimport.MaxSize+1))
		file.Close()
	} else {
		data, err = base64.StdEncoding.DecodeString(r.FormValue("data"))
	}
	if err != nil || len(data) == 0 {
		s.Render(w, r, s.FormError(r, v, schulhof.Errorf(schulhof.EInvalid, "import.no_file")), "import", v)
		return
	}
	req := importRequest{data: data, role: parseRole(iv.Role),
		opts: schulhof.ImportOptions{DryRun: r.FormValue("apply") != "1", KeepMissing: iv.Keep}}
	req.fixes = map[int]schulhof.NameFix{}
	for k, vs := range r.Form { // fix.LINE.first_name, fix.LINE.last_name
		if rest, ok := strings.CutPrefix(k, "fix."); ok {
			line, field, _ := strings.Cut(rest, ".")
			n, err := strconv.Atoi(line)
			if err != nil || len(vs) == 0 {
				continue
			}
			fx := req.fixes[n]
			switch field {
			case "first_name":
				fx.FirstName = vs[0]
			case "last_name":
				fx.LastName = vs[0]
			}
			req.fixes[n] = fx
		}
	}
	if r.FormValue("mapped") == "1" {
		req.mapping = csvimport.Mapping{}
		for _, fl := range csvimport.Fields {
			if i, err := strconv.Atoi(r.FormValue("map." + string(fl))); err == nil && i >= 0 {
				req.mapping[fl] = i
			}
		}
	}
	f, m, rep, err := s.runImport(r, sc, req)
	iv.Data = base64.StdEncoding.EncodeToString(data)
	iv.Report = rep
	iv.Fixed = req.fixes
	if rep != nil {
		for _, e := range rep.Errors {
			if e.Fix != nil {
				iv.Lost++
				delete(iv.Fixed, e.Line)
			} else {
				iv.Others++
			}
		}
	}
	if f != nil {
		iv.Step, iv.Encoding, iv.Header = "preview", f.Encoding, f.Header
		iv.Mapping = map[string]int{}
		for _, fl := range csvimport.Fields {
			iv.Mapping[string(fl)] = -1
		}
		for fl, i := range m {
			iv.Mapping[string(fl)] = i
		}
	}
	status := http.StatusOK
	if err != nil {
		status = s.FormError(r, v, err)
	} else if !req.opts.DryRun {
		iv.Step = "done"
	}
	s.Render(w, r, status, "import", v)
}
