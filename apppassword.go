package schulhof

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"
)

// AppPassword lets a program (the iPad's Files app, a WebDAV client) log
// in as the user without the user's own password and second factor. It
// is random, shown once, stored as its SHA-256 (it is too long to guess,
// so a slow hash buys nothing), and can be revoked alone.
type AppPassword struct {
	ID         int64      `json:"id"`
	UserID     UserID     `json:"user_id"`
	Name       string     `json:"name"` // what the user calls it: "iPad", "Laptop"
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// MaxAppPasswords is how many one user may have.
const MaxAppPasswords = 20

// NewAppPassword returns a fresh app password: 25 letters and digits in
// five groups, easy to type on an iPad ("k7dm-q2xw-...").
func NewAppPassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
	b := make([]byte, 25)
	rand.Read(b)
	var sb strings.Builder
	for i, c := range b {
		if i > 0 && i%5 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// HashAppPassword is what is stored of an app password.
func HashAppPassword(pw string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(pw))))
	return hex.EncodeToString(sum[:])
}

// LooksLikeAppPassword tells app passwords from typed passwords, so that
// only those are looked up.
func LooksLikeAppPassword(pw string) bool {
	pw = strings.ToLower(strings.TrimSpace(pw))
	if len(pw) != 29 {
		return false
	}
	for i, c := range pw {
		if (i+1)%6 == 0 {
			if c != '-' {
				return false
			}
		} else if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ValidateAppPasswordName checks the name the user gives it.
func ValidateAppPasswordName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return Invalid("name", "app_password.name.required")
	}
	if utf8.RuneCountInString(name) > 100 {
		return Invalid("name", "field.too_long", 100)
	}
	return nil
}

// AppPasswordService keeps app passwords.
type AppPasswordService interface {
	// CreateAppPassword stores the hash of a new app password.
	CreateAppPassword(ctx context.Context, user UserID, name, hash string) (*AppPassword, error)
	FindAppPasswords(ctx context.Context, user UserID) ([]*AppPassword, error)
	DeleteAppPassword(ctx context.Context, user UserID, id int64) error
	// UseAppPassword returns the user the hash belongs to and notes the use.
	UseAppPassword(ctx context.Context, hash string) (UserID, error)
}
