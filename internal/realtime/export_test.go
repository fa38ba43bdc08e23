package realtime

import "time"

// SetSleep replaces how a socket's writer waits out the flush gap.
func SetSleep(h *Hub, sleep func(time.Duration)) { h.sleep = sleep }
