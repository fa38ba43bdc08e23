// Package ical writes iCalendar (RFC 5545) feeds: a calendar of events in
// German time, with the text escaped and lines folded as the standard
// says, so that the iPad's and every other calendar app read it.
package ical

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one VEVENT.
type Event struct {
	UID         string // stable across feeds, so that calendars update, not duplicate
	Start, End  time.Time
	Summary     string
	Location    string
	Description string
	Cancelled   bool
	AllDay      bool // Start's date only (holidays)
}

// Calendar is a feed.
type Calendar struct {
	Name    string
	Refresh time.Duration // REFRESH-INTERVAL and X-PUBLISHED-TTL
	Stamp   time.Time     // DTSTAMP of the events
	Events  []Event
}

// berlin is the zone of the times; its definition goes into the feed.
var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

const vtimezone = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n" +
	"BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n" +
	"BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n" +
	"END:VTIMEZONE\r\n"

// Bytes writes the feed.
func (c *Calendar) Bytes() []byte {
	var b bytes.Buffer
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Schulhof//Stundenplan//DE")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + Escape(c.Name))
	line("X-WR-TIMEZONE:Europe/Berlin")
	ttl := duration(c.Refresh)
	line("REFRESH-INTERVAL;VALUE=DURATION:" + ttl)
	line("X-PUBLISHED-TTL:" + ttl)
	b.WriteString(vtimezone)
	stamp := c.Stamp.UTC().Format("20060102T150405Z")
	for _, e := range c.Events {
		line("BEGIN:VEVENT")
		line("UID:" + Escape(e.UID))
		line("DTSTAMP:" + stamp)
		if e.AllDay {
			line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
			line("DTEND;VALUE=DATE:" + e.End.Format("20060102"))
		} else {
			line("DTSTART;TZID=Europe/Berlin:" + e.Start.In(berlin).Format("20060102T150405"))
			line("DTEND;TZID=Europe/Berlin:" + e.End.In(berlin).Format("20060102T150405"))
		}
		line("SUMMARY:" + Escape(e.Summary))
		if e.Location != "" {
			line("LOCATION:" + Escape(e.Location))
		}
		if e.Description != "" {
			line("DESCRIPTION:" + Escape(e.Description))
		}
		if e.Cancelled {
			line("STATUS:CANCELLED")
		} else {
			line("STATUS:CONFIRMED")
		}
		line("TRANSP:OPAQUE")
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Bytes()
}

// Escape writes TEXT as RFC 5545 §3.3.11 wants it.
func Escape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// fold ends a content line with CRLF, folding it into lines of at most 75
// octets, never inside a UTF-8 character (§3.1).
func fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}

// duration writes a whole number of minutes or hours as an ISO duration.
func duration(d time.Duration) string {
	if d <= 0 {
		d = time.Hour
	}
	if d%time.Hour == 0 {
		return "PT" + strconv.Itoa(int(d/time.Hour)) + "H"
	}
	return "PT" + strconv.Itoa(int(d/time.Minute)) + "M"
}
