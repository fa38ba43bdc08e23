package thumb

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 1200, 600))
	for x := 0; x < 1200; x++ {
		for y := 0; y < 600; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var src bytes.Buffer
	png.Encode(&src, img)
	out, err := Make(bytes.NewReader(src.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	th, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := th.Bounds(); b.Dx() != 256 || b.Dy() != 128 {
		t.Fatalf("thumbnail %v, want 256x128", b)
	}
	if _, err := Make(strings.NewReader("%PDF-1.4 nicht ein Bild")); err != ErrNotImage {
		t.Fatalf("not an image: %v", err)
	}
	// a header announcing a giant image is refused before decoding
	bomb := image.NewGray(image.Rect(0, 0, 1, 1))
	var b bytes.Buffer
	png.Encode(&b, bomb)
	raw := b.Bytes()
	raw[16], raw[17], raw[18], raw[19] = 0, 1, 0, 0 // width 65536
	raw[20], raw[21], raw[22], raw[23] = 0, 1, 0, 0 // height 65536
	binary.BigEndian.PutUint32(raw[29:33], crc32.ChecksumIEEE(raw[12:29]))
	if cfg, err := png.DecodeConfig(bytes.NewReader(raw)); err != nil || cfg.Width != 65536 {
		t.Fatalf("the test's bomb is no valid header: %v %v", cfg, err)
	}
	if _, err := Make(bytes.NewReader(raw)); err != ErrNotImage {
		t.Fatalf("decompression bomb: %v", err)
	}
}

func TestCache(t *testing.T) {
	c := NewCache(10)
	c.Put("a", []byte("12345"))
	c.Put("b", []byte("12345"))
	c.Get("a")
	c.Put("c", []byte("123"))
	if _, ok := c.Get("b"); ok {
		t.Error("the least recently used entry was kept")
	}
	if _, ok := c.Get("a"); !ok {
		t.Error("a recently used entry was dropped")
	}
}
