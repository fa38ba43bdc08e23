package schulhof

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameBytes is the longest file or folder name, in UTF-8 bytes, that
// every file system a school uses (NTFS, APFS, ext4) can store.
const MaxNameBytes = 255

// windowsReserved are names Windows cannot create, with any extension.
var windowsReserved = map[string]bool{"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true}

// CleanName checks a file or folder name as a user, an iPad or a WebDAV
// client sends it and returns it in NFC: iPads send decomposed umlauts
// (NFD), Windows composed ones, and both must name the same file. Names
// that would break on another system are refused with a reason a user can
// act on, never silently changed: path separators, characters Windows
// forbids, control characters, bidirectional overrides, "." and "..", reserved device names, a
// trailing dot or space, more than 255 bytes.
func CleanName(name string) (string, error) {
	invalid := func(key string, args ...any) (string, error) {
		return "", &Error{Code: EInvalid, Key: "error.invalid", Fields: []FieldError{{Field: "name", Key: key, Args: args}}}
	}
	if !utf8.ValidString(name) {
		return invalid("name.encoding")
	}
	name = norm.NFC.String(strings.TrimSpace(name))
	switch {
	case name == "":
		return invalid("name.empty")
	case name == "." || name == "..":
		return invalid("name.dots")
	case len(name) > MaxNameBytes:
		return invalid("name.too_long", MaxNameBytes)
	case strings.HasSuffix(name, "."):
		return invalid("name.trailing_dot")
	}
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			return invalid("name.separator")
		case strings.ContainsRune(`<>:"|?*`, r):
			return invalid("name.character", string(r))
		case r < 0x20 || r == 0x7f || unicode.Is(unicode.Cc, r) || r == '\uFFFD':
			return invalid("name.control")
		case unicode.Is(unicode.Bidi_Control, r):
			// U+202E turns "Rechnung\u202Efdp.exe" into "Rechnungexe.pdf"
			// on screen: a name must look like what it is
			return invalid("name.bidi")
		}
	}
	base := strings.ToUpper(name)
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	if windowsReserved[strings.TrimSpace(base)] {
		return invalid("name.reserved", name)
	}
	return name, nil
}

// CleanPath splits a slash-separated path below some root (a WebDAV or
// URL path) into clean names. Empty segments from doubled or trailing
// slashes are dropped; "." and ".." are refused, so no path can climb out
// of its root.
func CleanPath(p string) ([]string, error) {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			continue
		}
		name, err := CleanName(seg)
		if err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}
