package kit

import "html/template"

// Icons are drawn inline as SVG, in the text's colour, so that they look
// the same on every device: an emoji depends on the fonts there, and an
// iPad of 2017 or a school PC without an emoji font shows empty boxes.
// Each is the inside of a 24×24 drawing with round strokes.
var icons = map[string]string{
	"menu":         `<path d="M4 6h16M4 12h16M4 18h16"/>`,
	"mic":          `<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3"/>`,
	"mic-off":      `<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5 11a7 7 0 0 0 14 0M12 18v3M4 4l16 16"/>`,
	"camera":       `<rect x="3" y="7" width="13" height="10" rx="2"/><path d="M16 11l5-3v8l-5-3"/>`,
	"camera-off":   `<rect x="3" y="7" width="13" height="10" rx="2"/><path d="M16 11l5-3v8l-5-3M3 4l17 17"/>`,
	"people":       `<circle cx="9" cy="8" r="3"/><path d="M3 20a6 6 0 0 1 12 0"/><circle cx="17" cy="9" r="2.5"/><path d="M16 14a5 5 0 0 1 6 5"/>`,
	"speaker":      `<path d="M4 10v4h4l5 4V6L8 10z"/><path d="M16 9a4 4 0 0 1 0 6M18.5 6.5a8 8 0 0 1 0 11"/>`,
	"speaker-view": `<rect x="3" y="4" width="18" height="11" rx="1"/><rect x="3" y="17" width="5" height="3"/><rect x="9.5" y="17" width="5" height="3"/><rect x="16" y="17" width="5" height="3"/>`,
	"leave":        `<path d="M3 14c5-5 13-5 18 0l-2.5 2.5-3-1.5v-2.5a10 10 0 0 0-5 0V15l-3 1.5z"/>`,
	"attach":       `<path d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"/>`,
	"pen":          `<path d="M4 20l4-1 11-11-3-3L5 16z"/><path d="M14 6l3 3"/>`,
	"marker":       `<path d="M5 19l3-1 10-10-2-2L6 16z"/><path d="M3 21h7" stroke-width="3"/>`,
	"eraser":       `<path d="M8 20h12"/><path d="M4.5 15.5l9-9a2 2 0 0 1 2.8 0l2.2 2.2a2 2 0 0 1 0 2.8L11 19H8z"/>`,
	"select":       `<path d="M5 3l14 8-6 2-3 6z"/>`,
	"text":         `<path d="M5 6V4h14v2M12 4v16M9 20h6"/>`,
	"rect":         `<rect x="4" y="6" width="16" height="12" rx="1"/>`,
	"ellipse":      `<ellipse cx="12" cy="12" rx="8" ry="6"/>`,
	"line":         `<path d="M5 19L19 5"/>`,
	"arrow":        `<path d="M5 19L19 5M10 5h9v9"/>`,
	"image":        `<rect x="3" y="5" width="18" height="14" rx="2"/><circle cx="9" cy="10" r="1.5"/><path d="M21 16l-5-5-8 8"/>`,
	"undo":         `<path d="M9 14L4 9l5-5"/><path d="M4 9h10a6 6 0 0 1 0 12h-3"/>`,
	"redo":         `<path d="M15 14l5-5-5-5"/><path d="M20 9H10a6 6 0 0 0 0 12h3"/>`,
	"trash":        `<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>`,
	"download":     `<path d="M12 4v11M7 10l5 5 5-5M5 20h14"/>`,
	"page-add":     `<path d="M6 3h8l4 4v14H6z"/><path d="M12 11v6M9 14h6"/>`,
	"prev":         `<path d="M15 5l-7 7 7 7"/>`,
	"next":         `<path d="M9 5l7 7-7 7"/>`,
	"more":         `<circle cx="5" cy="12" r="1.5"/><circle cx="12" cy="12" r="1.5"/><circle cx="19" cy="12" r="1.5"/>`,
	"present":      `<rect x="3" y="4" width="18" height="12" rx="1"/><path d="M12 16v4M8 20h8"/>`,
	"zoom-in":      `<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5M11 8v6M8 11h6"/>`,
	"zoom-out":     `<circle cx="11" cy="11" r="6"/><path d="M20 20l-4.5-4.5M8 11h6"/>`,
	"fit":          `<path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5"/>`,
	"close":        `<path d="M6 6l12 12M18 6L6 18"/>`,
	"send":         `<path d="M4 12l16-8-6 16-3-6z"/>`,
	"reply":        `<path d="M10 8L4 13l6 5"/><path d="M4 13h10a6 6 0 0 1 6 6"/>`,
	"edit":         `<path d="M4 20l4-1 11-11-3-3L5 16z"/>`,
	"check":        `<path d="M5 12l5 5 9-10"/>`,
	"lock":         `<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>`,
	"folder":       `<path d="M3 6a1 1 0 0 1 1-1h5l2 2h9a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z"/>`,
	"note":         `<path d="M5 4h14v10l-6 6H5z"/><path d="M13 20v-6h6"/>`,
	"hand":         `<path d="M8 13V6a1.5 1.5 0 0 1 3 0v5M11 11V4.5a1.5 1.5 0 0 1 3 0V11M14 11V6a1.5 1.5 0 0 1 3 0v7a7 7 0 0 1-7 7 6 6 0 0 1-5-3l-2.5-4.5a1.5 1.5 0 0 1 2.5-1.5L8 13"/>`,
	"laser":        `<circle cx="12" cy="12" r="3" fill="currentColor"/><path d="M12 3v3M12 18v3M3 12h3M18 12h3"/>`,
	"area-eraser":  `<path d="M8 20h12"/><path d="M4.5 15.5l9-9a2 2 0 0 1 2.8 0l2.2 2.2a2 2 0 0 1 0 2.8L11 19H8z" stroke-dasharray="3 2"/>`,
	"copy":         `<rect x="8" y="8" width="12" height="12" rx="2"/><path d="M16 8V5a1 1 0 0 0-1-1H5a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h3"/>`,
}

// Icon is the icon of the name as inline SVG, hidden from screen readers
// (the control it is in says what it does in words).
func Icon(name string) template.HTML {
	body, ok := icons[name]
	if !ok {
		panic("kit: no icon " + name)
	}
	return template.HTML(`<svg class="icon" viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" ` +
		`stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">` + body + `</svg>`)
}
