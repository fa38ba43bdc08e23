package sqlstore

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
)

// chatBatch gathers the messenger's frequent small writes (a message
// posted, a read marker moved) that arrive while a transaction of them is
// under way, and stores them together in the next: group commit. A class
// chatting at once then waits for one transaction, not for one each, and
// SQLite's single writer is taken once per batch instead of once per
// message: 10,800 posts/s instead of 4,750 (BenchmarkPostMessage, 64 at
// once on two cores).
//
// On PostgreSQL each write keeps its own transaction: there the writes run
// on connections of their own at once, a batch would wait for each of
// its statements' round trips one after the other on one connection (750
// posts/s against 1,900), and the server groups the commits' disk writes
// itself; batches on several connections at once took as many posts but
// made the Monday benchmark's chats slower (p50 111–166 ms against 37 ms).
//
// Each write runs in a savepoint of its own: one that is refused (a muted
// sender, a read-only room, a client token seen before) is undone alone
// and answered with its error, the others are stored.
type chatBatch struct {
	mu      sync.Mutex
	pending []*chatWrite
	storing bool
	running sync.WaitGroup
	// batches and writes count what was stored, for the metrics
	batches, writes atomic.Int64
}

// chatWrite is one write waiting for its batch.
type chatWrite struct {
	ctx    context.Context
	school schulhof.SchoolID
	fn     func(tx *chatTx) error
	done   chan error
}

const (
	// maxChatBatch bounds a batch, so that the first in it does not wait
	// for hundreds behind it
	maxChatBatch = 128
	// chatBatchTimeout bounds a batch's transaction: it is nobody's
	// request, so no request's end ends it
	chatBatchTimeout = 30 * time.Second
)

// chatBatched runs fn in the next batch of the messenger's writes and
// returns its error, or the batch's if it could not be stored. fn sees
// the writes before it in the batch; what it changes is committed when
// chatBatched returns nil.
func (db *DB) chatBatched(ctx context.Context, school schulhof.SchoolID, fn func(tx *chatTx) error) error {
	if db.dialect == Postgres {
		return db.chatUpdate(ctx, school, fn)
	}
	w := &chatWrite{ctx: ctx, school: school, fn: fn, done: make(chan error, 1)}
	b := &db.chats
	b.mu.Lock()
	b.pending = append(b.pending, w)
	leader := !b.storing
	if leader {
		b.storing = true
		b.running.Add(1)
	}
	b.mu.Unlock()
	if leader {
		// the one who found no batch under way stores them all, until
		// none are waiting (in a goroutine: not ended with its request)
		go db.storeChatBatches()
	}
	return <-w.done
}

// storeChatBatches stores what is pending, one batch at a time, until
// nothing is.
func (db *DB) storeChatBatches() {
	b := &db.chats
	defer b.running.Done()
	for {
		b.mu.Lock()
		n := min(len(b.pending), maxChatBatch)
		if n == 0 {
			b.storing = false
			b.mu.Unlock()
			return
		}
		batch := b.pending[:n:n]
		b.pending = b.pending[n:]
		b.mu.Unlock()
		db.storeChatBatch(batch)
	}
}

// storeChatBatch stores one batch in one transaction and answers each
// write.
func (db *DB) storeChatBatch(batch []*chatWrite) {
	ctx, cancel := context.WithTimeout(context.Background(), chatBatchTimeout)
	defer cancel()
	var schools []schulhof.SchoolID
	for _, w := range batch {
		schools = append(schools, w.school)
	}
	errs := make([]error, len(batch))
	err := db.chatUpdateOf(ctx, schools, func(tx *chatTx) error {
		tx.batch = ctx
		if len(batch) == 1 {
			errs[0] = batch[0].run(tx) // alone: its transaction is its savepoint
			return errs[0]
		}
		for i, w := range batch {
			if err := w.ctx.Err(); err != nil {
				errs[i] = err // gone before its turn: not stored
				continue
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT chat_write`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			errs[i] = w.run(tx)
			if errs[i] != nil { // undone alone
				if _, err := tx.Tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT chat_write`); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT chat_write`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		db.chats.batches.Add(1)
	}
	for i, w := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err // nothing of the batch was stored
		}
		if errs[i] == nil {
			db.chats.writes.Add(1)
		}
		w.done <- errs[i]
	}
}

// run runs the write; a panic (a bug) fails it alone, as it would fail
// its request alone had it run there.
func (w *chatWrite) run(tx *chatTx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("chat write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return w.fn(tx)
}

// ChatBatches says how many batches of the messenger's writes this store
// committed and how many writes they held.
func (db *DB) ChatBatches() (batches, writes int64) {
	return db.chats.batches.Load(), db.chats.writes.Load()
}
