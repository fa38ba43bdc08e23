package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/schulhof/schulhof"
)

// Disk stores blobs as files below a directory:
//
//	DIR/blobs/ab/cd/abcd...   the blobs, sharded so no folder grows huge
//	DIR/tmp/                  uploads being written
//	DIR/partial/ID            resumable uploads, with ID.size beside
//
// A blob is written to tmp, fsynced, renamed into place and its folder
// fsynced: after Put returns it survives a power cut, and until then no
// half file exists under blobs/. Whatever a crash leaves in tmp is removed
// the next time the store opens.
type Disk struct {
	dir string
	// made remembers shard folders that exist, sparing a system call per
	// upload (65,536 entries at most)
	made sync.Map
	// Reserve is the free space Put always leaves on the disk, so that a
	// big upload cannot stop the database from writing.
	Reserve int64
}

// NewDisk opens (and creates) the store below dir and removes temporary
// files older than an hour, which no running upload can own.
func NewDisk(dir string) (*Disk, error) {
	d := &Disk{dir: dir, Reserve: 512 << 20}
	for _, sub := range []string{"blobs", "tmp", "partial"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o750); err != nil {
			return nil, fmt.Errorf("blob store: %w", err)
		}
	}
	if err := d.SweepTemp(context.Background(), time.Hour); err != nil {
		return nil, err
	}
	return d, nil
}

// SweepTemp removes temporary files of uploads older than age. The server
// calls it in its housekeeping, so that what a crash left does not wait
// for the next start.
func (d *Disk) SweepTemp(_ context.Context, olderThan time.Duration) error {
	entries, err := os.ReadDir(filepath.Join(d.dir, "tmp"))
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && time.Since(info.ModTime()) > olderThan {
			os.Remove(filepath.Join(d.dir, "tmp", e.Name()))
		}
	}
	return nil
}

func (d *Disk) path(k Key) (string, error) {
	name, err := ArchiveName(k)
	if err != nil {
		return "", err
	}
	return filepath.Join(d.dir, filepath.FromSlash(name)), nil
}

// ArchiveName is where a blob lies below the disk store's folder
// (blobs/ab/cd/abcd…, with slashes): the name a backup gives it,
// wherever it is kept.
func ArchiveName(k Key) (string, error) {
	s := string(k)
	if !validKey(s) {
		return "", schulhof.Errorf(schulhof.ENotFound, "blob.not_found")
	}
	return "blobs/" + s[:2] + "/" + s[2:4] + "/" + s, nil
}

// KeyOfArchiveName is the blob an ArchiveName names; false for any other
// name (the disk's marker files).
func KeyOfArchiveName(name string) (Key, bool) {
	k := Key(path.Base(name))
	if want, err := ArchiveName(k); err != nil || want != name {
		return "", false
	}
	return k, true
}

