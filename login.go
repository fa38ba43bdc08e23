package schulhof

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// ValidLogin reports whether s may be a login: lower-case ASCII letters,
// digits, dot, hyphen and underscore, so that it can be typed on any
// keyboard and printed on a login letter without ambiguity.
func ValidLogin(s string) bool { return loginPattern.MatchString(s) }

// ParseLoginField splits what a user typed into the one login field of the
// login page. "max.muster@gym-nord" names the school gym-nord; a bare login
// leaves the school to a separate field, or means the operator. Spaces
// around either part are forgiven, letters are folded to lower case.
func ParseLoginField(s string) (login, school string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	}
	return s, ""
}

// transliterations spell letters that do not decompose into ASCII the way
// German schools write them in e-mail addresses and logins.
var transliterations = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'Ä': "ae", 'Ö': "oe", 'Ü': "ue",
	'æ': "ae", 'Æ': "ae", 'ø': "o", 'Ø': "o", 'ł': "l", 'Ł': "l", 'ı': "i",
	'đ': "d", 'Đ': "d", 'œ': "oe", 'Œ': "oe", 'þ': "th", 'ð': "d",
}

// Transliterate turns a name into the lower-case ASCII letters a login is
// made of: umlauts and ß as ae, oe, ue, ss; accents dropped (é, ş, ą);
// spaces, apostrophes and anything unrepresentable removed; hyphens kept.
func Transliterate(name string) string {
	var b strings.Builder
	for _, r := range name {
		if t, ok := transliterations[r]; ok {
			b.WriteString(t)
			continue
		}
		for _, d := range norm.NFD.String(string(r)) {
			switch {
			case d < unicode.MaxASCII && (unicode.IsLetter(d) || unicode.IsDigit(d)):
				b.WriteRune(unicode.ToLower(d))
			case d == '-':
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}

// LoginBase is "vorname.nachname" for a new user, before uniqueness.
func LoginBase(first, last string) string {
	f, l := Transliterate(first), Transliterate(last)
	switch {
	case f != "" && l != "":
		return f + "." + l
	case f+l != "":
		return f + l
	default:
		return "user"
	}
}

// UniqueLogin returns base, or base2, base3, ... for the first that taken
// does not report as used.
func UniqueLogin(base string, taken func(string) bool) string {
	if len(base) > 56 {
		base = strings.TrimRight(base[:56], ".-_")
	}
	if !taken(base) {
		return base
	}
	for n := 2; ; n++ {
		if c := base + strconv.Itoa(n); !taken(c) {
			return c
		}
	}
}
