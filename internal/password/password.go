// Package password hashes passwords with argon2id and keeps the hashing
// from taking the server down.
//
// A hash costs 19 MiB and tens of milliseconds of one core on purpose. At
// 8:00 on a Monday a whole school logs in at once; without a bound, every
// request would start a hash, memory would fill and every login would time
// out. The Hasher runs at most one hash per core, lets a bounded number
// wait (no longer than the hashes lately took says they will get a slot
// in time), and answers the rest at once with EUnavailable and a
// Retry-After, so that clients back off and the server keeps its full
// speed.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/schulhof/schulhof"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// OWASP is the OWASP recommendation: 19 MiB, two passes, one lane.
var OWASP = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// Fast is for tests only: the same algorithm at a cost that keeps test
// suites quick.
var Fast = Params{Memory: 64, Time: 1, Threads: 1}

const keyLen, saltLen = 32, 16

// Hash returns the PHC string of plain: $argon2id$v=19$m=..,t=..,p=..$salt$key.
func Hash(plain string, p Params) string {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether plain matches the PHC string; the parameters are
// read from the hash, so that old hashes verify after a change of cost.
func Verify(plain, hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(key) == 0 || p.Threads == 0 || p.Time == 0 {
		return false
	}
	got := argon2.IDKey([]byte(plain), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Hasher bounds the hashes that run at once and the ones that wait.
type Hasher struct {
	Params  Params
	slots   chan struct{}
	waiting chan struct{}
	// entered bounds the work around the hashes (a login's reads before
	// its hash): as many as may hash and wait, see Enter
	entered chan struct{}
	maxWait time.Duration
	// took is how long a hash took lately (nanoseconds, a moving
	// average): one who would wait longer than maxWait behind those
	// waiting is told so at once, not after maxWait
	took atomic.Int64
}

// NewHasher allows one hash per core, with up to queue waiting for at most
// maxWait each. Zero values choose 8 per core and 2 s.
func NewHasher(p Params, queue int, maxWait time.Duration) *Hasher {
	n := runtime.GOMAXPROCS(0)
	if queue <= 0 {
		queue = 8 * n
	}
	if maxWait <= 0 {
		maxWait = 2 * time.Second
	}
	return &Hasher{Params: p, slots: make(chan struct{}, n), waiting: make(chan struct{}, queue), entered: make(chan struct{}, n+queue),
		maxWait: maxWait}
}

// Enter admits one more piece of work that will hash (a login, from its
// first read of the database to its hash), or refuses it at once when as
// many are under way as may hash and wait: beyond capacity a login is
// turned away before it costs anything, not after it queued for the
// database behind all the others. leave ends it.
func (h *Hasher) Enter() (leave func(), err error) {
	select {
	case h.entered <- struct{}{}:
		return func() { <-h.entered }, nil
	default:
		return nil, errBusy
	}
}

var errBusy = &schulhof.Error{Code: schulhof.EUnavailable, Key: "error.busy", RetryAfter: 2}

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.slots <- struct{}{}:
		return nil
	default:
	}
	// the queue is full, or those in it will take the slots for longer
	// than one may wait: say so now rather than time out later
	if took := h.took.Load(); took > 0 && time.Duration(int64(len(h.waiting)+1)*took/int64(cap(h.slots))) > h.maxWait {
		return errBusy
	}
	select {
	case h.waiting <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-h.waiting }()
	t := time.NewTimer(h.maxWait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-t.C:
		return errBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release frees the slot of a hash begun at start, and counts how long it
// took.
func (h *Hasher) release(start time.Time) {
	d := int64(time.Since(start))
	if old := h.took.Load(); old > 0 {
		d = old + (d-old)/8
	}
	h.took.Store(d)
	<-h.slots
}

// Hash hashes plain within the bounds.
func (h *Hasher) Hash(ctx context.Context, plain string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release(time.Now())
	return Hash(plain, h.Params), nil
}

// Verify checks plain against hash within the bounds. An empty hash (an
// account without a password yet) is still verified against a dummy, so
// that timing does not tell which accounts exist.
func (h *Hasher) Verify(ctx context.Context, plain, hash string) (bool, error) {
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release(time.Now())
	if hash == "" {
		Verify(plain, h.dummy())
		return false, nil
	}
	return Verify(plain, hash), nil
}

func (h *Hasher) dummy() string {
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$c2FsdHNhbHRzYWx0c2FsdA$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U", h.Params.Memory, h.Params.Time, h.Params.Threads)
}

// letters for generated passwords: no 0/O, 1/l/I, so that a child can copy
// them from a paper letter.
const letters = "abcdefghjkmnpqrstuvwxyz23456789"

// Generate returns a random password of n characters from an unambiguous
// alphabet (about 4.95 bits each).
func Generate(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			// reject the top of the byte range so that every letter is
			// equally likely
			if int(c) < 256-256%len(letters) && len(out) < n {
				out = append(out, letters[int(c)%len(letters)])
			}
		}
	}
	return string(out)
}

// Validate checks a password a user chose.
func Validate(plain string) error {
	if len([]rune(plain)) < 8 {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "password", Key: "password.too_short", Args: []any{8}}}}
	}
	if len(plain) > 256 {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "error.invalid",
			Fields: []schulhof.FieldError{{Field: "password", Key: "field.too_long", Args: []any{256}}}}
	}
	return nil
}
