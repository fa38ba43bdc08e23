package schulhof

import "time"

// DAVLock is a WebDAV lock (RFC 4918): kept in the store, so that every
// node of a cluster sees the locks a client took on any of them.
type DAVLock struct {
	Token string
	// Key names the locked resource by the file it is ("/user/7/mathe/
	// blatt.pdf"), Space the tree it is in ("/user/7"), by which locks
	// are found; Shown is the path as its owner sees it, for answers.
	Key, Space, Shown string
	ZeroDepth         bool
	Shared            bool
	Owner             UserID
	OwnerXML          string
	Duration          time.Duration // as asked; negative: infinite
	Expires           time.Time
}
