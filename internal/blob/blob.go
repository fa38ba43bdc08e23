// Package blob keeps the bytes of files: learning materials, hand-ins,
// Tafelbilder. Metadata (names, folders, owners) lives in the database;
// a blob is only bytes under a random key, visible to users once the
// database row that names it commits.
//
// The interface is small so that an S3-compatible store can implement it
// for the scale-out deployment: Put streams and returns the key, size and
// SHA-256; Open reads with seeking (HTTP Range); Delete and Walk let a
// sweeper remove blobs that no row names (an upload whose transaction
// never committed).
package blob

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/schulhof/schulhof"
)

// Key names a blob. It is random, not derived from the content, so that
// deleting one file can never remove the bytes of another.
type Key string

// Info describes a stored blob.
type Info struct {
	Key    Key
	Size   int64
	SHA256 string // hex
}

// PutOptions bound a write.
type PutOptions struct {
	// MaxSize refuses a stream longer than this (quota, upload limit);
	// 0 means no limit.
	MaxSize int64
	// ExpectedSize is the announced length (Content-Length), or -1. A store
	// refuses it at once when the disk could not hold it.
	ExpectedSize int64
}

// Store keeps blobs.
//
// Errors: EInvalid (key "upload.too_large") when the stream exceeds MaxSize;
// EBadRequest (key "upload.cut_off") when reading the stream fails or it
// ends before ExpectedSize;
// EUnavailable (key "storage.full") when there is no room; ENotFound from
// Open for an unknown key.
type Store interface {
	Put(ctx context.Context, r io.Reader, opt PutOptions) (Info, error)
	Open(ctx context.Context, key Key) (Reader, error)
	Delete(ctx context.Context, key Key) error
	// Walk calls fn for every blob with the time it was written.
	Walk(ctx context.Context, fn func(key Key, written time.Time) error) error

	// Partial uploads arrive in pieces, over several requests and across
	// restarts of the server (an iPad on school Wi-Fi uploading a lesson
	// video). An S3 store maps them to multipart uploads.
	//
	// CreatePartial starts one of the announced size; AppendPartial adds
	// the bytes that follow offset (which must be what arrived so far),
	// stores them durably and returns the new offset; FinishPartial turns
	// a complete one into a blob; DeletePartial drops one.
	// Errors: ENotFound for an unknown id; EConflict (key
	// "upload.offset_mismatch") for a wrong offset; EInvalid for more bytes
	// than announced or finishing an incomplete one.
	CreatePartial(ctx context.Context, size int64) (string, error)
	AppendPartial(ctx context.Context, id string, offset int64, r io.Reader) (int64, error)
	PartialOffset(ctx context.Context, id string) (int64, error)
	FinishPartial(ctx context.Context, id string) (Info, error)
	DeletePartial(ctx context.Context, id string) error

	// SweepTemp removes what writes that never finished (a crash, a
	// killed process) left behind and that is older than age: no running
	// write is that old.
	SweepTemp(ctx context.Context, age time.Duration) error
}

// Reader reads one blob.
type Reader interface {
	io.ReadSeekCloser
	Size() int64
}

var (
	errTooLarge = func(max int64) error {
		return &schulhof.Error{Code: schulhof.EInvalid, Key: "upload.too_large", Args: []any{FormatSize(max)}}
	}
	errCutOff = &schulhof.Error{Code: schulhof.EBadRequest, Key: "upload.cut_off"}
	errFull   = &schulhof.Error{Code: schulhof.EUnavailable, Key: "storage.full", RetryAfter: 60}
)

// FormatSize writes a size the way people read it: 700 Bytes, 12 KB,
// 3 MB, 2 GB, rounded to whole units (limits are round numbers).
func FormatSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d Bytes", n)
	}
	const units = "KMGT"
	v, i := float64(n)/1024, 0
	for v >= 1024 && i < len(units)-1 {
		v, i = v/1024, i+1
	}
	return fmt.Sprintf("%.0f %cB", math.Round(v), units[i])
}
