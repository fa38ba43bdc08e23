package dav

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/webdav"

	"github.com/schulhof/schulhof"
)

// WebDAV locks (RFC 4918 §6-7): exclusive and shared write locks, kept in
// the store, so that every node of a cluster sees them. x/net/webdav's
// own lock system has no shared locks and ignores the ETags and "Not" of
// If headers; this one does both, and keys locks by the file they lock
// rather than by the path a user sees: "/home/x" is a different file for
// every user, and a group's folder may be named differently for two
// users. Lock lifetimes are capped at MaxLockTimeout so that a client
// that vanishes does not hold a file for ever.

// MaxLockTimeout is the longest a lock lives without a refresh.
const MaxLockTimeout = 24 * time.Hour

// Locks is what the locks need of the store.
type Locks interface {
	CreateDAVLock(ctx context.Context, l *schulhof.DAVLock, now time.Time, conflicts func([]*schulhof.DAVLock) bool) (bool, error)
	FindDAVLocks(ctx context.Context, spaces []string, now time.Time) ([]*schulhof.DAVLock, error)
	FindDAVLock(ctx context.Context, token string, now time.Time) (*schulhof.DAVLock, error)
	RefreshDAVLock(ctx context.Context, token string, d time.Duration, expires time.Time) error
	DeleteDAVLock(ctx context.Context, token string) error
}

// covers reports whether l locks the resource key.
func covers(l *schulhof.DAVLock, key string) bool {
	return l.Key == key || (!l.ZeroDepth && (l.Key == "/" || strings.HasPrefix(key, l.Key+"/")))
}

// overlaps reports whether two locks would lock a common resource.
func overlaps(l, o *schulhof.DAVLock) bool { return covers(l, o.Key) || covers(o, l.Key) }

// spaceOf is the tree of a resource key: its first two parts
// ("/user/7", "/group/12", "/virtual/7").
func spaceOf(key string) string {
	parts := strings.SplitN(strings.TrimPrefix(key, "/"), "/", 3)
	if len(parts) < 2 {
		return key
	}
	return "/" + parts[0] + "/" + parts[1]
}

// create stores a new lock unless one overlapping it is there (two
// shared ones may overlap).
func create(ctx context.Context, db Locks, now time.Time, l *schulhof.DAVLock) (string, error) {
	b := make([]byte, 16)
	rand.Read(b)
	l.Token = "urn:uuid:" + hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:6]) + "-" + hex.EncodeToString(b[6:8]) +
		"-" + hex.EncodeToString(b[8:10]) + "-" + hex.EncodeToString(b[10:])
	l.Space = spaceOf(l.Key)
	l.Expires = now.Add(lockLife(l.Duration))
	ok, err := db.CreateDAVLock(ctx, l, now, func(there []*schulhof.DAVLock) bool {
		for _, o := range there {
			if overlaps(o, l) && !(o.Shared && l.Shared) {
				return true
			}
		}
		return false
	})
	if err != nil {
		return "", err
	}
	if !ok {
		return "", webdav.ErrLocked
	}
	return l.Token, nil
}

func lockLife(d time.Duration) time.Duration {
	if d < 0 || d > MaxLockTimeout {
		return MaxLockTimeout
	}
	return d
}

// requestLocks is the lock system for one request: it maps the user's
// paths to resource keys and knows whose request it is.
type requestLocks struct {
	db  Locks
	fs  *fileSystem
	ctx context.Context
	// path is the request's path, which an UNLOCK names inside the lock
	path string
}

var _ webdav.LockSystem = (*requestLocks)(nil)

// key names the resource a path of the user means. Paths that name no
// file (the top, the list of groups) get keys of their own per user.
func (rl *requestLocks) key(name string) string {
	loc, err := rl.fs.resolve(rl.ctx, name)
	if err != nil || loc.root || loc.groups {
		return "/virtual/" + strconv.FormatInt(int64(rl.fs.user.ID), 10) + "/" + strings.Trim(name, "/")
	}
	k := "/" + string(loc.space.Kind) + "/" + strconv.FormatInt(loc.space.ID, 10)
	for _, n := range loc.names {
		k += "/" + schulhof.NameKey(n)
	}
	return k
}

// etag is the resource's current ETag as PROPFIND and GET give it, "" if
// it does not exist.
func (rl *requestLocks) etag(name string) string {
	fi, err := rl.fs.Stat(rl.ctx, name)
	if err != nil {
		return ""
	}
	if e, ok := fi.(webdav.ETager); ok {
		if tag, err := e.ETag(rl.ctx); err == nil {
			return tag
		}
	}
	return fmt.Sprintf(`"%x%x"`, fi.ModTime().UnixNano(), fi.Size())
}

