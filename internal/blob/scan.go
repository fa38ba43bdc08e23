package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	"github.com/schulhof/schulhof"
)

// Scanner checks new bytes before any row names them, so that a file a
// virus scanner refuses never becomes visible. Scan returns EInvalid
// (key "upload.infected") for refused content and any other error when
// it could not decide; both refuse the upload.
type Scanner interface {
	Scan(ctx context.Context, r io.Reader) error
}

// WithScanner returns the store with every new blob (Put, FinishPartial)
// scanned; a refused one is deleted at once.
func WithScanner(s Store, sc Scanner) Store { return &scanned{Store: s, sc: sc} }

type scanned struct {
	Store
	sc Scanner
}

func (s *scanned) check(ctx context.Context, info Info, err error) (Info, error) {
	if err != nil {
		return info, err
	}
	r, err := s.Store.Open(ctx, info.Key)
	if err == nil {
		err = s.sc.Scan(ctx, r)
		r.Close()
	}
	if err != nil {
		s.Store.Delete(ctx, info.Key)
		if schulhof.Match(err, schulhof.EInvalid) {
			return Info{}, err
		}
		return Info{}, &schulhof.Error{Code: schulhof.EUnavailable, Key: "scan.failed", RetryAfter: 60, Err: err}
	}
	return info, nil
}

func (s *scanned) Put(ctx context.Context, r io.Reader, opt PutOptions) (Info, error) {
	info, err := s.Store.Put(ctx, r, opt)
	return s.check(ctx, info, err)
}

func (s *scanned) FinishPartial(ctx context.Context, id string) (Info, error) {
	info, err := s.Store.FinishPartial(ctx, id)
	return s.check(ctx, info, err)
}

// CommandScanner runs a program with the bytes on its standard input:
// exit status 0 is clean, 1 is refused (the convention of ClamAV's
// "clamdscan --no-summary -"), anything else an error.
type CommandScanner struct {
	Argv []string
}

// Scan runs the command.
func (c CommandScanner) Scan(ctx context.Context, r io.Reader) error {
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Stdin = r
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return schulhof.Errorf(schulhof.EInvalid, "upload.infected")
	}
	return fmt.Errorf("scan with %s: %w: %s", c.Argv[0], err, strings.TrimSpace(out.String()))
}
