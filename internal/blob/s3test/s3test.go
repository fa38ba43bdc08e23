// Package s3test runs a real S3 server for tests: versitygw, serving a
// folder of the test's, on a loopback port. The binary is built once per
// machine into the user's cache, by version (about a minute with the
// module cache warm, six without).
package s3test

import (
	"bufio"
	"context"
	"errors"
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
	if _, err := os.Stat(binPath()); err != nil {
		tb.Logf("building versitygw %s into %s (once per machine)", Version, filepath.Dir(binPath()))
	}
	bin, err := Install()
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

func binPath() string {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	return filepath.Join(cache, "schulhof", "versitygw-"+Version, "versitygw")
}

// Install builds versitygw into the user's cache unless it is there,
// and returns its path.
func Install() (string, error) {
	bin := binPath()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	dir := filepath.Dir(bin)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// one build at a time: test packages run in parallel
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	cmd := exec.Command("go", "install", "github.com/versity/versitygw/cmd/versitygw@"+Version)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	cmd.Dir = os.TempDir() // outside the module: its go.mod is not ours
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install versitygw: %v\n%s", err, out)
	}
	return bin, nil
}

// Start runs versitygw on a free loopback port, serving an empty folder,
// until the test ends; the config names a bucket the store makes.
func Start(tb testing.TB) blob.S3Config {
	tb.Helper()
	Binary(tb)
	cfg, stop, err := Run(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(stop)
	return cfg
}

// Run runs versitygw on a free loopback port, serving a folder below
// dir, until stop is called (benchmarks use it too).
func Run(dir string) (cfg blob.S3Config, stop func(), err error) {
	bin, err := Install()
	if err != nil {
		return cfg, nil, err
	}
	data, meta := filepath.Join(dir, "data"), filepath.Join(dir, "meta")
	for _, d := range []string{data, meta} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return cfg, nil, err
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return cfg, nil, err
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--port", addr, "posix", "--sidecar", meta, data)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=schulhof", "ROOT_SECRET_KEY=schulhof-geheim")
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return cfg, nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		cancel()
		return cfg, nil, err
	}
	stop = func() {
		cancel()
		cmd.Wait()
	}
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
	case err = <-ready:
	case <-time.After(30 * time.Second):
		err = errors.New("versitygw did not start within 30 s")
	}
	if err != nil {
		stop()
		return cfg, nil, err
	}
	return blob.S3Config{Endpoint: "http://" + addr, Bucket: "schulhof", AccessKey: "schulhof", SecretKey: "schulhof-geheim"}, stop, nil
}
