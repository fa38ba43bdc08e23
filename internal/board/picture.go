package board

import (
	"bufio"
	"bytes"
	"errors"
	"image"
	"image/draw"
	_ "image/gif" // the pictures teachers put on boards
	"image/jpeg"
	"image/png"
	"io"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Pictures on a board: what a browser shows is the upload; what exports
// draw is a copy scaled down once, at upload, and kept. Decoding a
// 16,000² picture takes a gigabyte; its copy of at most PictureSide
// pixels on the longer side takes some 16 MB, however often it is drawn.
const (
	// MaxPicturePixels refuses pictures whose decoding takes too much
	// memory: 40 megapixels, more than a phone's camera gives.
	MaxPicturePixels = 40_000_000
	// PictureSide is the longer side of the copy exports draw: a picture
	// filling the sheet in a PDF export (twice its 1,600 units) still
	// looks sharp.
	PictureSide = 2048
)

// ErrTooManyPixels is the answer for a picture over MaxPicturePixels.
var ErrTooManyPixels = errors.New("picture has too many pixels")

// CheckPicture reads a picture's size from its header, without decoding
// it, and refuses one over MaxPicturePixels.
func CheckPicture(r io.Reader) (image.Config, error) {
	cfg, _, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return cfg, err
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPicturePixels {
		return cfg, ErrTooManyPixels
	}
	return cfg, nil
}

// ScalePicture makes the copy exports draw: the picture scaled to fit
// PictureSide, as JPEG if it was one (photos) and PNG otherwise (keeps
// transparency). small reports a picture that fits already: its copy is
// itself, and data is nil. It decodes the picture, so the caller checks
// it with CheckPicture first.
func ScalePicture(r io.Reader) (data []byte, contentType string, small bool, err error) {
	src, format, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, "", false, err
	}
	b := src.Bounds()
	if b.Dx() <= PictureSide && b.Dy() <= PictureSide {
		return nil, "", true, nil
	}
	w, h := PictureSide, b.Dy()*PictureSide/b.Dx()
	if b.Dy() > b.Dx() {
		w, h = b.Dx()*PictureSide/b.Dy(), PictureSide
	}
	dst := image.NewRGBA(image.Rect(0, 0, max(w, 1), max(h, 1)))
	xdraw.BiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if format == "jpeg" {
		err, contentType = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 88}), "image/jpeg"
	} else {
		err, contentType = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, dst), "image/png"
	}
	return buf.Bytes(), contentType, false, err
}
