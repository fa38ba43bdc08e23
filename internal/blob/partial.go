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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/schulhof/schulhof"
)

// Resumable uploads on disk: the bytes so far in partial/ID, the
// announced size in partial/ID.size. Every append is fsynced before its
// new offset is reported, so a client that resumes after a crash of the
// server resumes from bytes that are really there. Callers serialise
// appends to one upload (the web layer holds a lock per upload).

func (d *Disk) partialPath(id string) (string, error) {
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", schulhof.Errorf(schulhof.ENotFound, "upload.not_found")
	}
	return filepath.Join(d.dir, "partial", id), nil
}

// CreatePartial starts a resumable upload of size bytes.
func (d *Disk) CreatePartial(ctx context.Context, size int64) (string, error) {
	if free, err := d.Free(); err == nil && free >= 0 && size > free-d.Reserve {
		return "", errFull
	}
	b := make([]byte, 16)
	rand.Read(b)
	id := hex.EncodeToString(b)
	p, _ := d.partialPath(id)
	if err := writeSynced(p+".size", []byte(strconv.FormatInt(size, 10))); err != nil {
		return "", err
	}
	if err := writeSynced(p, nil); err != nil {
		os.Remove(p + ".size")
		return "", err
	}
	return id, syncDir(filepath.Dir(p))
}

func writeSynced(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("blob store: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("blob store: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("blob store: %w", err)
	}
	return f.Close()
}

// partialState is the announced size and the bytes so far.
func (d *Disk) partialState(id string) (path string, size, offset int64, err error) {
	p, err := d.partialPath(id)
	if err != nil {
		return "", 0, 0, err
	}
	b, err := os.ReadFile(p + ".size")
	if errors.Is(err, fs.ErrNotExist) {
		return "", 0, 0, schulhof.Errorf(schulhof.ENotFound, "upload.not_found")
	}
	if err != nil {
		return "", 0, 0, fmt.Errorf("blob store: %w", err)
	}
	size, err = strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return "", 0, 0, fmt.Errorf("blob store: bad size of %s", id)
	}
	st, err := os.Stat(p)
	if err != nil {
		return "", 0, 0, fmt.Errorf("blob store: %w", err)
	}
	return p, size, st.Size(), nil
}

// PartialOffset returns how many bytes of the upload are stored.
func (d *Disk) PartialOffset(ctx context.Context, id string) (int64, error) {
	_, _, off, err := d.partialState(id)
	return off, err
}

// AppendPartial adds the bytes after offset. A connection that breaks
// off keeps what arrived: the client asks for the offset and goes on.
func (d *Disk) AppendPartial(ctx context.Context, id string, offset int64, r io.Reader) (int64, error) {
	p, size, have, err := d.partialState(id)
	if err != nil {
		return 0, err
	}
	if offset != have {
		return have, schulhof.Errorf(schulhof.EConflict, "upload.offset_mismatch", have)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return have, fmt.Errorf("blob store: %w", err)
	}
	defer f.Close()
	n, copyErr := io.Copy(f, io.LimitReader(&ctxReader{ctx: ctx, r: r}, size-have+1))
	if have+n > size {
		// more than announced: keep what fits, refuse the rest
		f.Truncate(size)
		f.Sync()
		return size, errTooLarge(size)
	}
	if err := f.Sync(); err != nil {
		return have, fmt.Errorf("blob store: sync: %w", err)
	}
	if errors.Is(copyErr, syscall.ENOSPC) {
		return have + n, errFull
	}
	// a broken connection is not an error of the upload: what arrived is
	// kept and reported
	return have + n, nil
}

// FinishPartial makes a complete upload a blob: hashed, renamed into
// place, its folder fsynced.
func (d *Disk) FinishPartial(ctx context.Context, id string) (Info, error) {
	p, size, have, err := d.partialState(id)
	if err != nil {
		return Info{}, err
	}
	if have != size {
		return Info{}, schulhof.Errorf(schulhof.EInvalid, "upload.incomplete", have, size)
	}
	f, err := os.Open(p)
	if err != nil {
		return Info{}, fmt.Errorf("blob store: %w", err)
	}
	h := sha256.New()
	_, err = io.Copy(h, &ctxReader{ctx: ctx, r: f})
	f.Close()
	if err != nil {
		return Info{}, fmt.Errorf("blob store: hash: %w", err)
	}
	b := make([]byte, 16)
	rand.Read(b)
	key := Key(hex.EncodeToString(b))
	final, _ := d.path(key)
	if err := d.mkdirs(filepath.Dir(final)); err != nil {
		return Info{}, err
	}
	if err := os.Rename(p, final); err != nil {
		return Info{}, fmt.Errorf("blob store: rename: %w", err)
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return Info{}, err
	}
	os.Remove(p + ".size")
	return Info{Key: key, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// DeletePartial drops an upload; one that is gone is not an error.
func (d *Disk) DeletePartial(ctx context.Context, id string) error {
	p, err := d.partialPath(id)
	if err != nil {
		return err
	}
	for _, q := range []string{p, p + ".size"} {
		if err := os.Remove(q); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob store: %w", err)
		}
	}
	return nil
}
