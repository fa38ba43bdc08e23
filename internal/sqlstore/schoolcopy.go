package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/schulhof/schulhof"
)

// Moving one school between installations (or restoring it alone): the
// export reads the school's rows of every table in one snapshot; the
// import writes them in one transaction with new ids (every other
// school's ids are taken), pointing every reference at the new rows.
// The rows travel as plain values, so an export of SQLite imports into
// PostgreSQL and back. The archive around them is internal/backup's.

// Column is one column of an exported table.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"` // int, bool, text, blob or real
	// Blob: the column holds the key of a file (which the archive holds)
	Blob bool `json:"blob,omitempty"`
}

// RowSink receives the rows of an export, table by table.
type RowSink interface {
	Table(name string, cols []Column) error
	// Row's values are int64, bool, string, []byte, float64 or nil.
	Row(vals []any) error
}

// SchoolTableNames are the tables of a school's export, in the order
// the import writes them.
func SchoolTableNames() []string {
	out := make([]string, len(schoolTables))
	for i, t := range schoolTables {
		out[i] = t.name
	}
	return out
}

// ExportSchool writes every row of the school's to sink, table by
// table, all read in one snapshot of the database.
func (db *DB) ExportSchool(ctx context.Context, school schulhof.SchoolID, sink RowSink) error {
	opts := &sql.TxOptions{ReadOnly: db.dialect == Postgres}
	if db.dialect == Postgres {
		// one snapshot for every statement, not one per statement
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	for _, t := range schoolTables {
		if err := exportTable(ctx, tx, t, school, sink); err != nil {
			return fmt.Errorf("export %s: %w", t.name, err)
		}
	}
	return nil
}

func exportTable(ctx context.Context, tx *sql.Tx, t schoolTable, school schulhof.SchoolID, sink RowSink) error {
	q := `SELECT * FROM ` + t.name + ` WHERE ` + t.where
	if t.key != "" {
		// the import gives new ids in this order: ids keep their order
		q += ` ORDER BY ` + t.key
	}
	rows, err := tx.QueryContext(ctx, q, school)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	cols := make([]Column, len(types))
	for i, ct := range types {
		kind, err := columnKind(ct.DatabaseTypeName())
		if err != nil {
			return fmt.Errorf("column %s: %w", ct.Name(), err)
		}
		cols[i] = Column{Name: ct.Name(), Type: kind, Blob: slices.Contains(t.blobs, ct.Name())}
	}
	if err := sink.Table(t.name, cols); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, c := range cols {
			v, err := normalize(c, vals[i])
			if err != nil {
				return err
			}
			vals[i] = v
		}
		if err := sink.Row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// columnKind maps both databases' column types to the export's.
func columnKind(dbType string) (string, error) {
	switch strings.ToUpper(dbType) {
	case "INTEGER", "BIGINT", "INT", "INT2", "INT4", "INT8", "SMALLINT":
		return "int", nil
	case "BOOLEAN", "BOOL":
		return "bool", nil
	case "TEXT", "VARCHAR":
		return "text", nil
	case "BLOB", "BYTEA":
		return "blob", nil
	case "REAL", "FLOAT8", "DOUBLE PRECISION", "FLOAT4":
		return "real", nil
	}
	return "", fmt.Errorf("column type %q is not known to the export", dbType)
}

// normalize makes a scanned value the export's: SQLite keeps booleans
// as integers.
func normalize(c Column, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Type {
	case "bool":
		switch b := v.(type) {
		case bool:
			return b, nil
		case int64:
			return b != 0, nil
		}
	case "int":
		if n, ok := v.(int64); ok {
			return n, nil
		}
	case "text":
		switch s := v.(type) {
		case string:
			return s, nil
		case []byte:
			return string(s), nil
		}
	case "blob":
		switch b := v.(type) {
		case []byte:
			return slices.Clone(b), nil
		case string:
			return []byte(b), nil
		}
	case "real":
		switch f := v.(type) {
		case float64:
			return f, nil
		case int64:
			return float64(f), nil
		}
	}
	return nil, fmt.Errorf("column %s: %T is not a %s", c.Name, v, c.Type)
}

// SchemaVersion is the number of the database's last migration.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// RowSource gives the rows of an import, table by table, in the order
// of SchoolTableNames (tables the archive lacks are skipped).
type RowSource interface {
	// NextTable returns the next table, or io.EOF after the last.
	NextTable() (name string, cols []Column, err error)
	// Row returns the table's next row (typed as Column.Type says), or
	// io.EOF after its last.
	Row() ([]any, error)
}

// IDMap says which new id each copied row got, by table.
type IDMap struct {
	ids   map[string]map[int64]int64
	texts map[string]map[string]string
	// sorted old ids, by table, for missingFloor
	sorted map[string][]int64
}

// ID returns the new id of the table's row that had id old.
func (m *IDMap) ID(table string, old int64) (int64, bool) {
	n, ok := m.ids[table][old]
	return n, ok
}

// Len is how many rows of the table got new ids.
func (m *IDMap) Len(table string) int { return len(m.ids[table]) + len(m.texts[table]) }

// ImportOptions say how a school comes in.
type ImportOptions struct {
	// Slug is the school's address here; "" keeps the archive's.
	Slug string
	// Replace deletes the school that has the slug here first, in the
	// same transaction: restoring a school alone. Its audit entries since
	// Since stay (the record of what happened after the archive).
	Replace bool
	Since   int64
	// Blobs are the files' new keys by their keys in the archive (the
	// caller stored the files first).
	Blobs map[string]string
	// Rewrite rewrites a JSON document that names other rows (by table,
	// "boards.snapshot" and "board_ops.op"), through the map.
	Rewrite map[string]func(doc []byte, ids *IDMap) ([]byte, error)
	// Verify is called after the last row, before the commit: the
	// archive's checksums.
	Verify func() error
	// Details go into the import's audit entry.
	Details string
}

// ImportReport says what an import did.
type ImportReport struct {
	School   *schulhof.School
	Rows     map[string]int // by table
	Replaced bool
	Renewed  []string // tokens made anew because another row had them ("table.column")
	Dropped  map[string]int
	IDs      *IDMap
}

// ErrSchoolExists refuses an import whose slug is taken (without
// Replace).
var ErrSchoolExists = errors.New("a school with this address exists")

// ImportSchool writes a school's rows from src in one transaction.
func (db *DB) ImportSchool(ctx context.Context, src RowSource, opt ImportOptions) (*ImportReport, error) {
	rep := &ImportReport{Rows: map[string]int{}, Dropped: map[string]int{}, IDs: &IDMap{
		ids: map[string]map[int64]int64{}, texts: map[string]map[string]string{}, sorted: map[string][]int64{}}}
	err := db.update(ctx, func(tx *sql.Tx) error {
		im := &importer{db: db, tx: tx, opt: opt, rep: rep, m: rep.IDs}
		return im.run(ctx, src)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

type importer struct {
	db  *DB
	tx  *sql.Tx
	opt ImportOptions
	rep *ImportReport
	m   *IDMap
	// old is the replaced school's id
	old schulhof.SchoolID
}

func (im *importer) run(ctx context.Context, src RowSource) error {
	next := 0 // the index in schoolTables of the next table expected
	for {
		name, cols, err := src.NextTable()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		i := slices.IndexFunc(schoolTables[next:], func(t schoolTable) bool { return t.name == name })
		if i < 0 {
			if schoolTableByName(name) != nil {
				return fmt.Errorf("archive: table %s out of order", name)
			}
			return fmt.Errorf("archive: table %s is not known to this release (an archive of a newer one?)", name)
		}
		t := schoolTables[next+i]
		next += i + 1
		if t.name != "schools" && im.m.Len("schools") == 0 {
			return errors.New("archive: the school's row comes first")
		}
		if err := im.table(ctx, t, cols, src); err != nil {
			return fmt.Errorf("import %s: %w", t.name, err)
		}
	}
	if im.m.Len("schools") != 1 {
		return errors.New("archive: no school in it")
	}
	for _, t := range schoolTables {
		if err := im.rewriteDocs(ctx, t); err != nil {
			return fmt.Errorf("import %s: %w", t.name, err)
		}
	}
	if im.opt.Replace && im.old != 0 {
		if err := im.keepRecentAudit(ctx); err != nil {
			return err
		}
	}
	if im.opt.Verify != nil {
		if err := im.opt.Verify(); err != nil {
			return err
		}
	}
	s := im.rep.School
	return im.db.audit(ctx, im.tx, s.ID, "school.import", s.Slug, im.opt.Details)
}

// targetColumns are the table's columns here.
func (im *importer) targetColumns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := im.tx.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, rows.Err()
}

func (im *importer) table(ctx context.Context, t schoolTable, cols []Column, src RowSource) error {
	have, err := im.targetColumns(ctx, t.name)
	if err != nil {
		return err
	}
	idx := map[string]int{}
	for i, c := range cols {
		if !have[c.Name] {
			return fmt.Errorf("archive: column %s is not known to this release (an archive of a newer one?)", c.Name)
		}
		idx[c.Name] = i
	}
	if t.name == "schools" {
		if _, ok := idx["slug"]; !ok {
			return errors.New("archive: the school has no slug")
		}
	}
	for _, need := range append([]string{t.key}, refCols(t)...) {
		if _, ok := idx[need]; need != "" && !ok {
			return fmt.Errorf("archive: column %s is missing", need)
		}
	}
	// the insert: every column but an integer key, which the database
	// gives
	var names, marks []string
	var from []int
	for i, c := range cols {
		if c.Name == t.key && !t.textKey {
			continue
		}
		names = append(names, c.Name)
		marks = append(marks, "$"+strconv.Itoa(len(marks)+1))
		from = append(from, i)
	}
	q := `INSERT INTO ` + t.name + ` (` + strings.Join(names, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
	intKey := t.key != "" && !t.textKey
	if intKey {
		q += ` RETURNING ` + t.key
	}
	ins, err := im.tx.PrepareContext(ctx, q)
	if err != nil {
		return err
	}
	defer ins.Close()

	var ids map[int64]int64
	var texts map[string]string
	if intKey {
		ids = map[int64]int64{}
		im.m.ids[t.name] = ids
	}
	if t.textKey {
		texts = map[string]string{}
		im.m.texts[t.name] = texts
	}
	// a table that names its own rows (a folder's parent) waits for
	// them: rows whose parent is not yet copied are held back
	self := selfRef(t)
	var held [][]any
	args := make([]any, len(from))
	insert := func(row []any) (bool, error) {
		if self != "" {
			if p, ok := row[idx[self]].(int64); ok {
				if _, done := ids[p]; !done {
					return false, nil
				}
			}
		}
		keep, err := im.mapRow(ctx, t, cols, idx, row)
		if err != nil || !keep {
			return true, err
		}
		for i, j := range from {
			args[i] = row[j]
		}
		if intKey {
			var id int64
			if err := ins.QueryRowContext(ctx, args...).Scan(&id); err != nil {
				return true, err
			}
			old := row[idx[t.key]].(int64)
			ids[old] = id
			if t.name == "schools" {
				im.rep.School = &schulhof.School{ID: schulhof.SchoolID(id), Slug: row[idx["slug"]].(string), Name: row[idx["name"]].(string)}
			}
		} else if _, err := ins.ExecContext(ctx, args...); err != nil {
			return true, err
		}
		im.rep.Rows[t.name]++
		return true, nil
	}
	for {
		row, err := src.Row()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(row) != len(cols) {
			return fmt.Errorf("archive: a row of %d values, %d columns", len(row), len(cols))
		}
		if self != "" {
			row = slices.Clone(row)
		}
		done, err := insert(row)
		if err != nil {
			return err
		}
		if !done {
			held = append(held, row)
		}
	}
	// the held rows, as long as one of them goes in
	for len(held) > 0 {
		var still [][]any
		for _, row := range held {
			done, err := insert(row)
			if err != nil {
				return err
			}
			if !done {
				still = append(still, row)
			}
		}
		if len(still) == len(held) {
			return fmt.Errorf("archive: %d rows name a %s that is not in it", len(still), self)
		}
		held = still
	}
	if intKey {
		sorted := make([]int64, 0, len(ids))
		for old := range ids {
			sorted = append(sorted, old)
		}
		slices.Sort(sorted)
		im.m.sorted[t.name] = sorted
	}
	return nil
}

func refCols(t schoolTable) []string {
	var out []string
	for _, r := range t.refs {
		out = append(out, r.col)
		if r.kindCol != "" {
			out = append(out, r.kindCol)
		}
	}
	return out
}

func selfRef(t schoolTable) string {
	for _, r := range t.refs {
		if r.table == t.name && r.missing == missingFail {
			return r.col
		}
	}
	return ""
}

// mapRow points the row's references at the copied rows, gives new
// tokens where the old are taken and new file keys; false leaves the
// row out.
func (im *importer) mapRow(ctx context.Context, t schoolTable, cols []Column, idx map[string]int, row []any) (bool, error) {
	if t.name == "schools" {
		if im.opt.Slug != "" {
			row[idx["slug"]] = im.opt.Slug
		}
		if err := im.replaceSchool(ctx, row[idx["slug"]].(string)); err != nil {
			return false, err
		}
	}
	for _, r := range t.refs {
		i := idx[r.col]
		table := r.table
		if r.kindCol != "" {
			kind, _ := row[idx[r.kindCol]].(string)
			if table = r.kinds[kind]; table == "" {
				return false, fmt.Errorf("archive: %s %q is not known", r.kindCol, kind)
			}
		}
		v, keep, err := im.mapRef(r, table, row[i])
		if err != nil {
			return false, fmt.Errorf("%s.%s: %w", t.name, r.col, err)
		}
		if !keep {
			im.rep.Dropped[t.name]++
			return false, nil
		}
		row[i] = v
	}
	for _, c := range t.blobs {
		i := idx[c]
		k, _ := row[i].(string)
		if k == "" {
			continue
		}
		n, ok := im.opt.Blobs[k]
		if !ok {
			return false, fmt.Errorf("archive: %s.%s names the file %s, which is not in it", t.name, c, k)
		}
		row[i] = n
	}
	for col, v := range t.reset {
		if i, ok := idx[col]; ok {
			row[i] = v
		}
	}
	for _, col := range t.unique {
		taken, err := im.taken(ctx, t.name, col, row[idx[col]])
		if err != nil {
			return false, err
		}
		if taken {
			im.rep.Dropped[t.name]++
			return false, nil
		}
	}
	for _, col := range slices.Sorted(maps.Keys(t.tokens)) {
		i := idx[col]
		old, _ := row[i].(string)
		if old == "" {
			continue
		}
		taken, err := im.taken(ctx, t.name, col, old)
		if err != nil {
			return false, err
		}
		v := old
		if taken {
			v = t.tokens[col]()
			im.rep.Renewed = append(im.rep.Renewed, t.name+"."+col)
		}
		if t.textKey && col == t.key {
			im.m.texts[t.name][old] = v
		}
		row[i] = v
	}
	return true, nil
}

// mapRef maps one reference.
func (im *importer) mapRef(r ref, table string, v any) (any, bool, error) {
	switch old := v.(type) {
	case nil:
		return nil, true, nil
	case string:
		if r.list {
			var out []string
			for _, f := range strings.Fields(old) {
				n, err := strconv.ParseInt(f, 10, 64)
				if err != nil {
					return nil, false, fmt.Errorf("archive: %q is not an id", f)
				}
				if id, ok := im.m.ids[table][n]; ok {
					out = append(out, strconv.FormatInt(id, 10))
				} else if r.missing != missingDrop {
					return nil, false, fmt.Errorf("archive: %s %d is not in it", table, n)
				}
			}
			return strings.Join(out, " "), true, nil
		}
		if n, ok := im.m.texts[table][old]; ok {
			return n, true, nil
		}
		return im.missing(r, table, old)
	case int64:
		if old == 0 {
			return old, true, nil // none
		}
		if n, ok := im.m.ids[table][old]; ok {
			return n, true, nil
		}
		if r.missing == missingFloor {
			sorted := im.m.sorted[table]
			i, _ := slices.BinarySearch(sorted, old)
			if i == 0 {
				return int64(0), true, nil
			}
			return im.m.ids[table][sorted[i-1]], true, nil
		}
		return im.missing(r, table, old)
	}
	return nil, false, fmt.Errorf("archive: %T is not an id", v)
}

func (im *importer) missing(r ref, table string, old any) (any, bool, error) {
	switch r.missing {
	case missingNull:
		return nil, true, nil
	case missingZero:
		return int64(0), true, nil
	case missingDrop:
		return nil, false, nil
	}
	return nil, false, fmt.Errorf("archive: names %s %v, which is not in it", table, old)
}

// taken reports whether a row here has the value in the column.
func (im *importer) taken(ctx context.Context, table, col string, v any) (bool, error) {
	var n int
	err := im.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+col+` = $1`, v).Scan(&n)
	return n > 0, err
}

// replaceSchool frees the slug: refused when taken, unless Replace,
// which deletes the school there (its rows of every table).
func (im *importer) replaceSchool(ctx context.Context, slug string) error {
	var id int64
	err := im.tx.QueryRowContext(ctx, `SELECT id FROM schools WHERE slug = $1`, slug).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if im.opt.Replace {
			return fmt.Errorf("%s: no school to replace", slug)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !im.opt.Replace {
		return fmt.Errorf("%s: %w", slug, ErrSchoolExists)
	}
	im.old = schulhof.SchoolID(id)
	im.rep.Replaced = true
	return deleteSchool(ctx, im.tx, im.old, true)
}

// deleteSchool deletes every row of the school's; keepAudit leaves its
// audit entries (the import decides which stay).
func deleteSchool(ctx context.Context, tx *sql.Tx, school schulhof.SchoolID, keepAudit bool) error {
	for _, s := range schoolSkipped {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+s.name+` WHERE `+s.where, school); err != nil {
			return fmt.Errorf("delete %s: %w", s.name, err)
		}
	}
	for i := len(schoolTables) - 1; i >= 0; i-- {
		t := schoolTables[i]
		if keepAudit && t.name == "audit_log" {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.name+` WHERE `+t.where, school); err != nil {
			return fmt.Errorf("delete %s: %w", t.name, err)
		}
	}
	return nil
}

// keepRecentAudit: of the replaced school's audit entries, those made
// since the archive stay, now the new school's (their actors found by
// login); the older ones are in the archive.
func (im *importer) keepRecentAudit(ctx context.Context) error {
	school := im.rep.School.ID
	if _, err := im.tx.ExecContext(ctx, `DELETE FROM audit_log WHERE school_id = $1 AND created_at < $2`, im.old, im.opt.Since); err != nil {
		return err
	}
	_, err := im.tx.ExecContext(ctx, `UPDATE audit_log SET school_id = $1,
		actor_id = COALESCE((SELECT u.id FROM users u WHERE u.school_id = $1 AND u.login = audit_log.actor_login), 0)
		WHERE school_id = $2`, school, im.old)
	return err
}

// rewriteDocs rewrites the table's JSON documents that name other rows,
// now that every row is copied.
func (im *importer) rewriteDocs(ctx context.Context, t schoolTable) error {
	for _, col := range t.docs {
		fn := im.opt.Rewrite[t.name+"."+col]
		if fn == nil {
			return fmt.Errorf("no rewrite for %s.%s", t.name, col)
		}
		rows, err := im.tx.QueryContext(ctx, `SELECT `+strings.Join(t.pk, ", ")+`, `+col+` FROM `+t.name+` WHERE `+t.where,
			im.rep.School.ID)
		if err != nil {
			return err
		}
		type doc struct {
			pk  []any
			raw []byte
		}
		var docs []doc
		for rows.Next() {
			d := doc{pk: make([]any, len(t.pk))}
			dest := make([]any, 0, len(t.pk)+1)
			for i := range d.pk {
				dest = append(dest, &d.pk[i])
			}
			var raw string
			dest = append(dest, &raw)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
			d.raw = []byte(raw)
			docs = append(docs, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		where := make([]string, len(t.pk))
		for i, k := range t.pk {
			where[i] = k + " = $" + strconv.Itoa(i+2)
		}
		upd, err := im.tx.PrepareContext(ctx, `UPDATE `+t.name+` SET `+col+` = $1 WHERE `+strings.Join(where, " AND "))
		if err != nil {
			return err
		}
		for _, d := range docs {
			out, err := fn(d.raw, im.m)
			if err != nil {
				upd.Close()
				return fmt.Errorf("%s: %w", col, err)
			}
			if _, err := upd.ExecContext(ctx, append([]any{string(out)}, d.pk...)...); err != nil {
				upd.Close()
				return err
			}
		}
		upd.Close()
	}
	return nil
}

// ColumnRole says what a column of a school's table holds, for checks
// that compare a school with its copy: "key" or "ref" (an id of table
// target; for a reference whose table depends on another column, target
// is that column's value's table, see KindTable), "blob", "token",
// "doc", "reset", or "" for a plain value.
func ColumnRole(table, col string) (role, target string) {
	t := schoolTableByName(table)
	if t == nil {
		return "", ""
	}
	switch {
	case col == t.key:
		return "key", table
	case slices.Contains(t.blobs, col):
		return "blob", ""
	case slices.Contains(t.docs, col):
		return "doc", ""
	}
	if _, ok := t.tokens[col]; ok {
		return "token", ""
	}
	if _, ok := t.reset[col]; ok {
		return "reset", ""
	}
	for _, r := range t.refs {
		if r.col == col {
			if r.kindCol != "" {
				return "ref", r.kindCol
			}
			return "ref", r.table
		}
	}
	return "", ""
}

// KindTable is the table a reference names by a kind column's value
// (nodes.space_id by space_kind).
func KindTable(table, col, kind string) string {
	if t := schoolTableByName(table); t != nil {
		for _, r := range t.refs {
			if r.col == col {
				return r.kinds[kind]
			}
		}
	}
	return ""
}

// Text returns the new value of a copied row's text key.
func (m *IDMap) Text(table, old string) (string, bool) {
	n, ok := m.texts[table][old]
	return n, ok
}
