package boards

// The whiteboard's pictures and exports: images on boards (uploaded or
// shared from the files module, a PDF page as a background), a page as
// PNG, the board as PDF, and the Tafelbild saved into the group's
// folder.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/board"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// MaxBoardImage bounds an uploaded picture or PDF.
const MaxBoardImage = 20 << 20

// boardImageTypes are the pictures a board shows (and the server can
// render).
var boardImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// boardDoc is a copy of the board's drawing, for exports.
func (s *Module) boardDoc(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) (doc *board.Doc, err error) {
	err = s.onBoard(ctx, school, id, func(lb *liveBoard) error {
		doc = lb.doc.Clone()
		return nil
	})
	return doc, err
}

// boardImages loads the board's pictures for rendering, each once: the
// copy scaled down for exports, made now for a picture that has none yet
// and kept.
func (s *Module) boardImages(ctx context.Context, school schulhof.SchoolID, id schulhof.BoardID) board.Images {
	var mu sync.Mutex // the bands of a page are drawn at once
	cache := map[string]image.Image{}
	return func(ref string) (image.Image, error) {
		mu.Lock()
		defer mu.Unlock()
		if img, ok := cache[ref]; ok {
			return img, nil
		}
		n, err := strconv.ParseInt(strings.TrimPrefix(ref, "i"), 10, 64)
		if err != nil || !strings.HasPrefix(ref, "i") {
			return nil, fmt.Errorf("no picture %q", ref)
		}
		bi, err := s.db.FindBoardImage(ctx, school, id, n)
		if err != nil {
			return nil, err
		}
		key := bi.RenderKey
		if key == "" {
			if key, err = s.pictureCopy(ctx, bi.BlobKey); err != nil {
				cache[ref] = nil
				return nil, err
			}
			if err := s.db.SetBoardImageRender(ctx, school, bi.ID, key); err != nil {
				s.Log.Warn("keep board picture copy", "image", bi.ID, "err", err)
			}
		}
		rd, err := s.Blobs.Open(ctx, blob.Key(key))
		if err != nil {
			return nil, err
		}
		defer rd.Close()
		// the copy is small, but only a picture within the limit is decoded
		var buf bytes.Buffer
		if _, err := board.CheckPicture(io.TeeReader(rd, &buf)); err != nil {
			cache[ref] = nil
			return nil, err
		}
		img, _, err := image.Decode(io.MultiReader(&buf, rd))
		cache[ref] = img
		return img, err
	}
}

// pictureCopy makes the copy of a picture that exports draw and returns
// its blob (the picture's own when it is small enough); a picture over
// board.MaxPicturePixels is refused before it is decoded.
func (s *Module) pictureCopy(ctx context.Context, key string) (string, error) {
	rd, err := s.Blobs.Open(ctx, blob.Key(key))
	if err != nil {
		return "", err
	}
	_, err = board.CheckPicture(rd)
	rd.Close()
	if err != nil {
		return "", err
	}
	if rd, err = s.Blobs.Open(ctx, blob.Key(key)); err != nil {
		return "", err
	}
	defer rd.Close()
	data, _, small, err := board.ScalePicture(rd)
	if err != nil || small {
		return key, err
	}
	info, err := s.Blobs.Put(ctx, bytes.NewReader(data), blob.PutOptions{ExpectedSize: int64(len(data))})
	if err != nil {
		return "", err
	}
	return string(info.Key), nil
}

// exportName is how an export of the board made at is named: "Tafelbild
// 2026-11-30 7a Bruchrechnung", the day the school's.
func exportName(b *schulhof.Board, at time.Time) string {
	parts := []string{"Tafelbild", at.In(kit.Berlin).Format("2006-01-02")}
	if b.GroupName != "" {
		parts = append(parts, b.GroupName)
	}
	parts = append(parts, b.Title)
	name := strings.Join(parts, " ")
	// what schulhof.CleanName refuses in a file's name becomes a dash
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < 32 || r == 0x7f {
			return '-'
		}
		return r
	}, name)
	// the files module takes 255 bytes with the extension: a long title
	// in umlauts is cut at a character, not refused
	for len(name) > schulhof.MaxNameBytes-len(".png") {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return strings.TrimSpace(name)
}

// boardExport is what an export of the path's board needs: the board, a
// copy of its drawing and its pictures; done gives back its place among
// the node's picture work (past which the answer is 503 with
// Retry-After).
type boardExport struct {
	user   *schulhof.User
	board  *schulhof.Board
	doc    *board.Doc
	images board.Images
	done   func()
}

func (s *Module) startBoardExport(r *http.Request) (*boardExport, error) {
	u, b, err := s.boardFromPath(r)
	if err != nil {
		return nil, err
	}
	done, err := s.pictureWork.Enter(r.Context())
	if err != nil {
		return nil, err
	}
	doc, err := s.boardDoc(r.Context(), b.SchoolID, b.ID)
	if err != nil {
		done()
		return nil, err
	}
	return &boardExport{u, b, doc, s.boardImages(r.Context(), b.SchoolID, b.ID), done}, nil
}

