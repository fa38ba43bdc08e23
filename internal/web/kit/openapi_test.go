package kit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/web/kit"
)

func TestOpenAPI(t *testing.T) {
	base := `{"openapi":"3.0.3","paths":{"/a":{"get":{}}},"components":{"schemas":{"Error":{"type":"object"}}}}`
	part := `{"paths":{"/b":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/B"}}}}}}}},"components":{"schemas":{"B":{"properties":{"e":{"$ref":"#/components/schemas/Error"}}}}}}`
	t.Run("merged", func(t *testing.T) {
		b, err := kit.OpenAPI([]byte(base), []byte(part))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			OpenAPI    string
			Paths      map[string]any
			Components struct{ Schemas map[string]any }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.OpenAPI != "3.0.3" || len(doc.Paths) != 2 || doc.Paths["/b"] == nil || doc.Components.Schemas["B"] == nil || doc.Components.Schemas["Error"] == nil {
			t.Fatalf("%s", b)
		}
	})
	for name, tc := range map[string]struct{ part, want string }{
		"path twice":     {`{"paths":{"/a":{"post":{}}}}`, "path /a is defined twice"},
		"schema twice":   {`{"components":{"schemas":{"Error":{}}}}`, "schema Error is defined twice"},
		"dangling":       {`{"paths":{"/c":{"get":{"x":{"$ref":"#/components/schemas/Nowhere"}}}}}`, "no part defines the schemas Nowhere"},
		"not a document": {`[`, "openapi part 0"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := kit.OpenAPI([]byte(base), []byte(tc.part))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
}
