package web

import (
	"embed"
	"html/template"
	"strings"
	_ "time/tzdata" // German time on machines without a zone database

	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/thumb"
	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// the pages still in this package, with the template functions only they use
var _ = kit.AddTemplates(kit.Sub(templateFS, "templates"), template.FuncMap{
	"kindText": func(lang, kind string) string {
		key := "substitutions.kind." + kind
		if !i18n.Has(key) {
			key = "substitutions.kind.other"
		}
		return i18n.T(lang, key)
	},
	"thumbable": func(ctype string) bool {
		base, _, _ := strings.Cut(ctype, ";")
		return thumb.Types[strings.TrimSpace(base)]
	},
})
