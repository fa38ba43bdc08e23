// Package thumb makes small previews of images for the file lists: JPEG,
// PNG, GIF and WebP in, JPEG out, at most Size pixels on the longer side.
// Thumbnails are cached in memory by content hash, so a class folder of
// photos is decoded once, not on every visit.
package thumb

import (
	"bytes"
	"container/list"
	"errors"
	"image"
	"image/color"
	_ "image/gif" // decoders register themselves
	"image/jpeg"
	_ "image/png"
	"io"
	"sync"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Size is the longer side of a thumbnail in pixels: sharp on an iPad's
// retina display at 128 points.
const Size = 256

// MaxPixels refuses images whose decoding would take too much memory
// (a decompression bomb): 50 megapixels, a big camera photo.
const MaxPixels = 50_000_000

// ErrNotImage is returned for content that is no image this package reads.
var ErrNotImage = errors.New("thumb: not an image")

// Types are the content types a thumbnail can be made of.
var Types = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// Make reads an image and returns its thumbnail as JPEG.
func Make(r io.ReadSeeker) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, ErrNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return nil, ErrNotImage
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(r)
	if err != nil {
		return nil, ErrNotImage
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > Size || h > Size {
		if w >= h {
			w, h = Size, max(1, h*Size/w)
		} else {
			w, h = max(1, w*Size/h), Size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// transparent parts of PNGs become white, as on paper
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Cache keeps recent thumbnails up to a number of bytes.
type Cache struct {
	mu    sync.Mutex
	max   int
	size  int
	order *list.List // front: most recent
	byKey map[string]*list.Element
}

type entry struct {
	key  string
	data []byte
}

// NewCache returns a cache of at most max bytes.
func NewCache(max int) *Cache {
	return &Cache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

// Get returns a cached thumbnail.
func (c *Cache) Get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*entry).data, true
}

// Put stores a thumbnail, dropping the least recently used beyond max.
func (c *Cache) Put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[key]; ok || len(data) > c.max {
		return
	}
	c.byKey[key] = c.order.PushFront(&entry{key, data})
	c.size += len(data)
	for c.size > c.max {
		last := c.order.Back()
		e := last.Value.(*entry)
		c.order.Remove(last)
		delete(c.byKey, e.key)
		c.size -= len(e.data)
	}
}
