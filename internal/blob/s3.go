package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/schulhof/schulhof"
)

// S3 stores blobs in a bucket of an S3-compatible object store, for the
// nodes of a cluster, which share it:
//
//	blobs/KEY               the blobs
//	partial/ID/size         a resumable upload's announced size
//	partial/ID/OFFSET       its pieces, each stored when it arrived
//
// An object appears only when it is complete (a single PUT, or a
// multipart upload when it is completed), so no half blob is ever
// visible, whatever happens to the node that writes it. Large blobs go
// up in parts of PartSize, held in memory one at a time: the SDK signs
// what it sends, and a body it can read again is what it signs without
// TLS.
type S3 struct {
	client *s3.Client
	bucket string
	// PartSize is the size of a multipart upload's parts, and the most a
	// Put holds in memory; S3 wants 5 MiB or more
	PartSize int64
}

// S3Config names the bucket and how to reach it (SCHULHOF_S3_*).
type S3Config struct {
	Endpoint  string // http://127.0.0.1:7070, https://s3.example.org
	Region    string // "us-east-1" when empty
	Bucket    string
	AccessKey string
	SecretKey string
}

// NewS3 connects to the bucket, making it when it does not exist.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob store: S3 needs an endpoint and a bucket")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	creds := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey, Source: "schulhof"}, nil
	})
	client := s3.New(s3.Options{
		Region: cfg.Region, Credentials: creds, BaseEndpoint: aws.String(cfg.Endpoint),
		// buckets in the path: what S3-compatible servers on one host
		// understand, without a DNS name per bucket
		UsePathStyle: true,
		// checksums only where the protocol asks: the SHA-256 of every
		// blob is the store's own, and not every server knows the newer
		// trailing checksums
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	st := &S3{client: client, bucket: cfg.Bucket, PartSize: 16 << 20}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &cfg.Bucket}); err != nil {
		if !isNotFound(err) {
			return nil, fmt.Errorf("blob store: bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
		}
		if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &cfg.Bucket}); err != nil {
			return nil, fmt.Errorf("blob store: create bucket %s: %w", cfg.Bucket, err)
		}
	}
	return st, nil
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NotFound", "NoSuchKey", "NoSuchBucket", "NoSuchUpload":
			return true
		}
	}
	var nk *types.NoSuchKey
	return errors.As(err, &nk)
}

func newKey() Key {
	b := make([]byte, 16)
	rand.Read(b)
	return Key(hex.EncodeToString(b))
}

func validKey(s string) bool { return len(s) == 32 && strings.Trim(s, "0123456789abcdef") == "" }

func blobObject(k Key) string { return "blobs/" + string(k) }

