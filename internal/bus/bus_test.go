package bus_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/bus"
)

var ctx = context.Background()

// each runs a test on the in-process bus and, with SCHULHOF_TEST_NATS, on
// two NATS connections (two nodes): what one publishes the other gets.
func each(t *testing.T, test func(t *testing.T, pub, sub bus.Bus)) {
	t.Run("local", func(t *testing.T) {
		b := bus.NewLocal()
		t.Cleanup(func() { b.Close() })
		test(t, b, b)
	})
	t.Run("nats", func(t *testing.T) {
		test(t, natsNode(t, "node-a"), natsNode(t, "node-b"))
	})
}

// natsNode connects to SCHULHOF_TEST_NATS as the node name, closed when
// the test ends; it skips the test without NATS.
func natsNode(t *testing.T, name string) *bus.NATS {
	t.Helper()
	url := os.Getenv("SCHULHOF_TEST_NATS")
	if url == "" {
		t.Skip("SCHULHOF_TEST_NATS not set")
	}
	b, err := bus.NewNATS(url, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// collector gathers what a subscription gets.
type collector struct {
	mu  sync.Mutex
	got []string
	ch  chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 10000)} }

func (c *collector) take(subject string, data []byte) {
	c.mu.Lock()
	c.got = append(c.got, subject+"="+string(data))
	c.mu.Unlock()
	c.ch <- struct{}{}
}

func (c *collector) wait(t *testing.T, n int) []string {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-c.ch:
		case <-time.After(5 * time.Second):
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("got %d of %d: %v", len(c.got), n, c.got)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.got...)
}

// unique makes subjects of its own for each run, as tests share the NATS server.
func unique(*testing.T) string {
	return fmt.Sprintf("test%d", time.Now().UnixNano())
}