// Confirm checks one list of an If header: every condition must hold for
// the resource name0 (a lock token: a lock on it; an ETag: its current
// one; Not inverts), and each of name0 and name1 that is locked must have
// one of its locks' tokens, held by this user, in the list.
func (rl *requestLocks) Confirm(now time.Time, name0, name1 string, conditions ...webdav.Condition) (func(), error) {
	key0 := rl.key(name0)
	keys := []string{key0}
	spaces := []string{spaceOf(key0)}
	if name1 != "" {
		key1 := rl.key(name1)
		keys = append(keys, key1)
		if sp := spaceOf(key1); sp != spaces[0] {
			spaces = append(spaces, sp)
		}
	}
	locks, err := rl.db.FindDAVLocks(rl.ctx, spaces, now)
	if err != nil {
		return nil, err
	}
	byToken := map[string]*schulhof.DAVLock{}
	for _, l := range locks {
		byToken[l.Token] = l
	}
	etagWanted := false
	for _, c := range conditions {
		if c.ETag != "" {
			etagWanted = true // decided below
			continue
		}
		l := byToken[c.Token]
		if holds := l != nil && covers(l, key0); holds == c.Not {
			return nil, webdav.ErrConfirmationFailed
		}
	}
	for _, key := range keys {
		locked, submitted := false, false
		for _, l := range locks {
			if !covers(l, key) {
				continue
			}
			locked = true
			for _, c := range conditions {
				if !c.Not && c.Token == l.Token && l.Owner == rl.fs.user.ID {
					submitted = true
				}
			}
		}
		if locked && !submitted {
			return nil, webdav.ErrConfirmationFailed
		}
	}
	if etagWanted {
		tag := rl.etag(name0)
		for _, c := range conditions {
			if c.ETag != "" && (tag != "" && tag == c.ETag) == c.Not {
				return nil, webdav.ErrConfirmationFailed
			}
		}
	}
	return func() {}, nil
}

// Create makes an exclusive lock: for a LOCK request, or the handler's
// lock for the length of a request that names no lock token.
func (rl *requestLocks) Create(now time.Time, d webdav.LockDetails) (string, error) {
	return create(rl.ctx, rl.db, now, &schulhof.DAVLock{Key: rl.key(d.Root), Shown: d.Root, ZeroDepth: d.ZeroDepth,
		Owner: rl.fs.user.ID, OwnerXML: d.OwnerXML, Duration: d.Duration})
}

// Refresh gives the user's lock a new lifetime.
func (rl *requestLocks) Refresh(now time.Time, token string, d time.Duration) (webdav.LockDetails, error) {
	l, err := rl.db.FindDAVLock(rl.ctx, token, now)
	if err != nil {
		return webdav.LockDetails{}, err
	}
	if l == nil || l.Owner != rl.fs.user.ID {
		return webdav.LockDetails{}, webdav.ErrNoSuchLock
	}
	if err := rl.db.RefreshDAVLock(rl.ctx, token, d, now.Add(lockLife(d))); err != nil {
		return webdav.LockDetails{}, err
	}
	return webdav.LockDetails{Root: l.Shown, Duration: d, OwnerXML: l.OwnerXML, ZeroDepth: l.ZeroDepth}, nil
}

// Unlock removes the user's lock; another user's is not theirs to remove.
func (rl *requestLocks) Unlock(now time.Time, token string) error {
	l, err := rl.db.FindDAVLock(rl.ctx, token, now)
	if err != nil {
		return err
	}
	if l == nil {
		return webdav.ErrNoSuchLock
	}
	if l.Owner != rl.fs.user.ID && !rl.mayBreak(l) {
		return webdav.ErrForbidden
	}
	return rl.db.DeleteDAVLock(rl.ctx, token)
}

// mayBreak reports whether the user may remove another's lock l: the
// UNLOCK's path lies in it, in a space where schulhof.CanBreakLock lets
// them.
func (rl *requestLocks) mayBreak(l *schulhof.DAVLock) bool {
	loc, err := rl.fs.resolve(rl.ctx, rl.path)
	if err != nil || loc.root || loc.groups || !covers(l, rl.key(rl.path)) {
		return false
	}
	return schulhof.CanBreakLock(rl.fs.user, rl.fs.school.ID, loc.space, loc.acc)
}

