package sqlstore

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSchoolTablesCoverSchema holds the list of a school's tables (what
// moving a school copies) to the schema: every table is a school's, left
// out on purpose or the installation's; every foreign key, every column
// that names a row (…_id, …_by) and every file key of a school's table
// is declared, so that the import points it at the copied row. A new
// migration that adds one fails here until the list says what it is.
func TestSchoolTablesCoverSchema(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "schema.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.read.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	declared := map[string]int{}
	for _, st := range schoolTables {
		declared[st.name]++
	}
	for _, s := range schoolSkipped {
		declared[s.name]++
	}
	for _, n := range installationTables {
		declared[n]++
	}
	for _, n := range tables {
		if declared[n] != 1 {
			t.Errorf("table %s is declared %d times (a school's table, one left out on purpose, or the installation's)", n, declared[n])
		}
		delete(declared, n)
	}
	for n := range declared {
		t.Errorf("table %s is declared but not in the schema", n)
	}

	for _, st := range schoolTables {
		refs := map[string]ref{}
		for _, r := range st.refs {
			refs[r.col] = r
		}
		// foreign keys
		fks, err := db.read.QueryContext(ctx, `SELECT "from", "table" FROM pragma_foreign_key_list($1)`, st.name)
		if err != nil {
			t.Fatal(err)
		}
		for fks.Next() {
			var col, table string
			if err := fks.Scan(&col, &table); err != nil {
				t.Fatal(err)
			}
			if r, ok := refs[col]; !ok || r.table != table {
				t.Errorf("%s.%s references %s: not declared", st.name, col, table)
			}
		}
		if err := fks.Err(); err != nil {
			t.Fatal(err)
		}
		fks.Close()
		// columns that name rows, and file keys
		cols, err := db.read.QueryContext(ctx, `SELECT name, type FROM pragma_table_info($1)`, st.name)
		if err != nil {
			t.Fatal(err)
		}
		for cols.Next() {
			var col, typ string
			if err := cols.Scan(&col, &typ); err != nil {
				t.Fatal(err)
			}
			names := strings.HasSuffix(col, "_id") || strings.HasSuffix(col, "_by") || strings.HasSuffix(col, "_ids")
			if typ == "TEXT" && col != "client_id" && col != "group_ids" {
				names = false // external_id, mdm_id: other systems' names
			}
			if _, ok := refs[col]; names && !ok && col != st.key {
				t.Errorf("%s.%s names a row, it seems: declare it", st.name, col)
			}
			notFile := col == "name_key" || col == "guest_key" // a name's folded form, a call's guest secret
			if strings.HasSuffix(col, "_key") && !notFile && !slices.Contains(st.blobs, col) {
				t.Errorf("%s.%s is a file's key, it seems: declare it", st.name, col)
			}
		}
		if err := cols.Err(); err != nil {
			t.Fatal(err)
		}
		cols.Close()
		// the query selects
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+st.name+` WHERE `+st.where, 1).Scan(&n); err != nil {
			t.Errorf("%s: %v", st.name, err)
		}
		for _, col := range st.docs {
			if len(st.pk) == 0 {
				t.Errorf("%s.%s is rewritten, but the table has no pk declared", st.name, col)
			}
		}
	}
	for _, s := range schoolSkipped {
		var n int
		if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+s.name+` WHERE `+s.where, 1).Scan(&n); err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
	}
	// every table after the tables it names
	for i, st := range schoolTables {
		for _, r := range st.refs {
			targets := []string{r.table}
			if r.kindCol != "" {
				targets = nil
				for _, tt := range r.kinds {
					targets = append(targets, tt)
				}
			}
			for _, target := range targets {
				j := slices.IndexFunc(schoolTables, func(x schoolTable) bool { return x.name == target })
				if j < 0 || (j > i && r.missing == missingFail) {
					t.Errorf("%s.%s names %s, which comes after it (or is not a school's table)", st.name, r.col, target)
				}
			}
		}
	}
}
