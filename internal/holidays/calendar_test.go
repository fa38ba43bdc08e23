package holidays

import (
	"reflect"
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// nrw is how holiday calendars are published: all-day events whose end
// is the day after the last, CRLF lines, a folded line, and an event
// with times in German time.
const nrw = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Ferien//DE\r\nX-WR-CALNAME:Schulferien NRW\r\n" +
	"BEGIN:VEVENT\r\nUID:herbst-2026@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261101\r\nSUMMARY:Herbstferien Nordrhein-\r\n Westfalen 2026\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:weihnacht-2026@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261223\r\nDTEND;VALUE=DATE:20270107\r\nSUMMARY:Weihnachtsferien\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:bruecke@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270507\r\nSUMMARY:Beweglicher Ferientag\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:paedtag@example.org\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20270210T000000\r\nDTEND;TZID=Europe/Berlin:20270211T000000\r\nSUMMARY:Pädagogischer Tag\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestReadCalendar(t *testing.T) {
	got, err := ReadCalendar(strings.NewReader(nrw))
	want := []schulhof.SchoolHoliday{
		{Name: "Herbstferien Nordrhein-Westfalen 2026", From: "2026-10-17", To: "2026-10-31"},
		{Name: "Weihnachtsferien", From: "2026-12-23", To: "2027-01-06"},
		{Name: "Pädagogischer Tag", From: "2027-02-10", To: "2027-02-10"},
		{Name: "Beweglicher Ferientag", From: "2027-05-07", To: "2027-05-07"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("%+v %v", got, err)
	}
	for name, bad := range map[string]string{
		"empty":       "",
		"not ics":     "Herbstferien;12.10.2026;24.10.2026\n",
		"no events":   "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n",
		"no start":    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Ferien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"bad date":    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:2026-10-17\r\nSUMMARY:Ferien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"end first":   "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20261001\r\nSUMMARY:Ferien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"over a year": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261017\r\nDTEND;VALUE=DATE:20291001\r\nSUMMARY:Ferien\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		"unfinished":  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261017\r\n",
	} {
		if _, err := ReadCalendar(strings.NewReader(bad)); !schulhof.Match(err, schulhof.EInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestMerge(t *testing.T) {
	own := []schulhof.SchoolHoliday{{Name: "Weihnachtsferien", From: "2026-12-23", To: "2027-01-06"}, {Name: "Projektwoche", From: "2027-06-21", To: "2027-06-25"}}
	add := []schulhof.SchoolHoliday{{Name: "Herbstferien", From: "2026-10-17", To: "2026-10-31"}, {Name: "Weihnachtsferien", From: "2026-12-23", To: "2027-01-06"}}
	got, added := Merge(own, add)
	if added != 1 || len(got) != 3 || got[0].Name != "Herbstferien" || got[2].Name != "Projektwoche" {
		t.Errorf("%d %+v", added, got)
	}
}
