package e2e

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Every page the browser tests open is checked by axe-core, the
// accessibility engine most audits use: a violation that axe rates
// serious or critical fails the test. axe comes from npm once per
// machine, kept in the user's cache by its version.

const axeVersion = "4.14.1"

var axe struct {
	once   sync.Once
	source string
	err    error
	mu     sync.Mutex
	seen   map[string]bool // the pages checked, by their path's shape
}

// axeSource is axe.min.js, fetched with npm into the cache the first
// time.
func axeSource() (string, error) {
	axe.once.Do(func() {
		cache, err := os.UserCacheDir()
		if err != nil {
			axe.err = err
			return
		}
		dir := filepath.Join(cache, "schulhof", "axe-core-"+axeVersion)
		file := filepath.Join(dir, "axe.min.js")
		if b, err := os.ReadFile(file); err == nil {
			axe.source = string(b)
			return
		}
		if axe.err = os.MkdirAll(dir, 0o755); axe.err != nil {
			return
		}
		tmp, err := os.MkdirTemp(dir, "pack")
		if err != nil {
			axe.err = err
			return
		}
		defer os.RemoveAll(tmp)
		out, err := exec.Command("npm", "pack", "--silent", "--pack-destination", tmp, "axe-core@"+axeVersion).CombinedOutput()
		if err != nil {
			axe.err = fmt.Errorf("npm pack axe-core@%s: %v: %s", axeVersion, err, out)
			return
		}
		b, err := fromTarball(filepath.Join(tmp, "axe-core-"+axeVersion+".tgz"), "package/axe.min.js")
		if err != nil {
			axe.err = err
			return
		}
		part := filepath.Join(tmp, "axe.min.js")
		if axe.err = os.WriteFile(part, b, 0o644); axe.err != nil {
			return
		}
		axe.err = os.Rename(part, file)
		axe.source = string(b)
	})
	return axe.source, axe.err
}

func fromTarball(path, name string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", name, path, err)
		}
		if h.Name == name {
			return io.ReadAll(tr)
		}
	}
}

// pageShape is a page's path with its ids taken out: /s/gym/files/group/7
// is the same page for every group.
var ids = regexp.MustCompile(`/[0-9]+(/|$)`)

// checkAccessibility runs axe on the page the tab shows, once per page
// shape in the whole run, and fails the test on serious or critical
// violations. A page that goes on to another meanwhile is checked later.
func checkAccessibility(t *testing.T, ctx context.Context) {
	t.Helper()
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" && document.body && location.protocol.startsWith("http") ? location.pathname : ""`))
	if err != nil || path == "" || strings.HasPrefix(path, "/api/") {
		return
	}
	shape := ids.ReplaceAllString(ids.ReplaceAllString(path, "/N$1"), "/N$1")
	axe.mu.Lock()
	done := axe.seen[shape]
	axe.mu.Unlock()
	if done {
		return
	}
	src, err := axeSource()
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined" || (0, eval)(`+jsString(src)+`) || true`)); err != nil {
		return // the page went on
	}
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then((r) =>
		r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) =>
			v.impact + " " + v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		return // the page went on
	}
	axe.mu.Lock()
	if axe.seen == nil {
		axe.seen = map[string]bool{}
	}
	axe.seen[shape] = true
	axe.mu.Unlock()
	for _, v := range found {
		t.Errorf("accessibility of %s: %s", path, v)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
