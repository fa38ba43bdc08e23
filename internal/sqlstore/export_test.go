package sqlstore

import (
	"context"
	"runtime"
)

// HoldChatBatches makes the messenger's writes wait as if a batch were
// under way, so that a test can gather several in one: waiting says how
// many wait, release stores them. It waits first for the batches under
// way to end (the goroutine that stored the last write may not have seen
// yet that nothing more waits, and would store the held writes).
func (db *DB) HoldChatBatches() (waiting func() int, release func()) {
	b := &db.chats
	for {
		b.mu.Lock()
		if !b.storing {
			break
		}
		b.mu.Unlock()
		runtime.Gosched()
	}
	b.storing = true
	b.running.Add(1)
	b.mu.Unlock()
	waiting = func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.pending)
	}
	return waiting, func() { go db.storeChatBatches() }
}

// ChatBatched runs fn as one of the messenger's batched writes.
func (db *DB) ChatBatched(ctx context.Context, fn func() error) error {
	return db.chatBatched(ctx, 0, func(*chatTx) error { return fn() })
}

// ChatBatchedAfterItsEnd runs the statement q as a batched write whose
// request has ended by the time the statement runs.
func (db *DB) ChatBatchedAfterItsEnd(q string, args ...any) error {
	req, end := context.WithCancel(context.Background())
	return db.chatBatched(context.Background(), 0, func(tx *chatTx) error {
		end()
		_, err := tx.ExecContext(req, q, args...)
		return err
	})
}

// OnMessageStored calls fn in each post's transaction right after its
// message's row is written, before the commit.
func (db *DB) OnMessageStored(fn func(id int64)) { db.messageStored = fn }
