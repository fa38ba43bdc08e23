// Package s3test runs a real S3 server for tests: versitygw, serving a
// folder of the test's, on a loopback port. The binary is built once per
// machine into the user's cache, by version (about a minute with the
// module cache warm, six without).
package s3test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/schulhof/schulhof/internal/blob"
)

// Version is the versitygw release the tests run.
const Version = "v1.8.0"

// Binary returns the path of versitygw, building it the first time.
func Binary(tb testing.TB) string {
	tb.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Join(cache, "schulhof", "versitygw-"+Version)
	bin := filepath.Join(dir, "versitygw")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	// one build at a time: test packages run in parallel
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		tb.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		tb.Fatal(err)
	}
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	tb.Logf("building versitygw %s into %s (once per machine)", Version, dir)
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	cmd.Dir = os.TempDir() // outside the module: its go.mod is not ours
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go install versitygw: %v\n%s", err, out)
	}
	return bin
}

// Start runs versitygw on a free loopback port, serving an empty folder,
// until the test ends; the config names a bucket the store makes.
func Start(tb testing.TB) blob.S3Config {
	tb.Helper()
	bin := Binary(tb)
	dir := tb.TempDir()
	data, meta := filepath.Join(dir, "data"), filepath.Join(dir, "meta")
	for _, d := range []string{data, meta} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--port", addr, "posix", "--sidecar", meta, data)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=schulhof", "ROOT_SECRET_KEY=schulhof-geheim")
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cancel()
		cmd.Wait()
	})
	// it says when it listens
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		said := []string{}
		for sc.Scan() {
			said = append(said, sc.Text())
			if strings.Contains(sc.Text(), "listening on") {
				ready <- nil
				for sc.Scan() { // drain, so that it never blocks on its output
				}
				return
			}
		}
		ready <- fmt.Errorf("versitygw ended: %s", strings.Join(said, "\n"))
	}()
	select {
	case err := <-ready:
		if err != nil {
			tb.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		tb.Fatal("versitygw did not start within 30 s")
	}
	return blob.S3Config{Endpoint: "http://" + addr, Bucket: "schulhof", AccessKey: "schulhof", SecretKey: "schulhof-geheim"}
}
