package web_test

import (
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/web"
)

func TestLimiterAccountAndAddress(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	l := web.NewLimiter(func() time.Time { return now })
	for i := 0; i < 4; i++ {
		if d := l.Fail("gym/max", "10.0.0.1"); d != 0 {
			t.Fatalf("locked after %d failures", i+1)
		}
	}
	if d := l.Fail("gym/max", "10.0.0.1"); d != time.Minute {
		t.Fatalf("fifth failure locks for %v, want 1m", d)
	}
	if l.Check("gym/max", "10.0.0.2") == 0 {
		t.Fatal("the account is locked from every address")
	}
	if l.Check("gym/anna", "10.0.0.1") != 0 {
		t.Fatal("other accounts behind the same address are not locked")
	}
	now = now.Add(61 * time.Second)
	if l.Check("gym/max", "10.0.0.1") != 0 {
		t.Fatal("lock must end")
	}
	for i := 0; i < 5; i++ {
		l.Fail("gym/max", "10.0.0.1")
	}
	if d := l.Check("gym/max", "10.0.0.1"); d != 2*time.Minute {
		t.Fatalf("second lockout %v, want 2m", d)
	}
	l.Succeed("gym/max")
	// an address that fails for many accounts (a script guessing a school
	// through): locked after 100 failures
	for i := 0; i < 200 && l.Check("x", "10.9.9.9") == 0; i++ {
		l.Fail("gym/user"+string(rune('a'+i%26))+string(rune('a'+i/26)), "10.9.9.9")
	}
	if d := l.Check("gym/new", "10.9.9.9"); d != 5*time.Minute {
		t.Fatalf("address lockout %v", d)
	}
	now = now.Add(time.Hour)
	l.Sweep()
	if l.Check("gym/new", "10.9.9.9") != 0 {
		t.Fatal("sweep kept an old lock")
	}
}
