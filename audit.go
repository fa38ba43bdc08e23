package schulhof

import (
	"context"
	"net/netip"
	"time"
)

// AuditEntry records one admin action: who, what, when, from where.
type AuditEntry struct {
	ID         int64     `json:"id"`
	SchoolID   SchoolID  `json:"school_id,omitempty"`
	ActorID    UserID    `json:"actor_id"`
	ActorLogin string    `json:"actor_login"`
	Action     string    `json:"action"` // e.g. user.create, import.apply
	Target     string    `json:"target"`
	Details    string    `json:"details,omitempty"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
}

// AuditFilter selects entries; SchoolID 0 means all (operator).
type AuditFilter struct {
	SchoolID SchoolID
	Before   int64 // id cursor
	Limit    int
}

// AuditService writes and reads the audit log.
type AuditService interface {
	FindAuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
}

// IPKeepFull is how long an IP address is kept whole in the audit log
// and in sessions; ShortenIP is what is kept after.
const IPKeepFull = 7 * 24 * time.Hour

// ShortenIP keeps the network of an address, not the device: IPv4 to
// its /24 (203.0.113.0), IPv6 to its /48. What is no address becomes "".
func ShortenIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	bits := 24
	if a.Is6() && !a.Is4In6() {
		bits = 48
	}
	p, err := a.Unmap().Prefix(bits)
	if err != nil {
		return ""
	}
	return p.Addr().String()
}
