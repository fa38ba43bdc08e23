package totp_test

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/totp"
)

// The test vectors of RFC 6238, appendix B, for SHA-1 (eight digits there;
// the last six are what six-digit codes show).
func TestRFC6238Vectors(t *testing.T) {
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		got, err := totp.Code(secret, totp.Step(time.Unix(tc.unix, 0)))
		if err != nil || got != tc.want {
			t.Errorf("T=%d: got %s, want %s (%v)", tc.unix, got, tc.want, err)
		}
	}
}

func TestCheckAllowsOneStepDrift(t *testing.T) {
	s := totp.NewSecret()
	now := time.Unix(1_800_000_000, 0)
	prev, _ := totp.Code(s, totp.Step(now)-1)
	if st, ok := totp.Check(s, prev, now); !ok || st != totp.Step(now)-1 {
		t.Fatal("code of the previous step must pass")
	}
	old, _ := totp.Code(s, totp.Step(now)-2)
	if _, ok := totp.Check(s, old, now); ok {
		t.Fatal("code two steps old must fail")
	}
	if _, ok := totp.Check(s, "12345", now); ok {
		t.Fatal("short code must fail")
	}
}
