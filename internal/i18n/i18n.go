// Package i18n holds every sentence the user sees, in German (the default)
// and English, and picks the language for a request.
package i18n

import (
	"fmt"
	"strings"
)

// Languages the UI speaks; the first is the default.
var Languages = []string{"de", "en"}

// T returns the sentence for key in lang, filled with args. An unknown key
// is returned as it is, so that a missing translation shows up instead of
// breaking the page (and a test lists every key the code uses).
func T(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m[0]
	if lang == "en" && m[1] != "" {
		s = m[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalog knows key.
func Has(key string) bool { _, ok := messages[key]; return ok }

// Keys returns every key, for the catalog test.
func Keys() []string {
	out := make([]string, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	return out
}

// Pick returns the user's language if set, else the best match of an
// Accept-Language header, else German.
func Pick(userLang, acceptLanguage string) string {
	if userLang == "de" || userLang == "en" {
		return userLang
	}
	best, bestQ := "de", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, q := strings.TrimSpace(part), 1.0
		if i := strings.IndexByte(tag, ';'); i >= 0 {
			fmt.Sscanf(strings.TrimSpace(tag[i+1:]), "q=%g", &q)
			tag = strings.TrimSpace(tag[:i])
		}
		base := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if (base == "de" || base == "en") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// Add puts a module's sentences into the catalog, at the module's package
// init; a key two modules use panics, at start. It returns true, for
// `var _ =`.
func Add(m map[string][2]string) bool {
	for k, v := range m {
		if _, dup := messages[k]; dup {
			panic("i18n: the key " + k + " is added twice")
		}
		messages[k] = v
	}
	return true
}