// Put streams r into a new blob: one PUT when it fits into a part, a
// multipart upload otherwise (aborted when anything fails).
func (st *S3) Put(ctx context.Context, r io.Reader, opt PutOptions) (Info, error) {
	if opt.MaxSize > 0 && opt.ExpectedSize > opt.MaxSize {
		return Info{}, errTooLarge(opt.MaxSize)
	}
	key := newKey()
	h := sha256.New()
	in := &ctxReader{ctx: ctx, r: r}
	src := io.Reader(in)
	if opt.MaxSize > 0 {
		src = io.LimitReader(src, opt.MaxSize+1)
	}
	check := func(n int64, err error) error {
		switch {
		case errors.As(in.err, new(*http.MaxBytesError)):
			return errTooLarge(opt.MaxSize)
		case in.err != nil, err == nil && opt.ExpectedSize >= 0 && n < opt.ExpectedSize:
			return errCutOff
		case err != nil:
			return fmt.Errorf("blob store: read: %w", err)
		case opt.MaxSize > 0 && n > opt.MaxSize:
			return errTooLarge(opt.MaxSize)
		}
		return nil
	}
	n, err := st.upload(ctx, blobObject(key), src, h, check)
	if err != nil {
		return Info{}, err
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// PutAs writes a blob of size bytes under the key it had: a restore,
// whose database names it by that key. A blob of that key is replaced.
func (st *S3) PutAs(ctx context.Context, key Key, r io.Reader, size int64) (Info, error) {
	if !validKey(string(key)) {
		return Info{}, fmt.Errorf("blob store: %q is not a blob's key", key)
	}
	h := sha256.New()
	n, err := st.upload(ctx, blobObject(key), io.LimitReader(r, size), h, func(n int64, err error) error {
		switch {
		case err != nil:
			return fmt.Errorf("blob store: read: %w", err)
		case n != size:
			return errCutOff
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// upload writes what src gives to the object, hashing it; check sees
// the bytes read and the read's error before the object is completed
// and may refuse it.
func (st *S3) upload(ctx context.Context, object string, src io.Reader, h hash.Hash, check func(int64, error) error) (int64, error) {
	buf := make([]byte, st.PartSize)
	fill := func() (int, error) {
		n, err := io.ReadFull(src, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		} else if err == nil {
			err = errMore
		}
		h.Write(buf[:n])
		return n, err
	}
	n, err := fill()
	if err != errMore {
		// it fits into one part
		if err := check(int64(n), err); err != nil {
			return 0, err
		}
		_, err = st.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &st.bucket, Key: &object, Body: bytes.NewReader(buf[:n]),
			ContentLength: aws.Int64(int64(n))})
		if err != nil {
			return 0, fmt.Errorf("blob store: put: %w", err)
		}
		return int64(n), nil
	}
	mu, err := st.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &st.bucket, Key: &object})
	if err != nil {
		return 0, fmt.Errorf("blob store: start upload: %w", err)
	}
	done := false
	defer func() {
		if !done {
			st.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &st.bucket, Key: &object,
				UploadId: mu.UploadId})
		}
	}()
	var parts []types.CompletedPart
	total := int64(0)
	part := func(b []byte) error {
		num := int32(len(parts) + 1)
		out, err := st.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &st.bucket, Key: &object, UploadId: mu.UploadId,
			PartNumber: aws.Int32(num), Body: bytes.NewReader(b), ContentLength: aws.Int64(int64(len(b)))})
		if err != nil {
			return fmt.Errorf("blob store: upload part %d: %w", num, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		total += int64(len(b))
		return nil
	}
	for {
		if err := part(buf[:n]); err != nil {
			return 0, err
		}
		if n, err = fill(); err == errMore {
			continue // a full part; more may follow
		}
		if err := check(total+int64(n), err); err != nil {
			return 0, err
		}
		if n > 0 {
			if err := part(buf[:n]); err != nil {
				return 0, err
			}
		}
		break
	}
	if _, err := st.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &st.bucket, Key: &object,
		UploadId: mu.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		return 0, fmt.Errorf("blob store: complete upload: %w", err)
	}
	done = true
	return total, nil
}

// errMore: the part is full and more follows.
var errMore = errors.New("more")

// Open opens a blob; its bytes are fetched from where the reader is
// (HTTP Range), so a seek costs a request, not a download.
func (st *S3) Open(ctx context.Context, key Key) (Reader, error) {
	if !validKey(string(key)) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "blob.not_found")
	}
	object := blobObject(key)
	head, err := st.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &st.bucket, Key: &object})
	if isNotFound(err) {
		return nil, schulhof.Errorf(schulhof.ENotFound, "blob.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	return &s3Reader{st: st, ctx: ctx, object: object, size: aws.ToInt64(head.ContentLength)}, nil
}

type s3Reader struct {
	st     *S3
	ctx    context.Context
	object string
	size   int64
	off    int64
	body   io.ReadCloser
}

func (r *s3Reader) Size() int64 { return r.size }

func (r *s3Reader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if r.body == nil {
		out, err := r.st.client.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.st.bucket, Key: &r.object,
			Range: aws.String("bytes=" + strconv.FormatInt(r.off, 10) + "-")})
		if err != nil {
			return 0, fmt.Errorf("blob store: %w", err)
		}
		r.body = out.Body
	}
	n, err := r.body.Read(p)
	r.off += int64(n)
	if err == io.EOF && r.off < r.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (r *s3Reader) Seek(offset int64, whence int) (int64, error) {
	var to int64
	switch whence {
	case io.SeekStart:
		to = offset
	case io.SeekCurrent:
		to = r.off + offset
	case io.SeekEnd:
		to = r.size + offset
	}
	if to < 0 {
		return r.off, errors.New("blob store: seek before the start")
	}
	if to != r.off && r.body != nil {
		r.body.Close()
		r.body = nil
	}
	r.off = to
	return to, nil
}

