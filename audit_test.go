package schulhof

import "testing"

func TestShortenIP(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.57":          "203.0.113.0",
		"2001:db8:1234:5678::1": "2001:db8:1234::",
		"::ffff:198.51.100.23":  "198.51.100.0",
		"127.0.0.1":             "127.0.0.0",
		"":                      "",
		"kein-netz":             "",
	} {
		if got := ShortenIP(in); got != want {
			t.Errorf("ShortenIP(%q) = %q, want %q", in, got, want)
		}
	}
}
