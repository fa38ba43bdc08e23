// Package csvimport reads the user exports of school administration
// software (SchILD, ASV, Magellan, LUSD, ...) as they arrive: UTF-8 or
// Windows-1252 (or UTF-16 from Excel), comma, semicolon or tab, German or
// English headers. It turns them into domain import rows and lists every
// line it cannot use with the reason; it never guesses silently.
package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	utf16 "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/schulhof/schulhof"
)

// Field is a column the import understands.
type Field string

const (
	ExternalID Field = "external_id"
	LastName   Field = "last_name"
	FirstName  Field = "first_name"
	Class      Field = "class"
	RoleField  Field = "role"
	BirthDate  Field = "birth_date"
	Email      Field = "email"
	ShortCode  Field = "short_code"
	Status     Field = "status"
)

// Fields in the order the mapping form shows them; the first three are required.
var Fields = []Field{ExternalID, LastName, FirstName, Class, RoleField, BirthDate, Email, ShortCode, Status}

// Required fields must be mapped to a column.
var Required = []Field{ExternalID, LastName, FirstName}

// headerNames recognise the headers of common exports, folded by key().
var headerNames = map[string]Field{
	"interneidnummer": ExternalID, "id": ExternalID, "idnummer": ExternalID, "externeid": ExternalID,
	"externalid": ExternalID, "schuelerid": ExternalID, "lehrerid": ExternalID, "nummer": ExternalID,
	"schuelernummer": ExternalID, "personalnummer": ExternalID, "uid": ExternalID,
	"nachname": LastName, "name": LastName, "familienname": LastName, "lastname": LastName, "surname": LastName,
	"vorname": FirstName, "rufname": FirstName, "firstname": FirstName, "givenname": FirstName,
	"klasse": Class, "klassenname": Class, "class": Class, "lerngruppe": Class, "klassenbezeichnung": Class,
	"rolle": RoleField, "role": RoleField, "personengruppe": RoleField, "typ": RoleField,
	"geburtsdatum": BirthDate, "gebdatum": BirthDate, "birthdate": BirthDate, "dateofbirth": BirthDate, "geburtstag": BirthDate,
	"email": Email, "emailadresse": Email, "mail": Email,
	"kuerzel": ShortCode, "lehrerkuerzel": ShortCode, "shortcode": ShortCode, "kurzzeichen": ShortCode,
	"status": Status,
}

// FoldHeader folds a header (or a value of a few known words) for
// lookup: lower case, umlauts spelled out, only letters and digits:
// "Geräte-Nr." is "geraetenr". Other imports (devices) use it for their
// own headers.
func FoldHeader(s string) string { return key(s) }

// key folds a header for lookup: lower case, umlauts spelled out, only
// letters and digits.
func key(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ä':
			b.WriteString("ae")
		case r == 'ö':
			b.WriteString("oe")
		case r == 'ü':
			b.WriteString("ue")
		case r == 'ß':
			b.WriteString("ss")
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// File is a decoded CSV file.
type File struct {
	Encoding  string // "UTF-8", "Windows-1252", "UTF-16"
	Separator rune
	Header    []string
	Records   []Record
}

// Record is one data line with its line number in the file.
type Record struct {
	Line   int
	Fields []string
}

// MaxSize is the largest file Parse accepts: many times a large school.
const MaxSize = 16 << 20

// Parse decodes data and splits it into header and records. It fails only
// when the file as a whole is unusable (empty, binary, no header); bad
// lines are reported later by Rows.
func Parse(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.too_large", MaxSize>>20)
	}
	f := &File{}
	text, enc, err := Decode(data)
	if err != nil {
		return nil, err
	}
	f.Encoding = enc
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.TrimSpace(text) == "" {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.empty")
	}
	f.Separator = DetectSeparator(text)
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = f.Separator
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	first := true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				f.Records = append(f.Records, Record{Line: pe.Line, Fields: nil})
				continue
			}
			return nil, schulhof.Errorf(schulhof.EInvalid, "import.unreadable")
		}
		if blank(rec) {
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if first {
			f.Header, first = rec, false
			continue
		}
		f.Records = append(f.Records, Record{Line: line, Fields: rec})
	}
	if len(f.Header) < 2 {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.no_header")
	}
	return f, nil
}

