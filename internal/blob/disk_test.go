package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
)

var ctx = context.Background()

func mustDisk(t *testing.T) (*blob.Disk, string) {
	t.Helper()
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Reserve = 0
	return d, dir
}

func tempFiles(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func TestPutOpenDelete(t *testing.T) {
	d, dir := mustDisk(t)
	data := bytes.Repeat([]byte("Tafelbild "), 100_000)
	info, err := d.Put(ctx, bytes.NewReader(data), blob.PutOptions{ExpectedSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if info.Size != int64(len(data)) || info.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("info %+v", info)
	}
	r, err := d.Open(ctx, info.Key)
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != int64(len(data)) {
		t.Fatal(r.Size())
	}
	r.Seek(500_000, io.SeekStart)
	tail, _ := io.ReadAll(r)
	r.Close()
	if !bytes.Equal(tail, data[500_000:]) {
		t.Fatal("seek and read returned other bytes")
	}
	var keys []blob.Key
	d.Walk(ctx, func(k blob.Key, _ time.Time) error { keys = append(keys, k); return nil })
	if len(keys) != 1 || keys[0] != info.Key {
		t.Fatalf("walk %v", keys)
	}
	deleteTwice(t, d, info.Key)
	if tempFiles(t, dir) != 0 {
		t.Fatal("temporary file left")
	}
}

func TestKeysCannotEscape(t *testing.T) {
	d, _ := mustDisk(t)
	for _, k := range []blob.Key{"../../etc/passwd", "", "ABCDEF0123456789abcdef0123456789", blob.Key(strings.Repeat("a", 31) + "/")} {
		if _, err := d.Open(ctx, k); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("%q: %v", k, err)
		}
		if err := d.Delete(ctx, k); !schulhof.Match(err, schulhof.ENotFound) {
			t.Errorf("delete %q: %v", k, err)
		}
	}
}

func TestTooLargeIsRefusedAndLeavesNothing(t *testing.T) {
	d, dir := mustDisk(t)
	// announced too large: refused before a byte is written
	if _, err := d.Put(ctx, strings.NewReader("x"), blob.PutOptions{MaxSize: 10, ExpectedSize: 11}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("announced: %v", err)
	}
	// not announced, longer than allowed: stopped after MaxSize+1 bytes
	src := &countingReader{n: 1 << 30}
	if _, err := d.Put(ctx, src, blob.PutOptions{MaxSize: 1 << 20, ExpectedSize: -1}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("streamed: %v", err)
	}
	if src.read > 2<<20 {
		t.Fatalf("read %d bytes of an upload limited to 1 MiB", src.read)
	}
	if tempFiles(t, dir) != 0 {
		t.Fatal("temporary file left")
	}
	// more than the disk holds: refused at once
	if _, err := d.Put(ctx, strings.NewReader("x"), blob.PutOptions{ExpectedSize: 1 << 62}); !schulhof.Match(err, schulhof.EUnavailable) {
		t.Fatalf("disk full: %v", err)
	}
}

type countingReader struct{ n, read int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.read >= c.n {
		return 0, io.EOF
	}
	n := min(int64(len(p)), c.n-c.read)
	c.read += n
	return int(n), nil
}

// A client that goes away mid-upload leaves no file behind.
func TestCancelledUploadLeavesNothing(t *testing.T) {
	d, dir := mustDisk(t)
	cctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(make([]byte, 1<<20))
		cancel()
		pw.Write(make([]byte, 1<<20))
		pw.Close()
	}()
	_, err := d.Put(cctx, pr, blob.PutOptions{ExpectedSize: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if tempFiles(t, dir) != 0 {
		t.Fatal("temporary file left")
	}
	n := 0
	d.Walk(ctx, func(blob.Key, time.Time) error { n++; return nil })
	if n != 0 {
		t.Fatal("a cancelled upload became a blob")
	}
}

// What a crash leaves in tmp is removed when the store opens again, once
// it is old enough that no running upload can own it.
func TestStaleTempFilesAreRemoved(t *testing.T) {
	_, dir := mustDisk(t)
	stale := filepath.Join(dir, "tmp", "upload-123")
	fresh := filepath.Join(dir, "tmp", "upload-456")
	os.WriteFile(stale, []byte("half"), 0o600)
	os.WriteFile(fresh, []byte("busy"), 0o600)
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := blob.NewDisk(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("stale temp file kept")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("a running upload's temp file was removed")
	}
}

func TestConcurrentPuts(t *testing.T) {
	d, _ := mustDisk(t)
	var wg sync.WaitGroup
	keys := make([]blob.Key, 50)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info, err := d.Put(ctx, strings.NewReader(strings.Repeat("x", i)), blob.PutOptions{ExpectedSize: -1})
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = info.Key
		}()
	}
	wg.Wait()
	for i, k := range keys {
		r, err := d.Open(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != int64(i) {
			t.Fatalf("blob %d has %d bytes", i, r.Size())
		}
		r.Close()
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 Bytes", 700: "700 Bytes", 1024: "1 KB", 1500: "1 KB", 5 << 20: "5 MB", 3 << 30: "3 GB", (1 << 30) + 1: "1 GB"} {
		if got := blob.FormatSize(n); got != want {
			t.Errorf("%d: %q, want %q", n, got, want)
		}
	}
}

func TestPartialUpload(t *testing.T) {
	dir := t.TempDir()
	d, err := blob.NewDisk(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Reserve = 0
	// a store opened again (a restart) goes on where the bytes end
	testPartial(t, d, func() blob.Store {
		d2, err := blob.NewDisk(dir)
		if err != nil {
			t.Fatal(err)
		}
		return d2
	})
}

// deleteTwice deletes a blob, and again (a sweeper retries), and finds
// it gone.
func deleteTwice(t *testing.T, st blob.Store, key blob.Key) {
	t.Helper()
	if err := st.Delete(ctx, key); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, key); err != nil {
		t.Fatal("deleting twice must be fine:", err)
	}
	if _, err := st.Open(ctx, key); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("deleted blob: %v", err)
	}
}

