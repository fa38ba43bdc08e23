package assignments

import (
	"strings"
	"testing"

	"github.com/schulhof/schulhof"
)

// TestHandInFolder: whatever an assignment is called, the folder its
// hand-ins go to is a name the files module takes.
func TestHandInFolder(t *testing.T) {
	for _, c := range []struct{ title, want string }{
		{"Brüche addieren", "Abgaben/Brüche addieren"},
		{"Aufgabe 3: Brüche / Dezimalzahlen?", "Abgaben/Aufgabe 3- Brüche - Dezimalzahlen-"},
		{"Referat...", "Abgaben/Referat"},
		{"  ", "Abgaben/Aufgabe"},
		{strings.Repeat("ä", 300), "Abgaben/" + strings.Repeat("ä", 100)},
	} {
		got := handInFolder(c.title)
		if got != c.want {
			t.Errorf("%q: %q, want %q", c.title, got, c.want)
		}
		if _, err := schulhof.CleanName(strings.TrimPrefix(got, "Abgaben/")); err != nil {
			t.Errorf("%q: the folder %q is no name: %v", c.title, got, err)
		}
	}
}
