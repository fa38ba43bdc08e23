package password_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
)

func TestHashVerify(t *testing.T) {
	h := password.Hash("Geheim123", password.OWASP)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", h)
	}
	if !password.Verify("Geheim123", h) {
		t.Fatal("right password rejected")
	}
	for _, wrong := range []string{"geheim123", "", "Geheim1234"} {
		if password.Verify(wrong, h) {
			t.Fatalf("%q accepted", wrong)
		}
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$x$y$z$w", h[:len(h)-3] + "!!!"} {
		if password.Verify("Geheim123", bad) {
			t.Fatalf("malformed hash %q accepted", bad)
		}
	}
	if a, b := password.Hash("x", password.Fast), password.Hash("x", password.Fast); a == b {
		t.Fatal("hashes of the same password must differ by salt")
	}
}

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		p := password.Generate(10)
		if len(p) != 10 || strings.ContainsAny(p, "0O1lI") || seen[p] {
			t.Fatalf("bad password %q", p)
		}
		seen[p] = true
	}
}

func TestHasherRefusesWhenFull(t *testing.T) {
	h := password.NewHasher(password.Params{Memory: 8 * 1024, Time: 3, Threads: 1}, 1, 50*time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	busy := 0
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := h.Hash(context.Background(), "x")
			if schulhof.Match(err, schulhof.EUnavailable) {
				mu.Lock()
				busy++
				mu.Unlock()
			} else if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if busy == 0 {
		t.Fatal("40 hashes at once with a queue of 1 must refuse some")
	}
}

func TestValidate(t *testing.T) {
	if err := password.Validate("kurz"); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatal("short password accepted")
	}
	if err := password.Validate("lang genug"); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkHashOWASP(b *testing.B) {
	for b.Loop() {
		password.Hash("Geheim123", password.OWASP)
	}
}
