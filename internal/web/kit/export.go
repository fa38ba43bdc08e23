package kit

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/blob"
	"github.com/schulhof/schulhof/internal/i18n"
)

// A user's data as one ZIP (DSGVO Art. 15 and 20: access and
// portability): each module writes what it keeps of the user into a
// folder of its own, as JSON and as the files themselves.

// ExportPart is a module's part of a user's export.
type ExportPart struct {
	// Order places it in the ZIP's README, smaller first.
	Order int
	// Folder is the part's folder in the ZIP ("konto", "dateien").
	Folder string
	// About is the key of the sentence that says, in the README, what
	// the folder holds.
	About string
	// Write writes the part for the user.
	Write func(ctx context.Context, u *schulhof.User, x *Export) error
}

// AddExportPart adds a module's part of every user's export.
func (d *Deps) AddExportPart(p ExportPart) {
	d.registryMu.Lock()
	defer d.registryMu.Unlock()
	d.exports = append(d.exports, p)
	slices.SortStableFunc(d.exports, func(a, b ExportPart) int { return cmp.Compare(a.Order, b.Order) })
}

// Export is the ZIP being written, for one part at a time.
type Export struct {
	z      *zip.Writer
	blobs  blob.Store
	folder string
	at     time.Time
	names  map[string]bool
}

// JSON writes v, indented, as folder/name.
func (x *Export) JSON(name string, v any) error {
	w, _, err := x.create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Blob writes the stored bytes of key as folder/name (a name taken
// already gets " (2)" and so on before its extension) and returns the
// name it has in the ZIP.
func (x *Export) Blob(ctx context.Context, name, key string) (string, error) {
	r, err := x.blobs.Open(ctx, blob.Key(key))
	if err != nil {
		return "", err
	}
	defer r.Close()
	w, full, err := x.create(name)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(w, r)
	return full, err
}

func (x *Export) create(name string) (io.Writer, string, error) {
	full := path.Join(x.folder, cleanZipName(name))
	ext := path.Ext(full)
	base := strings.TrimSuffix(full, ext)
	for n := 2; x.names[full]; n++ {
		full = base + " (" + strconv.Itoa(n) + ")" + ext
	}
	x.names[full] = true
	w, err := x.z.CreateHeader(&zip.FileHeader{Name: full, Method: zip.Deflate, Modified: x.at})
	return w, full, err
}

// cleanZipName keeps a name inside its folder: no climbing out, no
// absolute paths, no backslashes that some unzip tools read as folders.
func cleanZipName(name string) string {
	name = strings.ReplaceAll(name, "\\", "_")
	var parts []string
	for _, p := range strings.Split(name, "/") {
		if p != "" && p != "." && p != ".." {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "_"
	}
	return strings.Join(parts, "/")
}

// WriteExport writes the user's whole export to w: every module's part
// in its folder, and a README in the user's language saying what is
// where.
func (d *Deps) WriteExport(ctx context.Context, u *schulhof.User, lang string, w io.Writer) error {
	d.registryMu.Lock()
	parts := d.exports
	d.registryMu.Unlock()
	z := zip.NewWriter(w)
	x := &Export{z: z, blobs: d.Blobs, at: d.Now(), names: map[string]bool{}}
	rw, _, err := x.create(i18n.T(lang, "export.readme_name"))
	if err != nil {
		return err
	}
	readme := i18n.T(lang, "export.readme", u.Name(), x.at.In(Berlin).Format("02.01.2006 15:04")) + "\n\n"
	for _, p := range parts {
		readme += p.Folder + "/: " + i18n.T(lang, p.About) + "\n"
	}
	if _, err := io.WriteString(rw, readme); err != nil {
		return err
	}
	for _, p := range parts {
		x.folder = p.Folder
		if err := p.Write(ctx, u, x); err != nil {
			return err
		}
	}
	return z.Close()
}
