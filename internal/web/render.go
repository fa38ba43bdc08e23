package web

import (
	"embed"
	"html/template"
	_ "time/tzdata" // German time on machines without a zone database

	"github.com/schulhof/schulhof/internal/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// the pages still in this package, with the template functions only they use
var _ = kit.AddTemplates(kit.Sub(templateFS, "templates"), template.FuncMap{})