func (r *s3Reader) Close() error {
	if r.body != nil {
		return r.body.Close()
	}
	return nil
}

// Delete removes a blob; one that is gone is not an error.
func (st *S3) Delete(ctx context.Context, key Key) error {
	if !validKey(string(key)) {
		return schulhof.Errorf(schulhof.ENotFound, "blob.not_found")
	}
	object := blobObject(key)
	if _, err := st.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &st.bucket, Key: &object}); err != nil && !isNotFound(err) {
		return fmt.Errorf("blob store: %w", err)
	}
	return nil
}

// Walk calls fn for every blob.
func (st *S3) Walk(ctx context.Context, fn func(Key, time.Time) error) error {
	return st.list(ctx, "blobs/", func(o types.Object) error {
		k := strings.TrimPrefix(aws.ToString(o.Key), "blobs/")
		if !validKey(k) {
			return nil
		}
		return fn(Key(k), aws.ToTime(o.LastModified))
	})
}

func (st *S3) list(ctx context.Context, prefix string, fn func(types.Object) error) error {
	p := s3.NewListObjectsV2Paginator(st.client, &s3.ListObjectsV2Input{Bucket: &st.bucket, Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("blob store: list: %w", err)
		}
		for _, o := range page.Contents {
			if err := fn(o); err != nil {
				return err
			}
		}
	}
	return nil
}

// Resumable uploads: each append is stored as a piece of its own before
// its new offset is reported, so that a client resumes from bytes that
// are really there, on any node. Finishing streams the pieces, in order,
// into the blob.

func partialPrefix(id string) (string, error) {
	if !validKey(id) {
		return "", schulhof.Errorf(schulhof.ENotFound, "upload.not_found")
	}
	return "partial/" + id + "/", nil
}

// CreatePartial starts a resumable upload of size bytes.
func (st *S3) CreatePartial(ctx context.Context, size int64) (string, error) {
	id := string(newKey())
	p, _ := partialPrefix(id)
	_, err := st.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &st.bucket, Key: aws.String(p + "size"),
		Body: strings.NewReader(strconv.FormatInt(size, 10))})
	if err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	return id, nil
}

type piece struct {
	object string
	off    int64
	size   int64
}

// partialState is the announced size and the pieces so far, in order.
func (st *S3) partialState(ctx context.Context, id string) (size int64, pieces []piece, err error) {
	p, err := partialPrefix(id)
	if err != nil {
		return 0, nil, err
	}
	found := false
	err = st.list(ctx, p, func(o types.Object) error {
		name := strings.TrimPrefix(aws.ToString(o.Key), p)
		if name == "size" {
			found = true
			return nil
		}
		off, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			return nil
		}
		pieces = append(pieces, piece{object: aws.ToString(o.Key), off: off, size: aws.ToInt64(o.Size)})
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return 0, nil, schulhof.Errorf(schulhof.ENotFound, "upload.not_found")
	}
	out, err := st.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &st.bucket, Key: aws.String(p + "size")})
	if err != nil {
		return 0, nil, fmt.Errorf("blob store: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(out.Body, 32))
	out.Body.Close()
	if err != nil {
		return 0, nil, fmt.Errorf("blob store: %w", err)
	}
	if size, err = strconv.ParseInt(string(b), 10, 64); err != nil {
		return 0, nil, fmt.Errorf("blob store: bad size of %s", id)
	}
	sort.Slice(pieces, func(i, j int) bool { return pieces[i].off < pieces[j].off })
	// only the pieces that follow each other count: a piece written by a
	// request whose answer was lost, then written again, is the same
	var have int64
	var out2 []piece
	for _, pc := range pieces {
		if pc.off == have {
			out2 = append(out2, pc)
			have += pc.size
		}
	}
	return size, out2, nil
}

func offsetOf(pieces []piece) int64 {
	if len(pieces) == 0 {
		return 0
	}
	last := pieces[len(pieces)-1]
	return last.off + last.size
}

// PartialOffset returns how many bytes of the upload are stored.
func (st *S3) PartialOffset(ctx context.Context, id string) (int64, error) {
	_, pieces, err := st.partialState(ctx, id)
	return offsetOf(pieces), err
}

// AppendPartial stores the bytes after offset, as pieces of at most
// PartSize. A connection that breaks off keeps the pieces stored.
func (st *S3) AppendPartial(ctx context.Context, id string, offset int64, r io.Reader) (int64, error) {
	size, pieces, err := st.partialState(ctx, id)
	if err != nil {
		return 0, err
	}
	have := offsetOf(pieces)
	if offset != have {
		return have, schulhof.Errorf(schulhof.EConflict, "upload.offset_mismatch", have)
	}
	p, _ := partialPrefix(id)
	in := io.LimitReader(&ctxReader{ctx: ctx, r: r}, size-have+1)
	buf := make([]byte, min(st.PartSize, size-have+1))
	for {
		n, rerr := io.ReadFull(in, buf)
		if n > 0 {
			keep := int64(n)
			over := have+keep > size
			if over {
				keep = size - have
			}
			if keep > 0 {
				_, err := st.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &st.bucket,
					Key: aws.String(p + fmt.Sprintf("%020d", have)), Body: bytes.NewReader(buf[:keep]), ContentLength: aws.Int64(keep)})
				if err != nil {
					return have, fmt.Errorf("blob store: %w", err)
				}
				have += keep
			}
			if over {
				return size, errTooLarge(size)
			}
		}
		if rerr != nil {
			// the end, or a broken connection: what arrived is kept
			return have, nil
		}
	}
}

