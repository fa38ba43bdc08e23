package web_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// longValue is what no field of the platform holds: 100,000 characters.
var longValue = strings.Repeat("ä", 100_000)

// withLongString returns the JSON body with the n-th string in it
// (counted depth first, object keys in order) replaced by longValue, and
// the field's name; ok is false when there is no n-th string.
func withLongString(body string, n int) (out, field string, ok bool) {
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return "", "", false
	}
	i := 0
	var walk func(v any, name string) any
	walk = func(v any, name string) any {
		switch x := v.(type) {
		case string:
			if i == n {
				ok, field = true, name
				i++
				return longValue
			}
			i++
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				x[k] = walk(x[k], k)
			}
		case []any:
			for j := range x {
				x[j] = walk(x[j], name)
			}
		}
		return v
	}
	v = walk(v, "")
	b, _ := json.Marshal(v)
	return string(b), field, ok
}

// TestEveryFieldIsCapped takes every API scenario that succeeds with a
// JSON body and sends it once for each string in the body, with that
// string 100,000 characters long: no field may take it. The answer is a
// clear 4xx that names the problem, never a 2xx or a 500.
func TestEveryFieldIsCapped(t *testing.T) {
	f := newFixture(t, nil)
	tried := 0
	for _, sc := range apiScenarios {
		if sc.want >= 300 || !strings.HasPrefix(sc.body, "{") {
			continue
		}
		for n := 0; ; n++ {
			body, field, ok := withLongString(f.expand(sc.body), n)
			if !ok {
				break
			}
			tried++
			rec := f.do(sc.actor, sc.method, f.expand(sc.path), body)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("%s (%s %s), %q of 100,000 characters: %d %.200s", sc.name, sc.method, sc.path, field, rec.Code, rec.Body)
			}
		}
	}
	if tried < 50 {
		t.Fatalf("only %d fields tried", tried)
	}
}
