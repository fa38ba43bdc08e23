package kit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
)

// TestFillStartCards: the cards are filled at once, each under its own
// keys, and listed in their order; a card that fails or panics fails the
// page, without taking the server down.
func TestFillStartCards(t *testing.T) {
	card := func(order int, part string, fill func(data map[string]any) error) StartCard {
		return StartCard{Order: order, Part: part, Fill: func(_ *http.Request, _ *schulhof.School, data map[string]any) error {
			return fill(data)
		}}
	}
	d := &Deps{}
	// the first waits for the second: filled one after the other, it
	// would wait for ever
	second := make(chan struct{})
	d.AddStartCard(card(20, "later", func(data map[string]any) error { close(second); data["Later"] = 2; return nil }))
	d.AddStartCard(card(10, "sooner", func(data map[string]any) error {
		select {
		case <-second:
		case <-time.After(5 * time.Second):
			return errors.New("the cards were filled one after the other")
		}
		data["Sooner"] = 1
		return nil
	}))
	r := httptest.NewRequest("GET", "/", nil)
	data := map[string]any{"User": "anna"}
	if err := d.FillStartCards(r, nil, data); err != nil {
		t.Fatal(err)
	}
	if data["Sooner"] != 1 || data["Later"] != 2 || data["User"] != "anna" || !slices.Equal(data["Cards"].([]string), []string{"sooner", "later"}) {
		t.Fatalf("data: %v", data)
	}

	kaputt := errors.New("kaputt")
	d = &Deps{}
	d.AddStartCard(card(10, "fine", func(data map[string]any) error { data["Fine"] = 1; return nil }))
	d.AddStartCard(card(30, "failing", func(map[string]any) error { return kaputt }))
	if err := d.FillStartCards(r, nil, map[string]any{}); !errors.Is(err, kaputt) {
		t.Fatalf("a card that fails: %v", err)
	}
	d = &Deps{}
	d.AddStartCard(card(10, "buggy", func(map[string]any) error { panic("index out of range") }))
	if err := d.FillStartCards(r, nil, map[string]any{}); err == nil || !strings.Contains(err.Error(), "start card buggy panicked") {
		t.Fatalf("a card that panics: %v", err)
	}
}