// lockRefusal is the status that refuses a LOCK of name, or 0: only who
// may write there may lock (a student's lock on the class folder would
// hold off the teacher's writes for a day), and a new name needs its
// folder.
func (fs *fileSystem) lockRefusal(ctx context.Context, name string) int {
	loc, err := fs.resolve(ctx, name)
	switch {
	case err != nil:
		return http.StatusNotFound
	case loc.root || loc.groups:
		return http.StatusForbidden
	}
	parent, err := fs.parent(ctx, loc)
	if err != nil {
		return http.StatusConflict
	}
	if ok, err := fs.mayWrite(ctx, loc, parent); err != nil || !ok {
		return http.StatusForbidden
	}
	return 0
}

// lockInfo is the body of a LOCK request.
type lockInfo struct {
	XMLName   xml.Name  `xml:"DAV: lockinfo"`
	Exclusive *struct{} `xml:"DAV: lockscope>exclusive"`
	Shared    *struct{} `xml:"DAV: lockscope>shared"`
	Write     *struct{} `xml:"DAV: locktype>write"`
	Owner     struct {
		InnerXML string `xml:",innerxml"`
	} `xml:"DAV: owner"`
}

// lockShared answers a LOCK request for a shared lock, which x/net/webdav
// does not take; it reports false (and has read nothing it cannot give
// back) for every other request.
func (h *Handler) lockShared(w http.ResponseWriter, r *http.Request, body []byte, rl *requestLocks) bool {
	var li lockInfo
	if xml.Unmarshal(body, &li) != nil || li.Shared == nil || li.Exclusive != nil || li.Write == nil {
		return false
	}
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	if name == "" {
		name = "/"
	}
	depth := r.Header.Get("Depth")
	if depth != "" && depth != "0" && !strings.EqualFold(depth, "infinity") {
		http.Error(w, "Depth must be 0 or infinity.", http.StatusBadRequest)
		return true
	}
	duration, ok := parseTimeout(r.Header.Get("Timeout"))
	if !ok {
		http.Error(w, "Bad Timeout header.", http.StatusBadRequest)
		return true
	}
	now := time.Now()
	token, err := create(r.Context(), rl.db, now, &schulhof.DAVLock{Key: rl.key(name), Shown: name, ZeroDepth: depth == "0", Shared: true,
		Owner: rl.fs.user.ID, OwnerXML: li.Owner.InnerXML, Duration: duration})
	if err != nil {
		http.Error(w, "Locked.", http.StatusLocked)
		return true
	}
	status := http.StatusOK
	if _, err := rl.fs.Stat(r.Context(), name); err != nil {
		// a lock on an unmapped URL creates an empty file (RFC 4918 §7.3)
		f, err := rl.fs.OpenFile(r.Context(), name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			rl.Unlock(now, token)
			http.Error(w, "Cannot create the file.", http.StatusConflict)
			return true
		}
		f.Close()
		status = http.StatusCreated
	}
	w.Header().Set("Lock-Token", "<"+token+">")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	writeLockDiscovery(w, token, name, true, depth == "0", duration, li.Owner.InnerXML)
	return true
}

func writeLockDiscovery(w io.Writer, token, root string, shared, zeroDepth bool, d time.Duration, ownerXML string) {
	scope, depth, timeout := "exclusive", "infinity", "Infinite"
	if shared {
		scope = "shared"
	}
	if zeroDepth {
		depth = "0"
	}
	if d >= 0 {
		timeout = "Second-" + strconv.FormatInt(int64(d/time.Second), 10)
	}
	var href strings.Builder
	xml.EscapeText(&href, []byte(Prefix+root))
	var tok strings.Builder
	xml.EscapeText(&tok, []byte(token))
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+
		`<D:prop xmlns:D="DAV:"><D:lockdiscovery><D:activelock>`+
		`<D:locktype><D:write/></D:locktype><D:lockscope><D:%s/></D:lockscope><D:depth>%s</D:depth>`+
		`<D:owner>%s</D:owner><D:timeout>%s</D:timeout><D:locktoken><D:href>%s</D:href></D:locktoken>`+
		`<D:lockroot><D:href>%s</D:href></D:lockroot></D:activelock></D:lockdiscovery></D:prop>`,
		scope, depth, ownerXML, timeout, tok.String(), href.String())
}

// parseTimeout reads a Timeout header: "Second-N" or "Infinite", the first
// of a list; empty means infinite (negative).
func parseTimeout(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1, true
	}
	first, _, _ := strings.Cut(s, ",")
	first = strings.TrimSpace(first)
	if first == "Infinite" {
		return -1, true
	}
	n, ok := strings.CutPrefix(first, "Second-")
	if !ok {
		return 0, false
	}
	secs, err := strconv.ParseUint(n, 10, 32)
	if err != nil {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}
