package main

// schulhof-bench files: the file module's throughput against what the
// machine can do (loopback TCP, the disk's sequential write with fsync),
// and side by side with rclone's WebDAV server on the same files.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/password"
)

func benchFiles(args []string) error {
	fs := flag.NewFlagSet("files", flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres://... (default: SQLite in a temporary directory)")
	sizeMiB := fs.Int64("size", 1024, "MiB of the big file")
	small := fs.Int("small", 1000, "small files to upload")
	parallel := fs.Int("parallel", 8, "parallel small uploads")
	entries := fs.Int("entries", 10000, "entries of the folder for PROPFIND")
	propfinds := fs.Int("propfinds", 200, "PROPFIND requests to time")
	withRclone := fs.Bool("rclone", true, "compare with rclone serve webdav, if installed")
	only := fs.String("only", "", "run one part: big, small or propfind")
	rounds := fs.Int("rounds", 3, "rounds of the big file, each beside a fresh measure of disk and loopback")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	run := func(part string) bool { return *only == "" || *only == part }
	size := *sizeMiB << 20
	hasher := password.NewHasher(password.Fast, 0, 0)
	e, err := start(*dsn, hasher, 1, password.Hash("bench-passwort", password.Fast))
	if err != nil {
		return err
	}
	defer e.close()
	ctx := context.Background()
	big := int64(200) << 30
	if _, err := e.db.UpdateSchool(ctx, e.school.ID, schulhof.SchoolUpdate{Quotas: map[string]int64{"student": big}}); err != nil {
		return err
	}
	u := e.users[0]
	user := u.Login + "@" + e.school.Slug
	token, err := login(e.url, e.school.Slug, u.Login, "bench-passwort")
	if err != nil {
		return err
	}
	home := fmt.Sprintf("%s/api/v1/schools/%s/spaces/user/%d", e.url, e.school.Slug, u.ID)
	c := client(*parallel * 2)
	// big transfers: send and read in big pieces, as a browser does
	c.Transport.(*http.Transport).WriteBufferSize = 1 << 20
	c.Transport.(*http.Transport).ReadBufferSize = 1 << 20
	apiAuth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	davAuth := func(r *http.Request) { r.SetBasicAuth(user, "bench-passwort") }
	blobDir := os.TempDir()

	fmt.Printf("machine: %d cores; files under %s\n\n", runtimeCPUs(), blobDir)
	var down, up, smallDAV float64
	var pf summary
	if run("big") {
		if down, up, err = bigFile(ctx, e, c, home, size, *sizeMiB, blobDir, *rounds, apiAuth, davAuth); err != nil {
			return err
		}
	}
	if run("small") {
		smallAPI, err := smallUploads(c, *small, *parallel, func(i int) string { return home + "/files?name=klein-" + strconv.Itoa(i) + ".txt" }, "PUT", apiAuth)
		if err != nil {
			return err
		}
		fmt.Printf("%d files of 60 bytes, %d parallel (API): %6.0f files/s (target >= 1,000)\n", *small, *parallel, smallAPI)
		smallDAV, err = smallUploads(c, *small, *parallel, func(i int) string { return e.url + "/dav/home/dav-klein-" + strconv.Itoa(i) + ".txt" }, "PUT", davAuth)
		if err != nil {
			return err
		}
		fmt.Printf("%d files of 60 bytes, %d parallel (WebDAV): %6.0f files/s\n", *small, *parallel, smallDAV)
	}
	if run("propfind") {
		if pf, err = propfindFolder(ctx, e, c, u, *entries, *propfinds, davAuth); err != nil {
			return err
		}
	}
	if !*withRclone || *only != "" {
		return nil
	}
	if _, err := exec.LookPath("rclone"); err != nil {
		fmt.Println("rclone not installed (apt-get install rclone): no comparison")
		return nil
	}
	return compareRclone(c, size, *sizeMiB, *small, *parallel, *entries, *propfinds, down, up, smallDAV, pf)
}

// bigFile measures one big file up and down, in rounds that each measure
// the machine right before: this machine's disk speed swings by a factor
// of two from minute to minute, so a ratio is only fair within a round.
// It returns the medians.
func bigFile(ctx context.Context, e *env, c *http.Client, home string, size, sizeMiB int64, blobDir string, rounds int, apiAuth, davAuth func(*http.Request)) (down, up float64, err error) {
	u := e.users[0]
	var ups, downs, upShares, downShares []float64
	for round := 1; round <= rounds; round++ {
		disk, err := diskThroughput(blobDir, size)
		if err != nil {
			return 0, 0, err
		}
		name := fmt.Sprintf("big-%d.bin", round)
		up, err := timedUpload(c, "PUT", home+"/files?name="+name, size, apiAuth)
		if err != nil {
			return 0, 0, err
		}
		tcp, err := loopbackThroughput(size)
		if err != nil {
			return 0, 0, err
		}
		n, err := e.db.FindNodeByPath(ctx, e.school.ID, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}, []string{name})
		if err != nil {
			return 0, 0, err
		}
		down, err := timedDownload(c, fmt.Sprintf("%s/api/v1/schools/%s/nodes/%d/content", e.url, e.school.Slug, n.ID), size, apiAuth)
		if err != nil {
			return 0, 0, err
		}
		fmt.Printf("round %d: disk write+fsync %5.0f MB/s, upload %d MiB %5.0f MB/s = %3.0f %% (target >= 80 %%); loopback TCP %5.0f MB/s, download %5.0f MB/s = %3.0f %% (target >= 40 %%)\n",
			round, disk, sizeMiB, up, 100*up/disk, tcp, down, 100*down/tcp)
		ups, downs = append(ups, up), append(downs, down)
		upShares, downShares = append(upShares, up/disk), append(downShares, down/tcp)
	}
	fmt.Printf("median of %d rounds: upload %.0f MB/s = %.0f %% of the disk; download %.0f MB/s = %.0f %% of loopback TCP\n",
		rounds, median(ups), 100*median(upShares), median(downs), 100*median(downShares))
	davDown, err := timedDownload(c, e.url+"/dav/home/big-1.bin", size, davAuth)
	if err != nil {
		return 0, 0, err
	}
	davUp, err := timedUpload(c, "PUT", e.url+"/dav/home/big-dav.bin", size, davAuth)
	if err != nil {
		return 0, 0, err
	}
	fmt.Printf("WebDAV download / upload:          %8.0f / %.0f MB/s\n\n", davDown, davUp)
	return median(downs), median(ups), nil
}

