package schulhof_test

import (
	"slices"
	"testing"

	"github.com/schulhof/schulhof"
)

func TestNaturalOrder(t *testing.T) {
	got := []string{"10a", "5b", "Q2", "EF", "5a", "q1", "7b", "05a", "10A", "Q1/M-LK1", "Q1"}
	slices.SortFunc(got, schulhof.NaturalCompare)
	want := []string{"05a", "5a", "5b", "7b", "10A", "10a", "EF", "Q1", "q1", "Q1/M-LK1", "Q2"}
	if !slices.Equal(got, want) {
		t.Fatalf("sorted %q, want %q", got, want)
	}
	for _, c := range []struct{ a, b string }{{"", "a"}, {"a", "a1"}, {"9", "10"}} {
		if !schulhof.NaturalLess(c.a, c.b) || schulhof.NaturalLess(c.b, c.a) {
			t.Errorf("%q should come before %q", c.a, c.b)
		}
	}
}
