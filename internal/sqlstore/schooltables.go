package sqlstore

import (
	"crypto/rand"
	"strings"
)

// The tables of one school, for moving it alone: which rows are the
// school's, which columns hold ids of other rows (and what to do when
// the row they name is not the school's), which hold file keys, secret
// tokens or drawings. Every table of the schema is here or in
// schoolSkipped or installationTables; TestSchoolTablesCoverSchema
// holds this list to the schema, so a new table or reference cannot be
// forgotten.

// missing says what the import does with a reference to a row it did
// not copy.
type missing int

const (
	missingFail  missing = iota // refuse the archive: it is not whole
	missingNull                 // NULL (an optional reference)
	missingZero                 // 0, which means "none" in this column
	missingFloor                // the nearest earlier copied row (a read marker)
	missingDrop                 // leave the row out
)

// ref is a column that holds the id of another table's row.
type ref struct {
	col, table string
	missing    missing
	// list: the ids are separated by spaces
	list bool
	// kinds: the table depends on the value of column kindCol
	kindCol string
	kinds   map[string]string
}

// schoolTable is one table of a school's data.
type schoolTable struct {
	name string
	// key is the column of ids that the import gives anew (an integer
	// id), or that it keeps when free and makes anew otherwise (textKey)
	key     string
	textKey bool
	// where selects the school's rows; $1 is the school's id
	where string
	refs  []ref
	// blobs are columns of file keys ("" for none)
	blobs []string
	// tokens are unique secret columns: kept when no other row has the
	// value, made anew otherwise
	tokens map[string]func() string
	// unique are columns whose value no other row may share and that
	// cannot be made anew (a password's hash): the row is left out when
	// taken
	unique []string
	// docs are columns of JSON that name other rows (a board's
	// drawing); the caller rewrites them (ImportOptions.Rewrite) after
	// every table is copied, by the primary key pk
	docs []string
	pk   []string
	// reset are columns set on import (a running call's node)
	reset map[string]any
}

func bySchool() string { return "school_id = $1" }

// of selects the rows whose column col names a row of the school's in
// table (itself selected by its school_id).
func of(col, table string) string {
	return col + " IN (SELECT id FROM " + table + " WHERE school_id = $1)"
}

// ofRooms and ofMessages select by room and by message.
const (
	ofRooms    = "room_id IN (SELECT id FROM chat_rooms WHERE school_id = $1)"
	ofMessages = "message_id IN (SELECT id FROM chat_messages WHERE " + ofRooms + ")"
)

func to(col, table string) ref             { return ref{col: col, table: table} }
func opt(col, table string, m missing) ref { return ref{col: col, table: table, missing: m} }

func randomLower() string { return strings.ToLower(rand.Text()) }