func TestPublishSubscribe(t *testing.T) {
	each(t, func(t *testing.T, pub, sub bus.Bus) {
		root := unique(t)
		all, room := newCollector(), newCollector()
		s1, err := sub.Subscribe(root+".>", all.take)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sub.Subscribe(root+".room.1", room.take); err != nil {
			t.Fatal(err)
		}
		if n, ok := sub.(*bus.NATS); ok {
			n.Flush() // the subscriptions are at the server before anything is published
		}
		for i := 0; i < 100; i++ {
			if err := pub.Publish(ctx, fmt.Sprintf("%s.room.%d", root, 1+i%2), []byte(fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
		got := room.wait(t, 50)
		for i, g := range got { // in order
			if want := fmt.Sprintf("%s.room.1=%d", root, 2*i); g != want {
				t.Fatalf("event %d: %s, want %s", i, g, want)
			}
		}
		if got := all.wait(t, 100); len(got) != 100 {
			t.Fatalf("%d events under %s.>", len(got), root)
		}
		// after unsubscribing, nothing more
		s1.Unsubscribe()
		if n, ok := sub.(*bus.NATS); ok {
			n.Flush()
		}
		pub.Publish(ctx, root+".room.1", []byte("late"))
		room.wait(t, 1)
		select {
		case <-all.ch:
			t.Error("an event after Unsubscribe")
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func TestSubjects(t *testing.T) {
	for s, ok := range map[string]bool{"chat.room.42": true, "a": true, "a-b_c.D9": true, "": false, "a..b": false, "a.>": false,
		"a b": false, "a.*": false, ".a": false, "ä": false} {
		if bus.ValidSubject(s) != ok {
			t.Errorf("%q: %v", s, !ok)
		}
	}
	b := bus.NewLocal()
	if err := b.Publish(ctx, "a.>", nil); err == nil {
		t.Error("publish on a pattern")
	}
	if _, err := b.Subscribe("a.>.b", func(string, []byte) {}); err == nil {
		t.Error("> in the middle")
	}
	b.Close()
	if err := b.Publish(ctx, "a", nil); err != bus.ErrClosed {
		t.Errorf("after Close: %v", err)
	}
}

// TestLocalSlowSubscriber: a subscriber that does not keep up loses
// events; the others and the publisher go on, and the bus's watchers
// hear that events were lost (false, then true: they arrive again).
func TestLocalSlowSubscriber(t *testing.T) {
	b := bus.NewLocal()
	defer b.Close()
	told := make(chan bool, 2*(bus.QueueSize+10))
	b.Watch(func(up bool) { told <- up })
	block := make(chan struct{})
	b.Subscribe("slow", func(string, []byte) { <-block })
	fast := newCollector()
	b.Subscribe("slow", fast.take)
	for i := 0; i < bus.QueueSize+10; i++ {
		b.Publish(ctx, "slow", []byte("x"))
	}
	expectTold(t, told, false, true)
	fast.wait(t, bus.QueueSize)
	close(block)
}

// expectTold waits for what the watchers are told, in order.
func expectTold(t *testing.T, told <-chan bool, want ...bool) {
	t.Helper()
	for i, w := range want {
		select {
		case up := <-told:
			if up != w {
				t.Fatalf("watchers were told %v as the %d., want %v", up, i+1, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watchers were told nothing as the %d., want %v", i+1, w)
		}
	}
}

// TestNATSTellsWhenEventsMayBeMissed: a node whose connection to NATS
// drops hears false (what others publish meanwhile does not reach it),
// and true once it is connected again.
func TestNATSTellsWhenEventsMayBeMissed(t *testing.T) {
	b := natsNode(t, "node-watched")
	told := make(chan bool, 8)
	b.Watch(func(up bool) { told <- up })
	if err := bus.ForceReconnect(b); err != nil {
		t.Fatal(err)
	}
	expectTold(t, told, false, true)
}

// TestLocalConcurrent: many publishers and subscribers at once (-race).
func TestLocalConcurrent(t *testing.T) {
	b := bus.NewLocal()
	defer b.Close()
	cs := make([]*collector, 8)
	for i := range cs {
		cs[i] = newCollector()
		b.Subscribe("c.>", cs[i].take)
	}
	var wg sync.WaitGroup
	for p := 0; p < 8; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				b.Publish(ctx, fmt.Sprintf("c.%d", p), []byte("x"))
			}
		}(p)
	}
	wg.Wait()
	for _, c := range cs {
		c.wait(t, 1600)
	}
}

// TestRequestReply: a node answers a subject's requests; a slow request
// holds up no other; a request nobody answers fails at once, one whose
// answer is late when its context ends.
func TestRequestReply(t *testing.T) {
	each(t, func(t *testing.T, asker, answerer bus.Bus) {
		subject := unique(t) + ".host"
		slow, release := make(chan struct{}, 2), make(chan struct{})
		r, err := answerer.Respond(subject, func(ctx context.Context, data []byte) []byte {
			if string(data) == "slow" {
				slow <- struct{}{}
				<-release
			}
			return append([]byte("re: "), data...)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := answerer.(*bus.NATS); ok {
			n.Flush()
		}
		if _, ok := asker.(*bus.NATS); ok { // the in-process bus answers in the asker's goroutine
			done := make(chan []byte)
			go func() {
				got, _ := asker.Request(ctx, subject, []byte("slow"))
				done <- got
			}()
			<-slow
			if got, err := asker.Request(ctx, subject, []byte("quick")); err != nil || string(got) != "re: quick" {
				t.Fatalf("a request while another waits: %q %v", got, err)
			}
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			if _, err := asker.Request(short, subject, []byte("slow")); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("an answer later than the context: %v", err)
			}
			close(release)
			if got := <-done; string(got) != "re: slow" {
				t.Fatalf("the slow request: %q", got)
			}
		} else {
			close(release)
		}
		if got, err := asker.Request(ctx, subject, []byte("x")); err != nil || string(got) != "re: x" {
			t.Fatalf("request: %q %v", got, err)
		}
		r.Unsubscribe()
		if n, ok := answerer.(*bus.NATS); ok {
			n.Flush()
		}
		if _, err := asker.Request(ctx, subject, []byte("x")); !errors.Is(err, bus.ErrNoResponder) {
			t.Fatalf("a subject nobody answers: %v", err)
		}
	})
}
