package sqlstore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryRowLoopChecksErr: a loop over rows that ends early (a dropped
// connection, a cancelled query) looks like a short answer unless
// rows.Err() is asked after it; every loop of the store asks.
func TestEveryRowLoopChecksErr(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	loops := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		for i, line := range lines {
			if !strings.Contains(line, "for rows.Next()") {
				continue
			}
			loops++
			indent := line[:len(line)-len(strings.TrimLeft(line, "\t"))]
			end := i + 1
			for end < len(lines) && lines[end] != indent+"}" {
				end++
			}
			checked := false
			for j := end; j < len(lines) && j <= end+3; j++ {
				checked = checked || strings.Contains(lines[j], "rows.Err()")
			}
			if !checked {
				t.Errorf("%s:%d: the loop over rows does not check rows.Err() after it", name, i+1)
			}
		}
	}
	if loops < 20 {
		t.Fatalf("found only %d loops: the check no longer finds them", loops)
	}
}