// testPartial: a resumable upload's piece, a wrong offset, finishing too
// early; then on the store again (after a restart, or on another node):
// the offset where the bytes end, more bytes than announced refused,
// the file; a finished and a deleted upload are gone.
func testPartial(t *testing.T, st blob.Store, again func() blob.Store) {
	t.Helper()
	id, err := st.CreatePartial(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if off, err := st.AppendPartial(ctx, id, 0, strings.NewReader("01234")); err != nil || off != 5 {
		t.Fatalf("first piece: %d %v", off, err)
	}
	if off, err := st.AppendPartial(ctx, id, 3, strings.NewReader("xx")); !schulhof.Match(err, schulhof.EConflict) || off != 5 {
		t.Fatalf("wrong offset: %d %v", off, err)
	}
	if _, err := st.FinishPartial(ctx, id); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("finish incomplete: %v", err)
	}
	st2 := again()
	if off, err := st2.PartialOffset(ctx, id); err != nil || off != 5 {
		t.Fatalf("again: %d %v", off, err)
	}
	if off, err := st2.AppendPartial(ctx, id, 5, strings.NewReader("56789!")); !schulhof.Match(err, schulhof.EInvalid) || off != 10 {
		t.Fatalf("too many bytes: %d %v", off, err)
	}
	info, err := st2.FinishPartial(ctx, id)
	if err != nil || info.Size != 10 || info.SHA256 != "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882" {
		t.Fatalf("finish: %+v %v", info, err)
	}
	r, err := st2.Open(ctx, info.Key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "0123456789" {
		t.Fatalf("content %q", b)
	}
	if _, err := st2.PartialOffset(ctx, id); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("finished upload still there: %v", err)
	}
	if _, err := st2.PartialOffset(ctx, "../../etc/passwd"); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("path in id: %v", err)
	}
	id2, _ := st2.CreatePartial(ctx, 3)
	if err := st2.DeletePartial(ctx, id2); err != nil {
		t.Fatal(err)
	}
	if _, err := st2.PartialOffset(ctx, id2); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("deleted upload: %v", err)
	}
	st2.Delete(ctx, info.Key)
}

func TestScanner(t *testing.T) {
	d, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d.Reserve = 0
	// a stand-in for clamdscan: refuses what contains the EICAR marker
	s := blob.WithScanner(d, blob.CommandScanner{Argv: []string{"sh", "-c", "if grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE; then exit 1; fi"}})
	if _, err := s.Put(ctx, strings.NewReader("Hausaufgabe"), blob.PutOptions{ExpectedSize: -1}); err != nil {
		t.Fatalf("clean file: %v", err)
	}
	_, err = s.Put(ctx, strings.NewReader(`X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*`), blob.PutOptions{ExpectedSize: -1})
	if !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("infected file: %v", err)
	}
	id, _ := s.CreatePartial(ctx, 5)
	s.AppendPartial(ctx, id, 0, strings.NewReader("EICAR"))
	if _, err := s.FinishPartial(ctx, id); err != nil {
		t.Fatalf("partial without the whole marker: %v", err)
	}
	broken := blob.WithScanner(d, blob.CommandScanner{Argv: []string{"sh", "-c", "exit 2"}})
	if _, err := broken.Put(ctx, strings.NewReader("x"), blob.PutOptions{ExpectedSize: -1}); !schulhof.Match(err, schulhof.EUnavailable) {
		t.Fatalf("scanner failing: %v", err)
	}
	n := 0
	d.Walk(ctx, func(blob.Key, time.Time) error { n++; return nil })
	if n != 2 {
		t.Fatalf("%d blobs kept, want the 2 clean ones", n)
	}
}

func TestPrepareShards(t *testing.T) {
	defer blob.SetShardFan(16)()
	d, dir := mustDisk(t)
	if err := d.PrepareShards(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(filepath.Join(dir, "blobs", "0f", "00")); err != nil || !st.IsDir() {
		t.Fatalf("shard folder: %v", err)
	}
	if err := d.PrepareShards(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := d.Put(ctx, strings.NewReader("x"), blob.PutOptions{ExpectedSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var keys []blob.Key
	d.Walk(ctx, func(k blob.Key, _ time.Time) error { keys = append(keys, k); return nil })
	if len(keys) != 1 || keys[0] != info.Key {
		t.Fatalf("walk: %v (the marker is no blob)", keys)
	}
}
