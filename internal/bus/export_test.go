package bus

// ForceReconnect drops the node's connection to NATS, which reconnects.
func ForceReconnect(b *NATS) error { return b.conn.ForceReconnect() }
