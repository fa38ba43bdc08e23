package password

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
)

// TestHasherRefusesWhoWouldWaitTooLong: with every slot taken and hashes
// lately taking a second, one who may wait half a second is refused at
// once, not after half a second; with no hash timed yet, one waits for
// a slot as before.
func TestHasherRefusesWhoWouldWaitTooLong(t *testing.T) {
	h := NewHasher(Fast, 10, time.Minute)
	ctx := context.Background()
	for range cap(h.slots) {
		if err := h.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// without a timing, it waits (here until its deadline)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := h.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with no hash timed, waited: %v", err)
	}
	h.took.Store(int64(time.Second))
	h.maxWait = 500 * time.Millisecond
	if err := h.acquire(ctx); !schulhof.Match(err, schulhof.EUnavailable) {
		t.Fatalf("a second's hash ahead, half a second to wait: %v", err)
	}
	// a slot comes free in time: taken
	h.took.Store(int64(time.Millisecond))
	go h.release(time.Now())
	if err := h.acquire(ctx); err != nil {
		t.Fatalf("a millisecond's hash ahead: %v", err)
	}
}

// TestHasherEnter: as many logins may be under way as may hash and wait;
// the next is refused at once (503 with Retry-After), and one that ends
// makes room.
func TestHasherEnter(t *testing.T) {
	h := NewHasher(Fast, 3, time.Minute)
	var leaves []func()
	for range cap(h.slots) + 3 {
		leave, err := h.Enter()
		if err != nil {
			t.Fatalf("within capacity: %v", err)
		}
		leaves = append(leaves, leave)
	}
	var e *schulhof.Error
	if _, err := h.Enter(); !errors.As(err, &e) || e.Code != schulhof.EUnavailable || e.RetryAfter == 0 {
		t.Fatalf("beyond capacity: %v", err)
	}
	leaves[0]()
	if leave, err := h.Enter(); err != nil {
		t.Fatalf("after one left: %v", err)
	} else {
		leave()
	}
}