func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		var zero T
		return zero
	}
	return s[len(s)/2]
}

// propfindFolder makes a folder of many entries directly in the store and
// times PROPFIND Depth 1 on it.
func propfindFolder(ctx context.Context, e *env, c *http.Client, u *schulhof.User, entries, propfinds int, davAuth func(*http.Request)) (summary, error) {
	space := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
	folder, err := e.db.CreateFolder(ctx, e.school.ID, space, 0, "Viele")
	if err != nil {
		return summary{}, err
	}
	info, err := e.blobs.Put(ctx, strings.NewReader(strings.Repeat("x", 60)), blob.PutOptions{ExpectedSize: 60})
	if err != nil {
		return summary{}, err
	}
	t0 := time.Now()
	for i := 0; i < entries; i++ {
		if _, err := e.db.PutFile(ctx, e.school.ID, space, folder.ID, fmt.Sprintf("Datei %05d.txt", i),
			schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: "text/plain"}, 10); err != nil {
			return summary{}, err
		}
	}
	fmt.Printf("(made %d entries in %s)\n", entries, time.Since(t0).Round(time.Millisecond))
	pf, err := timedPropfinds(c, e.url+"/dav/home/Viele/", propfinds, entries, davAuth)
	if err != nil {
		return summary{}, err
	}
	fmt.Printf("PROPFIND Depth 1, %d entries:   p50 %s  p99 %s  (target p99 < 250 ms)\n\n", entries, ms(pf.p50), ms(pf.p99))
	return pf, nil
}

func runtimeCPUs() int { return runtime.NumCPU() }

// login returns a bearer token.
func login(base, school, user, pw string) (string, error) {
	body, _ := json.Marshal(map[string]string{"school": school, "login": user, "password": pw})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("login: %s %v", res.Status, err)
	}
	return out.Token, nil
}

