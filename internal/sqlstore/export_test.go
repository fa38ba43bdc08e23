package sqlstore

// HoldChatBatches makes the messenger's writes wait as if a batch were
// under way, so that a test can gather several in one: waiting says how
// many wait, release stores them.
func (db *DB) HoldChatBatches() (waiting func() int, release func()) {
	b := &db.chats
	b.mu.Lock()
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