// FinishPartial makes a complete upload a blob.
func (st *S3) FinishPartial(ctx context.Context, id string) (Info, error) {
	size, pieces, err := st.partialState(ctx, id)
	if err != nil {
		return Info{}, err
	}
	if have := offsetOf(pieces); have != size {
		return Info{}, schulhof.Errorf(schulhof.EInvalid, "upload.incomplete", have, size)
	}
	readers := make([]io.Reader, len(pieces))
	for i, pc := range pieces {
		readers[i] = &lazyObject{st: st, ctx: ctx, object: pc.object}
	}
	key := newKey()
	h := sha256.New()
	n, err := st.upload(ctx, blobObject(key), io.MultiReader(readers...), h, func(n int64, err error) error {
		if err == nil && n != size {
			err = fmt.Errorf("%d bytes of %d", n, size)
		}
		return err
	})
	if err != nil {
		return Info{}, err
	}
	st.DeletePartial(ctx, id)
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// lazyObject reads an object, fetched on the first read.
type lazyObject struct {
	st     *S3
	ctx    context.Context
	object string
	body   io.ReadCloser
}

func (l *lazyObject) Read(p []byte) (int, error) {
	if l.body == nil {
		out, err := l.st.client.GetObject(l.ctx, &s3.GetObjectInput{Bucket: &l.st.bucket, Key: &l.object})
		if err != nil {
			return 0, err
		}
		l.body = out.Body
	}
	n, err := l.body.Read(p)
	if err == io.EOF {
		l.body.Close()
	}
	return n, err
}

// DeletePartial drops an upload; one that is gone is not an error.
func (st *S3) DeletePartial(ctx context.Context, id string) error {
	p, err := partialPrefix(id)
	if err != nil {
		return err
	}
	var objects []string
	if err := st.list(ctx, p, func(o types.Object) error { objects = append(objects, aws.ToString(o.Key)); return nil }); err != nil {
		return err
	}
	return st.deleteAll(ctx, objects)
}

func (st *S3) deleteAll(ctx context.Context, objects []string) error {
	for _, o := range objects {
		if _, err := st.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &st.bucket, Key: aws.String(o)}); err != nil && !isNotFound(err) {
			return fmt.Errorf("blob store: %w", err)
		}
	}
	return nil
}

// SweepTemp aborts multipart uploads older than age (a node that died
// while writing a blob); resumable uploads are the housekeeping's, by
// their rows.
func (st *S3) SweepTemp(ctx context.Context, age time.Duration) error {
	p := s3.NewListMultipartUploadsPaginator(st.client, &s3.ListMultipartUploadsInput{Bucket: &st.bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("blob store: list uploads: %w", err)
		}
		for _, u := range page.Uploads {
			if time.Since(aws.ToTime(u.Initiated)) > age {
				st.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &st.bucket, Key: u.Key, UploadId: u.UploadId})
			}
		}
	}
	return nil
}