// compareRclone serves the same kind of files with rclone's WebDAV server
// and runs the same requests.
func compareRclone(c *http.Client, size, sizeMiB int64, small, parallel, entries, propfinds int, down, up, smallDAV float64, pf summary) error {
	dir, err := os.MkdirTemp("", "schulhof-bench-rclone")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "Viele"), 0o755); err != nil {
		return err
	}
	for i := 0; i < entries; i++ {
		if err := os.WriteFile(filepath.Join(dir, "Viele", fmt.Sprintf("Datei %05d.txt", i)), []byte(strings.Repeat("x", 60)), 0o644); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command("rclone", "serve", "webdav", "--addr", addr, "--user", "bench", "--pass", "bench", dir)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	auth := func(r *http.Request) { r.SetBasicAuth("bench", "bench") }
	for i := 0; ; i++ {
		req, _ := http.NewRequest("OPTIONS", base+"/", nil)
		auth(req)
		if res, err := c.Do(req); err == nil {
			res.Body.Close()
			break
		}
		if i > 100 {
			return errors.New("rclone did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
	rUp, err := timedUpload(c, "PUT", base+"/big.bin", size, auth)
	if err != nil {
		return err
	}
	rDown, err := timedDownload(c, base+"/big.bin", size, auth)
	if err != nil {
		return err
	}
	rSmall, err := smallUploads(c, small, parallel, func(i int) string { return base + "/klein-" + strconv.Itoa(i) + ".txt" }, "PUT", auth)
	if err != nil {
		return err
	}
	rPF, err := timedPropfinds(c, base+"/Viele/", propfinds, entries, auth)
	if err != nil {
		return err
	}
	fmt.Printf("side by side with rclone %s serve webdav (same machine, same run):\n", rcloneVersion())
	fmt.Printf("                          Schulhof     rclone    Schulhof/rclone\n")
	fmt.Printf("download %4d MiB       %7.0f MB/s %7.0f MB/s   %.2f\n", sizeMiB, down, rDown, down/rDown)
	fmt.Printf("upload %4d MiB         %7.0f MB/s %7.0f MB/s   %.2f\n", sizeMiB, up, rUp, up/rUp)
	fmt.Printf("%d small PUTs (WebDAV) %7.0f /s    %7.0f /s      %.2f\n", small, smallDAV, rSmall, smallDAV/rSmall)
	fmt.Printf("PROPFIND %d p99      %9s   %9s      %.2f (lower is better)\n", entries, ms(pf.p99), ms(rPF.p99), float64(pf.p99)/float64(rPF.p99))
	return nil
}

func rcloneVersion() string {
	out, err := exec.Command("rclone", "version").Output()
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimPrefix(first, "rclone ")
}

// pattern is a reader of n bytes made of a repeated random block, so a
// gigabyte costs no memory and does not compress.
type pattern struct {
	block []byte
	left  int64
	off   int
}

func newPattern(n int64) *pattern {
	b := make([]byte, 1<<20)
	rand.Read(b)
	return &pattern{block: b, left: n}
}

func (p *pattern) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n := 0
	for n < len(b) {
		c := copy(b[n:], p.block[p.off:])
		n += c
		p.off = (p.off + c) % len(p.block)
	}
	p.left -= int64(n)
	return n, nil
}

func mbps(n int64, d time.Duration) float64 { return float64(n) / 1e6 / d.Seconds() }

// loopbackThroughput sends n bytes over one TCP connection on 127.0.0.1.
func loopbackThroughput(n int64) (float64, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(conn, newPattern(n))
		conn.Close()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	t0 := time.Now()
	got, err := io.Copy(io.Discard, conn)
	if err != nil || got != n {
		return 0, fmt.Errorf("loopback: %d bytes, %v", got, err)
	}
	return mbps(n, time.Since(t0)), nil
}

// diskThroughput writes n bytes to a file in dir and fsyncs it, as the
// blob store does.
func diskThroughput(dir string, n int64) (float64, error) {
	f, err := os.CreateTemp(dir, "disk-bench-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	t0 := time.Now()
	if _, err := io.CopyBuffer(f, newPattern(n), make([]byte, 1<<20)); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return mbps(n, time.Since(t0)), nil
}

func timedUpload(c *http.Client, method, url string, n int64, auth func(*http.Request)) (float64, error) {
	req, err := http.NewRequest(method, url, newPattern(n))
	if err != nil {
		return 0, err
	}
	req.ContentLength = n
	auth(req)
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode >= 300 {
		return 0, fmt.Errorf("%s %s: %s", method, url, res.Status)
	}
	return mbps(n, time.Since(t0)), nil
}

func timedDownload(c *http.Client, url string, n int64, auth func(*http.Request)) (float64, error) {
	req, _ := http.NewRequest("GET", url, nil)
	auth(req)
	t0 := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	got, err := io.CopyBuffer(io.Discard, res.Body, make([]byte, 1<<20))
	if err != nil || got != n || res.StatusCode != 200 {
		return 0, fmt.Errorf("GET %s: %s, %d bytes, %v", url, res.Status, got, err)
	}
	return mbps(n, time.Since(t0)), nil
}

// smallUploads sends n files of 60 bytes from parallel workers.
func smallUploads(c *http.Client, n, parallel int, url func(int) string, method string, auth func(*http.Request)) (float64, error) {
	body := bytes.Repeat([]byte("Hausaufgabe "), 5) // 60 bytes
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	t0 := time.Now()
	for w := 0; w < parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, _ := http.NewRequest(method, url(i), bytes.NewReader(body))
				auth(req)
				res, err := c.Do(req)
				if err == nil {
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode >= 300 {
						err = fmt.Errorf("%s: %s", url(i), res.Status)
					}
				}
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

func timedPropfinds(c *http.Client, url string, n, entries int, auth func(*http.Request)) (summary, error) {
	var rs []result
	for i := 0; i < n+2; i++ {
		req, _ := http.NewRequest("PROPFIND", url, strings.NewReader(`<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>`))
		req.Header.Set("Depth", "1")
		req.Header.Set("Content-Type", "application/xml")
		auth(req)
		t0 := time.Now()
		res, err := c.Do(req)
		if err != nil {
			return summary{}, err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(t0)
		if res.StatusCode != 207 || bytes.Count(b, []byte("<D:response>"))+bytes.Count(b, []byte("<d:response>")) < entries {
			return summary{}, fmt.Errorf("PROPFIND %s: %s, %d responses", url, res.Status, bytes.Count(b, []byte("response>"))/2)
		}
		if i >= 2 { // the first two warm the caches
			rs = append(rs, result{status: 207, latency: d})
		}
	}
	return summarize(rs), nil
}
