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
	if !json.Valid(b) {
		var v any
		return nil, json.Unmarshal(b, &v) // says where it breaks
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not an object: %v", err)
	}
	out := map[string][2]string{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string) // an object's keys are strings
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("the key %s is there twice", k)
		}
		var pair []string
		if err := dec.Decode(&pair); err != nil || len(pair) != 2 || pair[0] == "" || pair[1] == "" {
			return nil, fmt.Errorf("%s: want [\"German\", \"English\"]", k)
		}
		out[k] = [2]string{pair[0], pair[1]}
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return out, nil
}
