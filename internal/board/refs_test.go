package board

import (
	"strings"
	"testing"
)

// TestRenameRefs: a copied school's drawing points at the copy's
// pictures and authors; what the copy lacks stays as it was.
func TestRenameRefs(t *testing.T) {
	users := func(id int64) (int64, bool) { n, ok := map[int64]int64{7: 70}[id]; return n, ok }
	images := func(id int64) (int64, bool) { n, ok := map[int64]int64{3: 30}[id]; return n, ok }
	snap := `{"seq":4,"pages":{"p1":{"id":"p1","order":1,"background":"blank","image":"i3"}},
		"elements":{"e1":{"id":"e1","kind":"image","author":7,"page":"p1","x":1,"y":2,"image":"i3"},
		"e2":{"id":"e2","kind":"image","author":8,"page":"p1","x":1,"y":2,"image":"i4"}}}`
	out, err := RenameRefs([]byte(snap), users, images)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Pages["p1"].Image != "i30" || doc.Elements["e1"].Image != "i30" || doc.Elements["e1"].Author != 70 {
		t.Errorf("renamed: %s", out)
	}
	if doc.Elements["e2"].Image != "i4" || doc.Elements["e2"].Author != 8 || doc.Seq != 4 {
		t.Errorf("what the copy lacks changed: %s", out)
	}
	op, err := RenameRefs([]byte(`{"op":"set","id":"e1","set":{"image":"i3"},"seq":5,"author":7}`), users, images)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(op); !strings.Contains(s, `"image":"i30"`) || !strings.Contains(s, `"author":70`) || !strings.Contains(s, `"seq":5`) {
		t.Errorf("op: %s", s)
	}
	if _, err := RenameRefs([]byte(`{"op":`), users, images); err == nil {
		t.Error("broken JSON renamed")
	}
}
