package kit

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"

	"github.com/schulhof/schulhof"
)

// The start page shows who one is, and a card of each module that has
// something for the day (the lessons that change, unread messages, the
// next exams, assignments): each module adds its card's data under keys
// of its own in the page's Data, and the template part that shows it.

// StartCard is a module's card on the start page.
type StartCard struct {
	// Order places it on the page, smaller first.
	Order int
	// Part is the template part that shows it.
	Part string
	// Fill adds the card's keys to the page's Data, for a user of the
	// school sc.
	Fill func(r *http.Request, sc *schulhof.School, data map[string]any) error
}

// AddStartCard adds a module's card to the start page.
func (d *Deps) AddStartCard(c StartCard) {
	d.registryMu.Lock()
	defer d.registryMu.Unlock()
	d.cards = append(d.cards, c)
	slices.SortStableFunc(d.cards, func(a, b StartCard) int { return cmp.Compare(a.Order, b.Order) })
}

// FillStartCards fills every card's data for a user of the school sc,
// and under "Cards" the parts that show them, in order. The cards are
// filled at once, each into a map of its own: the first page after a
// login on a node that has nothing of the user cached yet waits for the
// slowest card's reads, not for all of them one after the other.
func (d *Deps) FillStartCards(r *http.Request, sc *schulhof.School, data map[string]any) error {
	d.registryMu.Lock()
	cards := d.cards
	d.registryMu.Unlock()
	filled := make([]map[string]any, len(cards))
	errs := make([]error, len(cards))
	var wg sync.WaitGroup
	for i, c := range cards {
		filled[i] = map[string]any{}
		wg.Go(func() {
			defer func() {
				// a card's bug fails the page, as it did in the request's
				// own goroutine, and does not take the server down
				if p := recover(); p != nil {
					errs[i] = fmt.Errorf("start card %s panicked: %v\n%s", c.Part, p, debug.Stack())
				}
			}()
			errs[i] = c.Fill(r, sc, filled[i])
		})
	}
	wg.Wait()
	var parts []string
	for i, c := range cards {
		if errs[i] != nil {
			return errs[i]
		}
		maps.Copy(data, filled[i])
		parts = append(parts, c.Part)
	}
	data["Cards"] = parts
	return nil
}
