package kit

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// OpenAPI assembles the API's OpenAPI document from parts: the base
// (info, security, the shared schemas) and each module's own paths and
// schemas. A module's part is an OpenAPI document of its own that holds
// only "paths" and "components.schemas"; a part may refer to another's
// schemas, as the whole document is what clients read.
//
// A path or schema two parts define, and a $ref to a schema no part
// defines, are errors: they are found at start, not by a client.
func OpenAPI(base []byte, parts ...[]byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("openapi base: %w", err)
	}
	paths := object(doc, "paths")
	schemas := object(object(doc, "components"), "schemas")
	for i, p := range parts {
		var part map[string]any
		if err := json.Unmarshal(p, &part); err != nil {
			return nil, fmt.Errorf("openapi part %d: %w", i, err)
		}
		for k, v := range object(part, "paths") {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("openapi: path %s is defined twice", k)
			}
			paths[k] = v
		}
		for k, v := range object(object(part, "components"), "schemas") {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("openapi: schema %s is defined twice", k)
			}
			schemas[k] = v
		}
	}
	var dangling []string
	walkRefs(doc, func(ref string) {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok {
			return
		}
		if _, ok := schemas[name]; !ok {
			dangling = append(dangling, name)
		}
	})
	if len(dangling) > 0 {
		sort.Strings(dangling)
		return nil, fmt.Errorf("openapi: no part defines the schemas %s", strings.Join(dangling, ", "))
	}
	return json.Marshal(doc)
}

// object is m[key] as an object, made if it is not there.
func object(m map[string]any, key string) map[string]any {
	o, ok := m[key].(map[string]any)
	if !ok {
		o = map[string]any{}
		m[key] = o
	}
	return o
}

func walkRefs(v any, f func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" {
				f(s)
				continue
			}
			walkRefs(x, f)
		}
	case []any:
		for _, x := range v {
			walkRefs(x, f)
		}
	}
}
