package main

// schulhof-bench upload: a big upload through Schulhof beside a bare
// net/http handler that does the same work, in the same run, on the
// disk (receive, SHA-256, write, fsync) and on an S3 server (receive,
// SHA-256, a multipart upload by the SDK). The ratio is the figure: a
// virtual machine's cached disk shows no raw speed worth comparing to.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/blob/s3test"
	"github.com/schulhof/schulhof/internal/password"
)

func benchUpload(args []string) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	sizeMiB := fs.Int64("size", 1024, "MiB of the file")
	rounds := fs.Int("rounds", 3, "rounds, each Schulhof and the bare handler one after the other")
	withS3 := fs.Bool("s3", true, "also on an S3 server (versitygw, built once into the user cache)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	size := *sizeMiB << 20
	c := client(2)
	c.Timeout = 5 * time.Minute // a gigabyte to a slow disk takes longer than the others' ten seconds
	c.Transport.(*http.Transport).WriteBufferSize = 1 << 20
	fmt.Printf("machine: %d cores; %d MiB, %d rounds\n", runtimeCPUs(), *sizeMiB, *rounds)

	// on the disk
	dir, err := os.MkdirTemp("", "schulhof-bench-bare")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := compareUpload("disk", c, size, *rounds, nil, func(r io.Reader) error { return bareDisk(dir, r) }); err != nil {
		return err
	}
	if !*withS3 {
		return nil
	}

	// on S3
	s3dir, err := os.MkdirTemp("", "schulhof-bench-s3")
	if err != nil {
		return err
	}
	defer os.RemoveAll(s3dir)
	cfg, stop, err := s3test.Run(s3dir)
	if err != nil {
		return err
	}
	defer stop()
	store, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		return err
	}
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(cfg.Endpoint), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey}, nil
		}),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired})
	n := 0
	return compareUpload("S3", c, size, *rounds, store, func(r io.Reader) error {
		n++
		return bareS3(client, cfg.Bucket, fmt.Sprintf("bare/%d", n), store.PartSize, r)
	})
}

// compareUpload uploads size bytes in rounds through Schulhof (its files
// in store, or a folder) and to a bare handler that does work.
func compareUpload(where string, c *http.Client, size int64, rounds int, store blob.Store, work func(io.Reader) error) error {
	e, err := startWith("", password.NewHasher(password.Fast, 0, 0), 1, password.Hash("bench-passwort", password.Fast), store)
	if err != nil {
		return err
	}
	defer e.close()
	big := int64(200) << 30
	if _, err := e.db.UpdateSchool(context.Background(), e.school.ID, schulhof.SchoolUpdate{Quotas: map[string]int64{"student": big}}); err != nil {
		return err
	}
	u := e.users[0]
	token, err := login(e.url, e.school.Slug, u.Login, "bench-passwort")
	if err != nil {
		return err
	}
	home := fmt.Sprintf("%s/api/v1/schools/%s/spaces/user/%d", e.url, e.school.Slug, u.ID)
	bare, closeBare, err := bareServer(work)
	if err != nil {
		return err
	}
	defer closeBare()
	var ratios []float64
	for round := 1; round <= rounds; round++ {
		// who goes first alternates: the second writes while the disk
		// (or the S3 server) still flushes the first
		var ours, theirs float64
		for i := range 2 {
			var err error
			if (i+round)%2 == 1 {
				ours, err = timedUpload(c, "PUT", fmt.Sprintf("%s/files?name=gross-%d.bin", home, round), size,
					func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
			} else {
				theirs, err = timedUpload(c, "PUT", bare, size, func(*http.Request) {})
			}
			if err != nil {
				return err
			}
		}
		fmt.Printf("%s, round %d: Schulhof %5.0f MB/s, bare handler %5.0f MB/s = %3.0f %% (target >= 80 %%)\n", where, round, ours, theirs,
			100*ours/theirs)
		ratios = append(ratios, ours/theirs)
	}
	fmt.Printf("%s: median %.0f %% of the bare handler\n\n", where, 100*median(ratios))
	return nil
}

// bareServer serves PUT with work on the body, on a loopback port.
func bareServer(work func(io.Reader) error) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := work(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String() + "/datei", func() { hs.Close() }, nil
}

// bareDisk: receive, SHA-256, write, fsync.
func bareDisk(dir string, r io.Reader) error {
	f, err := os.CreateTemp(dir, "bare-*") // kept, as Schulhof keeps its: removed with dir at the end
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(f, h), r, make([]byte, 1<<20)); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	_ = hex.EncodeToString(h.Sum(nil))
	return f.Close()
}

// bareS3: receive, SHA-256, a multipart upload in parts of partSize.
func bareS3(client *s3.Client, bucket, key string, partSize int64, r io.Reader) error {
	ctx := context.Background()
	mu, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return err
	}
	h := sha256.New()
	buf := make([]byte, partSize)
	var parts []types.CompletedPart
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			num := aws.Int32(int32(len(parts) + 1))
			out, err := client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: mu.UploadId, PartNumber: num,
				Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n))})
			if err != nil {
				return err
			}
			parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: num})
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	_, err = client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: mu.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err == nil {
		client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}) // room for the next round
	}
	return err
}
