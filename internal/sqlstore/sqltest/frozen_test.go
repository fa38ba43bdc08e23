package sqltest

import (
	"context"
	"testing"

	"github.com/schulhof/schulhof"
)

// Every copy of a frozen store starts as the frozen one was, even when the
// copy is one a test before changed and gave back: the same rows, and the
// same id for the next new row.
func TestCopiesStartAsFrozen(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"sqlite", "postgres"} {
		t.Run(kind, func(t *testing.T) {
			db := Fresh(t, kind == "postgres")
			first := &schulhof.School{Slug: "erste", Name: "Erste Schule", State: "NW", Type: "gymnasium"}
			if err := db.CreateSchool(ctx, first); err != nil {
				t.Fatal(err)
			}
			frozen := Freeze(t, db)
			var nextID schulhof.SchoolID
			for range 3 {
				t.Run("copy", func(t *testing.T) {
					c := frozen.Open(t)
					schools, err := c.FindSchools(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if len(schools) != 1 || schools[0].Name != "Erste Schule" {
						t.Fatalf("the copy holds %v, want the frozen school only", schools)
					}
					second := &schulhof.School{Slug: "zweite", Name: "Zweite Schule", State: "NW", Type: "grundschule"}
					if err := c.CreateSchool(ctx, second); err != nil {
						t.Fatal(err)
					}
					if nextID == 0 {
						nextID = second.ID
					} else if second.ID != nextID {
						t.Fatalf("new school got id %d, want %d as in a fresh copy", second.ID, nextID)
					}
					renamed := "Umbenannt"
					if _, err := c.UpdateSchool(ctx, first.ID, schulhof.SchoolUpdate{Name: &renamed}); err != nil {
						t.Fatal(err)
					}
				})
			}
			if frozen.pg != nil && len(frozen.pg.made) != 1 {
				t.Fatalf("%d PostgreSQL copies made for tests one after the other, want 1 reused", len(frozen.pg.made))
			}
		})
	}
}
