package kit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"

	"github.com/schulhof/schulhof/internal/i18n"
)

// A module keeps beside its Go code, embedded (//go:embed all:assets;
// without all: the parts _NAME.html would be left out):
//
//	assets/templates/*.html  its pages and their parts (see AddTemplates)
//	assets/messages.json     its sentences: {"key": ["German", "English"]}
//	assets/openapi.json      its part of the API's OpenAPI document (see OpenAPI)
//
// Each is optional. AddAssets registers the templates, with the template
// functions the module brings, and the sentences, at the module's
// package init (var openAPIPart = kit.AddAssets(...)), and returns the
// OpenAPI part for the module's Routes to add (Router.Document). A
// broken file stops the program at start.
func AddAssets(assets fs.FS, funcs template.FuncMap) []byte {
	fsys, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err)
	}
	if _, err := fs.Stat(fsys, "templates"); err == nil {
		AddTemplates(mustSub(fsys, "templates"), funcs)
	} else if len(funcs) > 0 {
		panic("kit: template functions without templates")
	}
	if b, err := fs.ReadFile(fsys, "messages.json"); err == nil {
		m, err := readMessages(b)
		if err != nil {
			panic(fmt.Sprintf("kit: messages.json: %v", err))
		}
		i18n.Add(m)
	} else if !errors.Is(err, fs.ErrNotExist) {
		panic(err)
	}
	part, err := fs.ReadFile(fsys, "openapi.json")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		panic(err)
	}
	return part
}

// readMessages reads {"key": ["German", "English"], ...}; a key twice
// is an error (a plain decoding would keep the second silently), and so
// is a sentence missing in either language.
func readMessages(b []byte) (map[string][2]string, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	keys := map[string]bool{}
	depth := 0
	for {
		t, err := dec.Token()
		if err != nil {
			break
		}
		switch t := t.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			// at depth 1 a string is a key (values are arrays, a level deeper)
			if depth == 1 {
				if keys[t] {
					return nil, fmt.Errorf("the key %s is there twice", t)
				}
				keys[t] = true
			}
		}
	}
	out := make(map[string][2]string, len(raw))
	for k, v := range raw {
		var pair []string
		if err := json.Unmarshal(v, &pair); err != nil || len(pair) != 2 || pair[0] == "" || pair[1] == "" {
			return nil, fmt.Errorf("%s: want [\"German\", \"English\"]", k)
		}
		out[k] = [2]string{pair[0], pair[1]}
	}
	return out, nil
}
