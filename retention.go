package schulhof

import "time"

// Retention is how long a school keeps what (DSGVO: no longer than
// needed). A leaver's account is blocked the day it is deactivated; the
// rest waits, so that a mistake can be undone.
type Retention struct {
	// LeaverDays after a deactivation the leaver's own files, hand-ins,
	// logins and personal details are deleted; the account stays as a
	// name-less one so that what others wrote with them keeps its place.
	LeaverDays int `json:"leaver_days"`
	// ChatDays after it was written a chat message is deleted.
	ChatDays int `json:"chat_days"`
	// LogDays after it was written an audit entry is deleted.
	LogDays int `json:"log_days"`
	// ArchiveDays after a rollover archived it a group is deleted with
	// its chat, boards and files.
	ArchiveDays int `json:"archive_days"`
}

// DefaultRetention is what German schools commonly keep: leavers' data
// 60 days, chat and the audit log a school year and a summer.
var DefaultRetention = Retention{LeaverDays: 60, ChatDays: 400, LogDays: 400, ArchiveDays: 365}

// Validate keeps the days sensible: a leaver's data at least a week
// (undoing a wrong deactivation), chat and logs at least 30 days, all at
// most ten years.
func (r Retention) Validate() error {
	var v Validation
	if r.LeaverDays < 7 || r.LeaverDays > 3650 {
		v.Add("leaver_days", "retention.days", 7, 3650)
	}
	if r.ChatDays < 30 || r.ChatDays > 3650 {
		v.Add("chat_days", "retention.days", 30, 3650)
	}
	if r.LogDays < 30 || r.LogDays > 3650 {
		v.Add("log_days", "retention.days", 30, 3650)
	}
	if r.ArchiveDays < 30 || r.ArchiveDays > 3650 {
		v.Add("archive_days", "retention.days", 30, 3650)
	}
	return v.Err()
}

// Days is a number of days as a duration.
func Days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// Purged is the result of one run of a school's deletion jobs.
type Purged struct {
	Leavers  int   `json:"leavers"`
	Files    int64 `json:"files"`
	Messages int64 `json:"messages"`
	Groups   int64 `json:"archived_groups"`
	Audit    int64 `json:"audit_entries"`
}
