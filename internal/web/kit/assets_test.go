package kit

import (
	"strings"
	"testing"
)

func TestReadMessages(t *testing.T) {
	m, err := readMessages([]byte(`{"a.b": ["Größe", "size"], "a.c": ["%d Tage", "%d days"]}`))
	if err != nil || m["a.b"] != [2]string{"Größe", "size"} || m["a.c"][1] != "%d days" || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"twice":      {`{"a.b": ["x", "y"], "a.b": ["z", "w"]}`, "a.b is there twice"},
		"no english": {`{"a.b": ["x"]}`, `a.b: want`},
		"empty":      {`{"a.b": ["x", ""]}`, `a.b: want`},
		"not json":   {`{"a.b": `, "unexpected end"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := readMessages([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
