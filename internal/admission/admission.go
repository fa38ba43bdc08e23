// Package admission bounds heavy work on a node (board exports, scaling
// pictures): so many at once, a few more waiting in line for a while,
// and past that a clear "busy, try again in a moment" instead of a pile
// of requests that takes all memory.
package admission

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
)

// Queue admits work to a fixed number of slots.
type Queue struct {
	slots   chan struct{}
	waiting atomic.Int64
	line    int64
	wait    time.Duration
	// Key is the message of the error a refused caller gets; RetryAfter
	// its seconds.
	Key        string
	RetryAfter int
	// Refused counts the refusals, for the metrics.
	Refused atomic.Int64
}

// New makes a queue of slots at once (at least one), with up to line
// more waiting, each at most wait.
func New(slots, line int, wait time.Duration) *Queue {
	return &Queue{slots: make(chan struct{}, max(slots, 1)), line: int64(max(line, 0)), wait: wait, Key: "error.server_busy", RetryAfter: 5}
}

// Enter takes a slot, waiting in line if there is room in it; done gives
// the slot back. A full line, or a wait that runs out, is EUnavailable
// with RetryAfter.
func (q *Queue) Enter(ctx context.Context) (done func(), err error) {
	select {
	case q.slots <- struct{}{}:
		return q.leave, nil
	default:
	}
	if q.waiting.Add(1) > q.line {
		q.waiting.Add(-1)
		return nil, q.busy()
	}
	defer q.waiting.Add(-1)
	t := time.NewTimer(q.wait)
	defer t.Stop()
	select {
	case q.slots <- struct{}{}:
		return q.leave, nil
	case <-t.C:
		return nil, q.busy()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (q *Queue) leave() { <-q.slots }

func (q *Queue) busy() error {
	q.Refused.Add(1)
	return &schulhof.Error{Code: schulhof.EUnavailable, Key: q.Key, RetryAfter: q.RetryAfter}
}

// Waiting is the number in line.
func (q *Queue) Waiting() int { return int(q.waiting.Load()) }

// Busy is the number of slots taken.
func (q *Queue) Busy() int { return len(q.slots) }