// apiBoardPagePNG: GET /api/v1/boards/{board}/pages/{n}/export.png: page n
// (from 1) as PNG.
func (s *Module) apiBoardPagePNG(w http.ResponseWriter, r *http.Request) {
	x, err := s.startBoardExport(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	defer x.done()
	b, doc, images := x.board, x.doc, x.images
	pages := doc.PageList()
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(pages) {
		s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "board.no_page"))
		return
	}
	png, err := doc.PNG(pages[n-1].ID, 1, images)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := exportName(b, s.Now())
	if len(pages) > 1 {
		name += " - " + strconv.Itoa(n)
	}
	sendExport(w, "image/png", name+".png", png)
}

// apiBoardPDF: GET /api/v1/boards/{board}/export.pdf: the whole board.
func (s *Module) apiBoardPDF(w http.ResponseWriter, r *http.Request) {
	x, err := s.startBoardExport(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	defer x.done()
	b := x.board
	pdf, err := x.doc.PDF(b.Title, x.images)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sendExport(w, "application/pdf", exportName(b, s.Now())+".pdf", pdf)
}

func sendExport(w http.ResponseWriter, contentType, name string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// apiSaveBoardToFiles: POST /api/v1/boards/{board}/save-to-files: the
// Tafelbild into the folder "Tafelbilder" of the board's group (the
// leader's own files for a board without one): a PNG for a board of one
// page, a PDF for more. Saving again the same day makes a new version.
// -> {"path", "node", "space"}.
func (s *Module) apiSaveBoardToFiles(r *http.Request) (any, error) {
	x, err := s.startBoardExport(r)
	if err != nil {
		return nil, err
	}
	defer x.done()
	u, b, doc, images := x.user, x.board, x.doc, x.images
	if !b.Leader {
		return nil, schulhof.Errorf(schulhof.EForbidden, "board.leaders_only")
	}
	name, ctype := exportName(b, s.Now()), "application/pdf"
	var data []byte
	if pages := doc.PageList(); len(pages) == 1 {
		name, ctype = name+".png", "image/png"
		data, err = doc.PNG(pages[0].ID, 1, images)
	} else {
		name += ".pdf"
		data, err = doc.PDF(b.Title, images)
	}
	if err != nil {
		return nil, err
	}
	sc, err := s.db.FindSchoolByID(r.Context(), u.SchoolID)
	if err != nil {
		return nil, err
	}
	space := schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}
	if b.GroupID != 0 {
		space = schulhof.Space{Kind: schulhof.SpaceGroup, ID: int64(b.GroupID)}
	}
	const folderName = "Tafelbilder"
	folder, err := s.db.FindNodeByPath(r.Context(), sc.ID, space, []string{folderName})
	if schulhof.Match(err, schulhof.ENotFound) {
		folder, err = s.db.CreateFolder(r.Context(), sc.ID, space, 0, folderName)
		if schulhof.Match(err, schulhof.EConflict) { // made by a save at the same moment
			folder, err = s.db.FindNodeByPath(r.Context(), sc.ID, space, []string{folderName})
		}
	}
	if err != nil {
		return nil, err
	}
	info, err := s.files.PutBlob(r, sc, space, bytes.NewReader(data), int64(len(data)), 0)
	if err != nil {
		return nil, err
	}
	n, err := s.db.PutFile(r.Context(), sc.ID, space, folder.ID, name,
		schulhof.NewContent{BlobKey: string(info.Key), Size: info.Size, SHA256: info.SHA256, ContentType: ctype}, 10)
	if err != nil {
		return nil, err
	}
	return kit.Created(map[string]any{"path": "/" + folderName + "/" + name, "node": n.ID, "space": space}), nil
}

// apiAddBoardImage: POST /api/v1/boards/{board}/images: a picture for the
// board, uploaded (multipart field "file": PNG, JPEG, GIF, WebP, or a
// PDF whose page "page" (from 1) becomes a picture) or shared from the
// files module ({"node": ID}) -> {"id", "width", "height"}; the id goes
// into an image element or a page's background.
func (s *Module) apiAddBoardImage(w http.ResponseWriter, r *http.Request) {
	u, id, err := boardTarget(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, draws, err := s.boardRights(r.Context(), u, id); err != nil || !draws {
		if err == nil {
			err = schulhof.Errorf(schulhof.EForbidden, "board.no_draw")
		}
		s.Fail(w, r, err)
		return
	}
	sc, err := s.db.FindSchoolByID(r.Context(), u.SchoolID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	img := &schulhof.BoardImage{BoardID: id}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var in struct {
			Node schulhof.NodeID `json:"node"`
		}
		if err := kit.ReadJSON(r, &in); err != nil {
			s.Fail(w, r, err)
			return
		}
		n, err := s.files.ReadableFile(r, sc, in.Node)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if !boardImageTypes[n.ContentType] {
			s.Fail(w, r, schulhof.Invalid("node", "board.image_type"))
			return
		}
		img.ContentType, img.Size, img.BlobKey, img.Shared = n.ContentType, n.Size, n.BlobKey, true
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBoardImage+1<<20)
		f, hdr, err := r.FormFile("file")
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) || err == nil && hdr.Size > MaxBoardImage {
			s.Fail(w, r, schulhof.Invalid("file", "board.image_too_large", blob.FormatSize(MaxBoardImage)))
			return
		}
		if err != nil {
			s.Fail(w, r, schulhof.Invalid("file", "board.image_missing"))
			return
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		ctype := http.DetectContentType(data)
		if ctype == "application/pdf" {
			page, _ := strconv.Atoi(r.FormValue("page"))
			if data, err = pdfPage(r.Context(), data, max(page, 1)); err != nil {
				s.Fail(w, r, err)
				return
			}
			ctype = "image/png"
		}
		if !boardImageTypes[ctype] {
			s.Fail(w, r, schulhof.Invalid("file", "board.image_type"))
			return
		}
		// refused before it is stored: the header tells the size
		if _, err := board.CheckPicture(bytes.NewReader(data)); err != nil {
			s.Fail(w, r, pictureRefusal("file", data))
			return
		}
		info, err := s.files.PutBlob(r, sc, schulhof.Space{Kind: schulhof.SpaceUser, ID: int64(u.ID)}, bytes.NewReader(data), int64(len(data)), 0)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		img.ContentType, img.Size, img.BlobKey = ctype, info.Size, string(info.Key)
	}
	// the size, for the element's box; a picture that does not decode,
	// or decodes to too many pixels, is refused here rather than shown
	// broken or taking the node's memory
	field := "file"
	if img.Shared {
		field = "node"
	}
	rd, err := s.Blobs.Open(r.Context(), blob.Key(img.BlobKey))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	head, _ := io.ReadAll(io.LimitReader(rd, 1<<20))
	rd.Close()
	cfg, err := board.CheckPicture(bytes.NewReader(head))
	if err != nil {
		s.Fail(w, r, pictureRefusal(field, head))
		return
	}
	// the copy exports draw, scaled down once, now
	done, err := s.pictureWork.Enter(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	img.RenderKey, err = s.pictureCopy(r.Context(), img.BlobKey)
	done()
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.db.AddBoardImage(r.Context(), u, img); err != nil {
		s.Fail(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusCreated, map[string]any{"id": "i" + strconv.FormatInt(img.ID, 10), "width": cfg.Width, "height": cfg.Height})
}

// pictureRefusal says why a picture cannot go on a board: its type, or
// its size in pixels (with the limit).
func pictureRefusal(field string, head []byte) error {
	cfg, err := board.CheckPicture(bytes.NewReader(head))
	if errors.Is(err, board.ErrTooManyPixels) {
		return schulhof.Invalid(field, "board.image_pixels", cfg.Width, cfg.Height, board.MaxPicturePixels/1_000_000)
	}
	return schulhof.Invalid(field, "board.image_type")
}

// pdfPage renders a page of a PDF to PNG with pdftoppm (poppler-utils),
// at 150 dpi, for a page's background.
func pdfPage(ctx context.Context, pdf []byte, page int) ([]byte, error) {
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, schulhof.Invalid("file", "board.pdf_unavailable")
	}
	dir, err := os.MkdirTemp("", "schulhof-pdf")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	p := strconv.Itoa(page)
	cmd := exec.CommandContext(ctx, bin, "-png", "-r", "150", "-f", p, "-l", p, "-singlefile", in, filepath.Join(dir, "out"))
	if out, err := cmd.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "first page") || strings.Contains(string(out), "Wrong page") {
			return nil, schulhof.Invalid("page", "board.pdf_no_page", page)
		}
		return nil, schulhof.Invalid("file", "board.pdf_unreadable")
	}
	b, err := os.ReadFile(filepath.Join(dir, "out.png"))
	if err != nil {
		return nil, schulhof.Invalid("page", "board.pdf_no_page", page)
	}
	return b, nil
}

// apiBoardImage: GET /api/v1/boards/{board}/images/{image}: a picture of
// the board, for those who see it.
func (s *Module) apiBoardImage(r *http.Request) (any, error) {
	u, id, err := boardTarget(r)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.boardRights(r.Context(), u, id); err != nil {
		return nil, err
	}
	ref := r.PathValue("image")
	n, err := strconv.ParseInt(strings.TrimPrefix(ref, "i"), 10, 64)
	if err != nil || !strings.HasPrefix(ref, "i") {
		return nil, schulhof.Errorf(schulhof.ENotFound, "board.image_not_found")
	}
	img, err := s.db.FindBoardImage(r.Context(), u.SchoolID, id, n)
	if err != nil {
		return nil, err
	}
	return kit.Stored{Key: img.BlobKey, Name: "Bild-" + ref, ContentType: img.ContentType, Inline: true, MaxAge: 24 * time.Hour}, nil
}
