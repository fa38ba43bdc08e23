package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/blob/s3test"
)

// TestS3Store: the store on a real S3 server (versitygw): a small blob
// in one PUT, a large one in parts, read from the middle, listed,
// deleted; refused uploads (too large, cut off) leave no object and no
// unfinished multipart upload; resumable uploads go on on another node;
// concurrent uploads each get their bytes.
func TestS3Store(t *testing.T) {
	cfg := s3test.Start(t)
	st, err := blob.NewS3(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	st.PartSize = 5 << 20 // S3's least
	walk := func() []blob.Key {
		var keys []blob.Key
		if err := st.Walk(ctx, func(k blob.Key, at time.Time) error {
			if time.Since(at) > time.Hour {
				t.Errorf("blob %s written at %s", k, at)
			}
			keys = append(keys, k)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return keys
	}

	for _, size := range []int{0, 1000, 5 << 20, 12<<20 + 7} {
		data := bytes.Repeat([]byte("Tafelbild!"), size/10+1)[:size]
		info, err := st.Put(ctx, bytes.NewReader(data), blob.PutOptions{ExpectedSize: int64(size)})
		if err != nil {
			t.Fatalf("put %d bytes: %v", size, err)
		}
		sum := sha256.Sum256(data)
		if info.Size != int64(size) || info.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("put %d bytes: %+v", size, info)
		}
		r, err := st.Open(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		if r.Size() != int64(size) {
			t.Fatalf("size %d, want %d", r.Size(), size)
		}
		all, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(all, data) {
			t.Fatalf("read %d bytes back: %d, %v", size, len(all), err)
		}
		if size > 0 {
			mid := int64(size / 3)
			if _, err := r.Seek(mid, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			tail, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(tail, data[mid:]) {
				t.Fatalf("read from %d: %d bytes, %v", mid, len(tail), err)
			}
		}
		r.Close()
		if keys := walk(); len(keys) != 1 || keys[0] != info.Key {
			t.Fatalf("walk: %v", keys)
		}
		deleteTwice(t, st, info.Key)
	}
	if _, err := st.Open(ctx, "../../etc/passwd"); !schulhof.Match(err, schulhof.ENotFound) {
		t.Fatalf("a key that is a path: %v", err)
	}

	// refused: larger than allowed (in one part and in many), cut off
	big := bytes.Repeat([]byte("x"), 11<<20)
	if _, err := st.Put(ctx, bytes.NewReader(big), blob.PutOptions{MaxSize: 10 << 20, ExpectedSize: -1}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("too large: %v", err)
	}
	if _, err := st.Put(ctx, bytes.NewReader(big[:2000]), blob.PutOptions{MaxSize: 1000, ExpectedSize: -1}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("too large, small: %v", err)
	}
	if _, err := st.Put(ctx, http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(big)), 6<<20), blob.PutOptions{ExpectedSize: -1}); !schulhof.Match(err, schulhof.EInvalid) {
		t.Fatalf("over the request's limit: %v", err)
	}
	if _, err := st.Put(ctx, io.MultiReader(bytes.NewReader(big[:7<<20]), errReader{}), blob.PutOptions{ExpectedSize: int64(len(big))}); !schulhof.Match(err, schulhof.EBadRequest) {
		t.Fatalf("cut off: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.Put(cancelled, bytes.NewReader(big), blob.PutOptions{ExpectedSize: -1}); err == nil {
		t.Fatal("a cancelled upload was stored")
	}
	if keys := walk(); len(keys) != 0 {
		t.Fatalf("refused uploads left %v", keys)
	}
	if err := st.SweepTemp(ctx, -time.Second); err != nil {
		t.Fatal(err)
	}

	// resumable: a piece, a wrong offset, the rest on another node
	testPartial(t, st, func() blob.Store {
		other, err := blob.NewS3(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return other
	})

	// concurrent uploads
	var wg sync.WaitGroup
	infos := make([]blob.Info, 8)
	for i := range infos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte('a' + i)}, 100_000*(i+1))
			var err error
			infos[i], err = st.Put(ctx, bytes.NewReader(data), blob.PutOptions{ExpectedSize: -1})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, info := range infos {
		r, err := st.Open(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if len(b) != 100_000*(i+1) || b[0] != byte('a'+i) {
			t.Fatalf("upload %d: %d bytes", i, len(b))
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
