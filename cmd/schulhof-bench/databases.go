package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
)

// benchDatabases runs the start page and the week view on SQLite and on
// PostgreSQL in one run, each in a process of its own (this binary
// again), and prints each figure beside the other with their ratio: the
// scale-out's target is PostgreSQL at 70 % or more of SQLite.
func benchDatabases(args []string) error {
	fs := flag.NewFlagSet("databases", flag.ExitOnError)
	dsn := fs.String("database-url", os.Getenv("SCHULHOF_TEST_POSTGRES"), "postgres://... (default: SCHULHOF_TEST_POSTGRES)")
	rounds := fs.Int("rounds", 2, "runs of each, alternating the databases; the best of each counts")
	fs.Parse(args)
	if *dsn == "" {
		return errors.New("give the PostgreSQL database (--database-url)")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type bench struct {
		name string
		args []string
		line *regexp.Regexp
	}
	benches := []bench{
		{"start page", []string{"startpage", "--duration", "8s"}, regexp.MustCompile(`Go client, \d+ connections, all sessions: (\d+) requests/s.*p99 ([\d.]+ ms)`)},
		{"week view", []string{"timetable", "--requests", "60000"}, regexp.MustCompile(`week view with substitutions .*: (\d+) requests/s.*p99 ([\d.]+ ms)`)},
	}
	fmt.Printf("%-11s %-28s %-28s %s\n", "", "SQLite", "PostgreSQL", "PostgreSQL / SQLite")
	for _, b := range benches {
		best := map[bool]float64{}
		p99 := map[bool]string{}
		for range *rounds {
			for _, pg := range []bool{false, true} {
				args := b.args
				if pg {
					args = append(append([]string{}, args...), "--database-url", *dsn)
				}
				out, err := exec.Command(self, args...).CombinedOutput()
				if err != nil {
					return fmt.Errorf("%s: %v\n%s", b.name, err, out)
				}
				m := b.line.FindSubmatch(out)
				if m == nil {
					return fmt.Errorf("%s: no figure in\n%s", b.name, out)
				}
				rps, _ := strconv.ParseFloat(string(m[1]), 64)
				if rps > best[pg] {
					best[pg], p99[pg] = rps, string(m[2])
				}
			}
		}
		fmt.Printf("%-11s %-28s %-28s %.0f %%\n", b.name, fmt.Sprintf("%.0f req/s (p99 %s)", best[false], p99[false]),
			fmt.Sprintf("%.0f req/s (p99 %s)", best[true], p99[true]), 100*best[true]/best[false])
	}
	return nil
}
