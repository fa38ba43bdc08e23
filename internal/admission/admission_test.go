package admission_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
)

// TestQueue: slots at once, a line that waits for a freed slot, and past
// the line an answer at once that says when to come back.
func TestQueue(t *testing.T) {
	ctx := context.Background()
	q := admission.New(2, 1, time.Minute)
	a, err := q.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// the third waits in line until one is done
	in := make(chan func())
	go func() {
		done, err := q.Enter(ctx)
		if err != nil {
			t.Error(err)
		}
		in <- done
	}()
	// the line is full once the third waits: the fourth is refused at once
	for q.Waiting() == 0 {
		runtime.Gosched()
	}
	_, refused := q.Enter(ctx)
	e, ok := refused.(*schulhof.Error)
	if !ok || e.Code != schulhof.EUnavailable || e.RetryAfter <= 0 {
		t.Fatalf("refused with %v, want unavailable with a time to come back", refused)
	}
	a()
	c := <-in
	if q.Busy() != 2 {
		t.Errorf("%d slots taken, want 2", q.Busy())
	}
	b()
	c()
	if q.Busy() != 0 || q.Refused.Load() == 0 {
		t.Errorf("busy %d, refused %d", q.Busy(), q.Refused.Load())
	}
}

// TestQueueWaitRunsOut: who waits longer than the queue's wait is refused.
func TestQueueWaitRunsOut(t *testing.T) {
	q := admission.New(1, 5, time.Millisecond)
	done, err := q.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	if _, err := q.Enter(context.Background()); !schulhof.Match(err, schulhof.EUnavailable) {
		t.Fatalf("after the wait: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q2 := admission.New(1, 5, time.Hour)
	d2, _ := q2.Enter(context.Background())
	defer d2()
	if _, err := q2.Enter(ctx); err != context.Canceled {
		t.Fatalf("a request that went away: %v", err)
	}
}
