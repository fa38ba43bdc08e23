package ical_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	goical "github.com/emersion/go-ical"

	"github.com/schulhof/schulhof/internal/ical"
)

func sample() *ical.Calendar {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, berlin) }
	return &ical.Calendar{Name: "Stundenplan Renée Schröder, 5a", Refresh: time.Hour, Stamp: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
		Events: []ical.Event{
			{UID: "gym-2026-11-30-1-17@schulhof", Start: at(30, 7, 55), End: at(30, 8, 40), Summary: "Deutsch", Location: "R100"},
			{UID: "gym-2026-11-30-2-18@schulhof", Start: at(30, 8, 45), End: at(30, 9, 30), Summary: "Mathematik (entfällt)", Cancelled: true,
				Description: "Fällt aus; dafür Arbeitsblatt, Seite 3\nBitte mitbringen: Zirkel, Geodreieck " + strings.Repeat("äöü ", 30)},
			{UID: "gym-holiday-2026-12-24", Start: time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 25, 0, 0, 0, 0, time.UTC), Summary: "Weihnachtsferien", AllDay: true},
		}}
}

func TestLinesAreFoldedAndEndInCRLF(t *testing.T) {
	b := sample().Bytes()
	for i, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i+1, len(l))
		}
		if strings.Contains(l, "\n") {
			t.Errorf("line %d has a bare LF", i+1)
		}
	}
	if !bytes.Contains(b, []byte("REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n")) {
		t.Error("no refresh interval")
	}
}

// TestGoICal parses the feed with an independent parser (emersion/go-ical).
func TestGoICal(t *testing.T) {
	cal, err := goical.NewDecoder(bytes.NewReader(sample().Bytes())).Decode()
	if err != nil {
		t.Fatal(err)
	}
	events := cal.Events()
	if len(events) != 3 {
		t.Fatalf("%d events", len(events))
	}
	start, err := events[0].DateTimeStart(nil)
	if err != nil || start.UTC() != time.Date(2026, 11, 30, 6, 55, 0, 0, time.UTC) {
		t.Errorf("start %v %v", start, err)
	}
	desc, _ := events[1].Props.Text(goical.PropDescription)
	if !strings.HasPrefix(desc, "Fällt aus; dafür Arbeitsblatt, Seite 3\nBitte mitbringen") || !strings.HasSuffix(desc, "äöü ") {
		t.Errorf("description %q", desc)
	}
	if st := events[1].Props.Get(goical.PropStatus); st == nil || st.Value != "CANCELLED" {
		t.Errorf("status %v", st)
	}
}

// TestPythonICalendar parses the feed with Debian's python3-icalendar.
func TestPythonICalendar(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import icalendar").Run(); err != nil {
		t.Skip("no python3-icalendar (apt-get install python3-icalendar); .ci/run installs it")
	}
	script := `
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
evs = [c for c in cal.walk() if c.name == "VEVENT"]
assert len(evs) == 3, len(evs)
e = evs[0]
assert e.decoded("dtstart").isoformat() == "2026-11-30T07:55:00+01:00", e.decoded("dtstart").isoformat()
assert str(evs[1]["status"]) == "CANCELLED"
assert str(evs[1]["description"]).startswith("Fällt aus; dafür Arbeitsblatt, Seite 3\nBitte")
assert str(evs[2].decoded("dtstart")) == "2026-12-24"
assert str(cal["x-published-ttl"]) == "PT1H"
print("ok")
`
	cmd := exec.Command("/usr/bin/python3", "-c", script)
	cmd.Stdin = bytes.NewReader(sample().Bytes())
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python3-icalendar: %v\n%s", err, out)
	}
}