// schoolTables are the tables in the order the import writes them:
// every table after those its rows name.
var schoolTables = []schoolTable{
	{name: "schools", key: "id", where: "id = $1", tokens: map[string]func() string{"info_token": randomToken}},
	{name: "users", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "groups", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "memberships", where: bySchool(), refs: []ref{to("school_id", "schools"), to("group_id", "groups"), to("user_id", "users")}},
	{name: "parent_links", where: bySchool(), refs: []ref{to("school_id", "schools"), to("parent_id", "users"), to("child_id", "users")}},
	{name: "app_passwords", key: "id", where: of("user_id", "users"), refs: []ref{to("user_id", "users")}, unique: []string{"hash"}},
	{name: "calendar_feeds", where: of("user_id", "users"), refs: []ref{to("user_id", "users")},
		tokens: map[string]func() string{"token": randomToken}},
	{name: "oidc_subjects", where: of("user_id", "users"), refs: []ref{to("user_id", "users")},
		tokens: map[string]func() string{"subject": randomLower}},
	{name: "oidc_clients", key: "id", textKey: true, where: bySchool(), refs: []ref{to("school_id", "schools"),
		{col: "group_ids", table: "groups", list: true, missing: missingDrop}},
		tokens: map[string]func() string{"id": func() string { return "sh-" + rand.Text()[:20] }}},
	{name: "oidc_consents", where: of("user_id", "users") + " AND " + of("client_id", "oidc_clients"),
		refs: []ref{to("user_id", "users"), to("client_id", "oidc_clients")}},

	// settings
	{name: "retention", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "chat_settings", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "exam_settings", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "week_models", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "device_retention", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "exam_coordinators", where: bySchool(), refs: []ref{to("school_id", "schools"), to("user_id", "users")}},
	{name: "device_managers", where: bySchool(), refs: []ref{to("school_id", "schools"), to("user_id", "users")}},

	// timetable
	{name: "lesson_times", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "school_holidays", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "day_texts", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "exam_blocked_days", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "timetable_exams", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "substitutions", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "timetable_plans", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools")}},
	{name: "timetable_entries", where: of("plan_id", "timetable_plans"), refs: []ref{to("plan_id", "timetable_plans"),
		opt("group_id", "groups", missingNull), opt("teacher_id", "users", missingNull)}},

	// files
	{name: "nodes", key: "id", where: bySchool(), blobs: []string{"blob_key"}, refs: []ref{to("school_id", "schools"),
		{col: "space_id", kindCol: "space_kind", kinds: map[string]string{"user": "users", "group": "groups"}},
		to("parent_id", "nodes"), to("created_by", "users"), opt("deleted_by", "users", missingNull)}},
	{name: "node_props", where: of("node_id", "nodes"), refs: []ref{to("node_id", "nodes")}},
	{name: "node_versions", where: of("node_id", "nodes"), blobs: []string{"blob_key"},
		refs: []ref{to("node_id", "nodes"), to("created_by", "users")}},

	// assignments
	{name: "assignments", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("created_by", "users")}},
	{name: "assignment_groups", where: of("assignment_id", "assignments"), refs: []ref{to("assignment_id", "assignments"),
		to("group_id", "groups")}},
	{name: "assignment_files", key: "id", where: of("assignment_id", "assignments"), blobs: []string{"blob_key"},
		refs: []ref{to("assignment_id", "assignments"), to("student_id", "users"), to("uploaded_by", "users")}},
	{name: "submissions", where: of("assignment_id", "assignments"), refs: []ref{to("assignment_id", "assignments"),
		to("student_id", "users"), opt("feedback_by", "users", missingNull)}},

	// exams
	{name: "exams", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("created_by", "users")}},
	{name: "exam_groups", where: of("exam_id", "exams"), refs: []ref{to("exam_id", "exams"), to("group_id", "groups")}},
	{name: "exam_rooms", where: of("exam_id", "exams"), refs: []ref{to("exam_id", "exams")}},
	{name: "exam_students", where: of("exam_id", "exams"), refs: []ref{to("exam_id", "exams"), to("user_id", "users")}},
	{name: "exam_supervisors", where: of("exam_id", "exams"), refs: []ref{to("exam_id", "exams"), to("user_id", "users")}},

	// messenger
	{name: "chat_rooms", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("group_id", "groups")}},
	{name: "chat_members", where: ofRooms, refs: []ref{to("room_id", "chat_rooms"), to("user_id", "users")}},
	{name: "chat_mutes", where: ofRooms, refs: []ref{to("room_id", "chat_rooms"), to("user_id", "users")}},
	// a reply names an earlier message (0: none), which the retention
	// may have deleted
	{name: "chat_messages", key: "id", where: ofRooms, refs: []ref{to("room_id", "chat_rooms"), to("sender_id", "users"),
		opt("reply_to", "chat_messages", missingZero)}},
	{name: "chat_attachments", key: "id", where: ofRooms, blobs: []string{"blob_key"}, refs: []ref{to("room_id", "chat_rooms"),
		to("message_id", "chat_messages"), to("uploaded_by", "users")}},
	{name: "chat_mentions", where: ofMessages, refs: []ref{to("message_id", "chat_messages"), to("user_id", "users")}},
	{name: "chat_reactions", where: ofMessages, refs: []ref{to("message_id", "chat_messages"), to("user_id", "users")}},
	{name: "chat_reads", where: ofRooms, refs: []ref{to("room_id", "chat_rooms"), to("user_id", "users"),
		opt("last_read", "chat_messages", missingFloor)}},
	{name: "chat_reports", key: "id", where: ofRooms, refs: []ref{to("room_id", "chat_rooms"), to("message_id", "chat_messages"),
		to("reporter_id", "users"), opt("handled_by", "users", missingNull)}},

	// boards: the drawing names its pictures ("i" and the id) and its
	// authors, rewritten once the pictures are copied
	{name: "boards", key: "id", where: bySchool(), docs: []string{"snapshot"}, pk: []string{"id"},
		refs: []ref{to("school_id", "schools"), to("owner_id", "users"), to("group_id", "groups")}},
	{name: "board_drawers", where: of("board_id", "boards"), refs: []ref{to("board_id", "boards"), to("user_id", "users")}},
	{name: "board_images", key: "id", where: of("board_id", "boards"), blobs: []string{"blob_key", "render_key"},
		refs: []ref{to("board_id", "boards"), to("uploaded_by", "users")}},
	{name: "board_ops", where: of("board_id", "boards"), docs: []string{"op"}, pk: []string{"board_id", "seq"},
		refs: []ref{to("board_id", "boards"), to("author_id", "users")}},

	// video lessons: a call runs on the node that holds it; a copied
	// one is held by none
	{name: "calls", key: "id", where: bySchool(), reset: map[string]any{"node": "", "node_until": int64(0)},
		refs: []ref{to("school_id", "schools"), to("group_id", "groups"), to("created_by", "users")}},

	// devices
	{name: "device_sets", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("group_id", "groups")}},
	{name: "devices", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("set_id", "device_sets")}},
	{name: "device_loans", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("device_id", "devices"),
		to("user_id", "users"), to("lent_by", "users")}},
	{name: "device_reservations", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("set_id", "device_sets"),
		to("device_id", "devices"), to("user_id", "users")}},
	{name: "device_damage", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("device_id", "devices"),
		to("reported_by", "users")}},
	{name: "device_damage_photos", key: "id", where: of("damage_id", "device_damage"), blobs: []string{"blob_key"},
		refs: []ref{to("damage_id", "device_damage")}},
	{name: "device_audits", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"), to("done_by", "users")}},
	{name: "device_audit_items", where: of("audit_id", "device_audits"), refs: []ref{to("audit_id", "device_audits"),
		to("device_id", "devices")}},

	// the audit log: an operator's actions name no user of the school
	{name: "audit_log", key: "id", where: bySchool(), refs: []ref{to("school_id", "schools"),
		opt("actor_id", "users", missingZero)}},
}

// schoolSkipped are the school's rows that an export leaves out: what
// lives only while a user is logged in or a request runs (sessions,
// uploads in flight, single sign-on's codes and tokens, a call's guests,
// push subscriptions bound to this installation's key), the undo of a
// rollover, a consent to support, WebDAV locks, who presents on a
// board. Importing over a school deletes
// them.
var schoolSkipped = []struct{ name, where string }{
	{"sessions", of("user_id", "users")},
	{"uploads", bySchool()},
	{"push_subscriptions", of("user_id", "users")},
	{"oidc_tokens", of("user_id", "users")},
	{"oidc_auth_requests", of("user_id", "users")},
	{"call_guests", bySchool()},
	{"rollovers", bySchool()},
	{"support_consents", bySchool()},
	{"dav_locks", of("owner", "users")},
	{"board_presenters", of("board_id", "boards")},
}

// installationTables belong to no school.
var installationTables = []string{"announcements", "oidc_keys", "settings", "schema_migrations", "leases"}

func schoolTableByName(name string) *schoolTable {
	for i := range schoolTables {
		if schoolTables[i].name == name {
			return &schoolTables[i]
		}
	}
	return nil
}