func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// Decode finds the encoding: a UTF-16 byte order mark, valid UTF-8, or
// else Windows-1252, which every byte sequence is and which is what German
// school software writes when it is not UTF-8. It returns the text and the
// encoding's name.
func Decode(data []byte) (string, string, error) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		dec := utf16.UTF16(utf16.LittleEndian, utf16.UseBOM).NewDecoder()
		out, _, err := transform.Bytes(dec, data)
		if err != nil {
			return "", "", schulhof.Errorf(schulhof.EInvalid, "import.unreadable")
		}
		return string(out), "UTF-16", nil
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", "", schulhof.Errorf(schulhof.EInvalid, "import.binary")
	}
	if utf8.Valid(data) {
		return string(data), "UTF-8", nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", schulhof.Errorf(schulhof.EInvalid, "import.unreadable")
	}
	return string(out), "Windows-1252", nil
}

// DetectSeparator picks the candidate (; , tab) that occurs most in the
// first line outside quotes.
func DetectSeparator(text string) rune {
	line := text
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		line = text[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ';' || r == ',' || r == '\t'):
			counts[r]++
		}
	}
	best := ';'
	for _, c := range []rune{';', ',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// Column is the index of the column with the header (the last one of
// that name), -1 when the file has none.
func (f *File) Column(header string) int {
	idx := -1
	for i, name := range f.Header {
		if name == header {
			idx = i
		}
	}
	return idx
}

// Mapping says which column holds each field; a field not in it is absent.
type Mapping map[Field]int

// GuessMapping maps the headers it recognises.
func (f *File) GuessMapping() Mapping {
	m := Mapping{}
	for i, h := range f.Header {
		if fl, ok := headerNames[key(h)]; ok {
			if _, dup := m[fl]; !dup {
				m[fl] = i
			}
		}
	}
	return m
}

// Missing returns the required fields the mapping lacks.
func (m Mapping) Missing() []Field {
	var out []Field
	for _, f := range Required {
		if _, ok := m[f]; !ok {
			out = append(out, f)
		}
	}
	return out
}

var roleNames = map[string]schulhof.Role{
	"schueler": schulhof.RoleStudent, "schuelerin": schulhof.RoleStudent, "schuelerinnen": schulhof.RoleStudent,
	"student": schulhof.RoleStudent, "s": schulhof.RoleStudent, "sus": schulhof.RoleStudent,
	"lehrer": schulhof.RoleTeacher, "lehrerin": schulhof.RoleTeacher, "lehrkraft": schulhof.RoleTeacher,
	"teacher": schulhof.RoleTeacher, "l": schulhof.RoleTeacher, "lk": schulhof.RoleTeacher, "referendar": schulhof.RoleTeacher,
	"referendarin": schulhof.RoleTeacher, "lehreramtsanwaerter": schulhof.RoleTeacher,
	"eltern": schulhof.RoleParent, "elternteil": schulhof.RoleParent, "erziehungsberechtigter": schulhof.RoleParent,
	"erziehungsberechtigte": schulhof.RoleParent, "parent": schulhof.RoleParent, "e": schulhof.RoleParent,
	"admin": schulhof.RoleSchoolAdmin, "administrator": schulhof.RoleSchoolAdmin, "schuladmin": schulhof.RoleSchoolAdmin,
	"schooladmin": schulhof.RoleSchoolAdmin,
}

// inactive values of a status column: such rows are left out, which makes
// the people leavers.
var inactive = map[string]bool{"inaktiv": true, "abgemeldet": true, "abgegangen": true, "ausgetreten": true,
	"inactive": true, "left": true, "entlassen": true}

// ParseDate reads the dates of German exports (31.12.2012, 1.2.2013) and
// ISO dates, and returns YYYY-MM-DD.
func ParseDate(s string) (string, bool) {
	for _, layout := range []string{"02.01.2006", "2.1.2006", "2006-01-02", "02.01.06"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1900 || t.Year() > 2100 {
				return "", false
			}
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// Rows turns the records into import rows with the mapping; role applies
// where the file has no role column or leaves it empty. Every record that
// cannot be used becomes a line error and no row.
func (f *File) Rows(m Mapping, role schulhof.Role) ([]schulhof.ImportRow, []schulhof.ImportLineError) {
	var rows []schulhof.ImportRow
	var errs []schulhof.ImportLineError
	lineErr := func(line int, key string, args ...any) {
		errs = append(errs, schulhof.ImportLineError{Line: line, Key: key, Args: args})
	}
	need := 0
	for _, i := range m {
		need = max(need, i+1)
	}
	for _, rec := range f.Records {
		if rec.Fields == nil {
			lineErr(rec.Line, "import.line.unreadable")
			continue
		}
		if len(rec.Fields) < need {
			lineErr(rec.Line, "import.line.columns", len(rec.Fields), len(f.Header))
			continue
		}
		get := func(fl Field) string {
			if i, ok := m[fl]; ok {
				return strings.TrimSpace(rec.Fields[i])
			}
			return ""
		}
		if inactive[key(get(Status))] {
			continue
		}
		r := schulhof.ImportRow{Line: rec.Line, ExternalID: get(ExternalID), LastName: get(LastName),
			FirstName: get(FirstName), Class: get(Class), Email: get(Email), ShortCode: get(ShortCode), Role: role}
		var problems []string
		if r.ExternalID == "" {
			problems = append(problems, "import.line.no_id")
		}
		if r.LastName == "" {
			problems = append(problems, "import.line.no_last_name")
		}
		if r.FirstName == "" {
			problems = append(problems, "import.line.no_first_name")
		}
		if v := get(RoleField); v != "" {
			rl, ok := roleNames[key(v)]
			if !ok {
				lineErr(rec.Line, "import.line.role", v)
				continue
			}
			r.Role = rl
		}
		if v := get(BirthDate); v != "" {
			d, ok := ParseDate(v)
			if !ok {
				lineErr(rec.Line, "import.line.date", v)
				continue
			}
			r.BirthDate = d
		}
		if len(problems) > 0 {
			lineErr(rec.Line, problems[0])
			continue
		}
		u := schulhof.User{SchoolID: 1, Login: "x", FirstName: r.FirstName, LastName: r.LastName, Role: r.Role,
			Email: r.Email, ExternalID: r.ExternalID, ShortCode: r.ShortCode, BirthDate: r.BirthDate}
		if err := u.Validate(); err != nil {
			var e *schulhof.Error
			if errors.As(err, &e) && len(e.Fields) > 0 {
				lineErr(rec.Line, "import.line.field", string(e.Fields[0].Field))
				continue
			}
		}
		rows = append(rows, r)
	}
	return rows, errs
}

// LostLetters says whether a name lost letters on its way out of the
// school's software: an export that cannot write "ş" or "Ł" writes "?"
// (or a decoder the replacement character), and no name holds either.
func LostLetters(name string) bool {
	return strings.ContainsAny(name, "?\uFFFD")
}

// CheckNames finds the rows whose names lost letters: each becomes a line
// error that carries the names as they came, to be fixed (FixNames) before
// the import applies; logins and letters would carry the "?" for ever.
func CheckNames(rows []schulhof.ImportRow) []schulhof.ImportLineError {
	var out []schulhof.ImportLineError
	for _, r := range rows {
		if LostLetters(r.FirstName) || LostLetters(r.LastName) {
			out = append(out, schulhof.ImportLineError{Line: r.Line, Key: "import.line.lost_letters",
				Args: []any{strings.TrimSpace(r.FirstName + " " + r.LastName)},
				Fix:  &schulhof.NameFix{FirstName: r.FirstName, LastName: r.LastName}})
		}
	}
	return out
}

// FixNames puts the admin's corrections (by line) into the rows.
func FixNames(rows []schulhof.ImportRow, fixes map[int]schulhof.NameFix) {
	for i := range rows {
		if f, ok := fixes[rows[i].Line]; ok {
			if v := strings.TrimSpace(f.FirstName); v != "" {
				rows[i].FirstName = v
			}
			if v := strings.TrimSpace(f.LastName); v != "" {
				rows[i].LastName = v
			}
		}
	}
}
