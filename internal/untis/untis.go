// Package untis reads the GPU text exports of the timetable program Untis,
// as schools send them: comma, semicolon or tab separated, UTF-8 or
// Windows-1252, quoted or not. Each reader returns what it could read and,
// for every line it could not, a schulhof.ImportLineError with the line
// number, so that a dry run can list them and an import can refuse the
// file as a whole.
//
// Field numbers in the comments are the 1-based numbers of the Untis
// documentation (see ../shared/data/untis-samples/README.md).
package untis

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/csvimport"
)

// MaxSize is the largest export accepted: many times a large school's.
const MaxSize = 32 << 20

// Record is one line of a GPU file with its line number.
type Record struct {
	Line   int
	Fields []string
}

// field returns the 1-based field n, trimmed, or "" when the line is shorter.
func (r Record) field(n int) string {
	if n < 1 || n > len(r.Fields) {
		return ""
	}
	return strings.TrimSpace(r.Fields[n-1])
}

// File is a decoded GPU file.
type File struct {
	Encoding  string
	Separator rune
	Records   []Record
	// Unreadable lines (broken quoting), already as errors.
	Errors []schulhof.ImportLineError
}

// Read decodes a GPU file and splits it into records; empty lines are
// skipped. It fails only for a file that is unusable as a whole (binary,
// empty, too large).
func Read(data []byte) (*File, error) {
	if len(data) > MaxSize {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.too_large", MaxSize>>20)
	}
	text, enc, err := csvimport.Decode(data)
	if err != nil {
		return nil, err
	}
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.TrimSpace(text) == "" {
		return nil, schulhof.Errorf(schulhof.EInvalid, "import.empty")
	}
	f := &File{Encoding: enc, Separator: csvimport.DetectSeparator(text)}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = f.Separator
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = false
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				f.Errors = append(f.Errors, lineError(pe.Line, "untis.line.unreadable"))
				continue
			}
			return nil, schulhof.Errorf(schulhof.EInvalid, "import.unreadable")
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		f.Records = append(f.Records, Record{Line: line, Fields: rec})
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

func lineError(line int, key string, args ...any) schulhof.ImportLineError {
	return schulhof.ImportLineError{Line: line, Key: key, Args: args}
}

// parser reads typed fields of one record and remembers the first problem.
type parser struct {
	rec Record
	err *schulhof.ImportLineError
}

func (p *parser) fail(key string, args ...any) {
	if p.err == nil {
		e := lineError(p.rec.Line, key, args...)
		p.err = &e
	}
}

// text is field n; required ones must not be empty.
func (p *parser) text(n int, required bool) string {
	v := p.rec.field(n)
	if v == "" && required {
		p.fail("untis.line.missing", n)
	}
	return v
}

// int is field n as a whole number; empty is 0 unless required.
func (p *parser) int(n int, required bool) int {
	v := p.rec.field(n)
	if v == "" {
		if required {
			p.fail("untis.line.missing", n)
		}
		return 0
	}
	i, err := strconv.Atoi(v)
	if err != nil {
		p.fail("untis.line.number", n, v)
	}
	return i
}

// float is field n as a decimal number (point or comma); empty is 0.
func (p *parser) float(n int) float64 {
	v := strings.Replace(p.rec.field(n), ",", ".", 1)
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		p.fail("untis.line.number", n, v)
	}
	return f
}

// date is field n as YYYYMMDD; empty is the zero time unless required.
func (p *parser) date(n int, required bool) time.Time {
	v := p.rec.field(n)
	if v == "" {
		if required {
			p.fail("untis.line.missing", n)
		}
		return time.Time{}
	}
	t, err := time.Parse("20060102", v)
	if err != nil {
		p.fail("untis.line.date", n, v)
	}
	return t
}

// list is field n split at sep, empty items dropped.
func (p *parser) list(n int, sep string) []string {
	var out []string
	for _, s := range strings.Split(p.rec.field(n), sep) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// each runs read on every record of the file and gathers the results and
// the problems, the file's unreadable lines first.
func each[T any](data []byte, read func(p *parser) T) ([]T, []schulhof.ImportLineError, error) {
	f, err := Read(data)
	if err != nil {
		return nil, nil, err
	}
	out := make([]T, 0, len(f.Records))
	problems := append([]schulhof.ImportLineError(nil), f.Errors...)
	for _, rec := range f.Records {
		p := &parser{rec: rec}
		v := read(p)
		if p.err != nil {
			problems = append(problems, *p.err)
			continue
		}
		out = append(out, v)
	}
	return out, problems, nil
}
