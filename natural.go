package schulhof

import (
	"slices"
	"strings"
	"unicode"
)

// NaturalLess orders names as people at a school do: the numbers in them
// by their value ("5a" before "10a", "Q1" before "Q2"), the rest without
// regard to case.
func NaturalLess(a, b string) bool {
	return NaturalCompare(a, b) < 0
}

// SortGroups puts groups in the order people look for them: by name,
// its numbers by value (5a, 5b, 10a, Q1).
func SortGroups(gs []*Group) {
	slices.SortStableFunc(gs, func(a, b *Group) int { return NaturalCompare(a.Name, b.Name) })
}

// NaturalCompare is NaturalLess as -1, 0 or 1.
func NaturalCompare(a, b string) int {
	if c := naturalCompare(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b) // "10A" before "10a"
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ca, ra := chunk(a)
		cb, rb := chunk(b)
		if c := compareChunks(ca, cb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// chunk splits off the leading run of digits or of other characters.
func chunk(s string) (string, string) {
	digits := isDigit(rune(s[0]))
	for i, r := range s {
		if isDigit(r) != digits {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func compareChunks(a, b string) int {
	if isDigit(rune(a[0])) && isDigit(rune(b[0])) {
		ta, tb := strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(ta) != len(tb) {
			if len(ta) < len(tb) {
				return -1
			}
			return 1
		}
		return strings.Compare(ta, tb)
	}
	return strings.Compare(strings.Map(unicode.ToLower, a), strings.Map(unicode.ToLower, b))
}
