package schulhof

import (
	"context"
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