// Put streams r into a new blob.
func (d *Disk) Put(ctx context.Context, r io.Reader, opt PutOptions) (Info, error) {
	if opt.MaxSize > 0 && opt.ExpectedSize > opt.MaxSize {
		return Info{}, errTooLarge(opt.MaxSize)
	}
	if opt.ExpectedSize > 1<<20 { // the reserve covers small files; spare the system call
		if free, err := d.Free(); err == nil && free >= 0 && opt.ExpectedSize > free-d.Reserve {
			return Info{}, errFull
		}
	}
	b := make([]byte, 16)
	rand.Read(b)
	key := Key(hex.EncodeToString(b))
	final, _ := d.path(key)
	tmp, err := os.CreateTemp(filepath.Join(d.dir, "tmp"), "upload-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob store: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	in := &ctxReader{ctx: ctx, r: r}
	src := io.Reader(in)
	if opt.MaxSize > 0 {
		src = io.LimitReader(src, opt.MaxSize+1)
	}
	n, err := copyHashed(tmp, h, src)
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return Info{}, errFull
	case errors.As(in.err, new(*http.MaxBytesError)):
		return Info{}, errTooLarge(opt.MaxSize)
	case in.err != nil, err == nil && opt.ExpectedSize >= 0 && n < opt.ExpectedSize:
		// the client's fault, not the server's: a connection cut off
		// mid-file, or a body shorter than its Content-Length
		return Info{}, errCutOff
	case err != nil:
		return Info{}, fmt.Errorf("blob store: write: %w", err)
	case opt.MaxSize > 0 && n > opt.MaxSize:
		return Info{}, errTooLarge(opt.MaxSize)
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob store: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blob store: close: %w", err)
	}
	if err := d.mkdirs(filepath.Dir(final)); err != nil {
		return Info{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Info{}, fmt.Errorf("blob store: rename: %w", err)
	}
	ok = true
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Info{}, err
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// copyHashed copies src to the file and the hash in pieces of a
// megabyte. (Hashing in a second goroutine while the next piece is
// written was measured three times slower on two cores: the write's
// system call and the hash kept handing the cores back and forth.)
func copyHashed(dst io.Writer, h io.Writer, src io.Reader) (int64, error) {
	buf := piecePool.Get().(*[]byte)
	defer piecePool.Put(buf)
	return io.CopyBuffer(io.MultiWriter(dst, h), src, *buf)
}

// piecePool keeps copyHashed's buffers: allocating a megabyte for every
// 60-byte upload costs more than the upload.
var piecePool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// mkdirs makes a shard folder once; a new one is made durable in its
// parent, so that a blob renamed into it survives a power cut.
func (d *Disk) mkdirs(dir string) error {
	if _, ok := d.made.Load(dir); ok {
		return nil
	}
	if _, err := os.Stat(dir); err != nil {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("blob store: %w", err)
		}
		if err := syncDir(filepath.Dir(dir)); err != nil {
			return err
		}
		if err := syncDir(filepath.Dir(filepath.Dir(dir))); err != nil {
			return err
		}
	}
	d.made.Store(dir, true)
	return nil
}

// shardFan is how many shard folders PrepareShards makes per level; the
// tests make fewer.
var shardFan = 256

// PrepareShards makes all 65,536 shard folders once (a few seconds on the
// first start), so that uploads do not make them one by one. Uploads
// running meanwhile make what they need themselves.
func (d *Disk) PrepareShards(ctx context.Context) error {
	marker := filepath.Join(d.dir, "blobs", ".shards")
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	for a := 0; a < shardFan; a++ {
		for b := 0; b < shardFan; b++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			dir := filepath.Join(d.dir, "blobs", fmt.Sprintf("%02x", a), fmt.Sprintf("%02x", b))
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return fmt.Errorf("blob store: %w", err)
			}
			d.made.Store(dir, true)
		}
		if err := syncDir(filepath.Join(d.dir, "blobs", fmt.Sprintf("%02x", a))); err != nil {
			return err
		}
	}
	if err := syncDir(filepath.Join(d.dir, "blobs")); err != nil {
		return err
	}
	return writeSynced(marker, nil)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob store: sync folder: %w", err)
	}
	return nil
}

// ctxReader stops a copy when the request is cancelled (the client went
// away), so that the half upload is removed at once.
// ctxReader stops reading when ctx ends, and keeps the error of the
// reader it reads (not of the file it is copied to).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

type diskReader struct {
	*os.File
	size int64
}

func (r diskReader) Size() int64 { return r.size }

// Open opens a blob for reading.
func (d *Disk) Open(ctx context.Context, key Key) (Reader, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "blob.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return diskReader{File: f, size: st.Size()}, nil
}

// Delete removes a blob; removing one that is gone is not an error, so
// that a sweeper can retry.
func (d *Disk) Delete(ctx context.Context, key Key) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob store: %w", err)
	}
	return nil
}

// Walk calls fn for every blob.
func (d *Disk) Walk(ctx context.Context, fn func(Key, time.Time) error) error {
	return filepath.WalkDir(filepath.Join(d.dir, "blobs"), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return ctx.Err()
		}
		if strings.HasPrefix(e.Name(), ".") {
			return nil // the shard marker
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		return fn(Key(e.Name()), info.ModTime())
	})
}
