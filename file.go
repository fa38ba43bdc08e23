package schulhof

import (
	"context"
	"strings"
	"time"
)

// NodeID identifies a file or folder.
type NodeID int64

// SpaceKind says whose tree a node is in.
type SpaceKind string

const (
	SpaceUser  SpaceKind = "user"  // a user's own folder ("Meine Dateien")
	SpaceGroup SpaceKind = "group" // a class's, course's or group's shared folder
)

// Space is one tree of files: a user's home or a group's folder.
type Space struct {
	Kind SpaceKind `json:"kind"`
	ID   int64     `json:"id"` // the user's or the group's id
}

// Node is a file or a folder.
type Node struct {
	ID          NodeID   `json:"id"`
	SchoolID    SchoolID `json:"school_id"`
	Space       Space    `json:"space"`
	ParentID    NodeID   `json:"parent_id,omitempty"` // 0 at the top of the space
	Name        string   `json:"name"`
	IsFolder    bool     `json:"is_folder"`
	Size        int64    `json:"size"`
	SHA256      string   `json:"sha256,omitempty"`
	ContentType string   `json:"content_type,omitempty"`
	Version     int      `json:"version,omitempty"` // of a file's content, from 1
	BlobKey     string   `json:"-"`
	// StudentsUpload lets members who are not leaders add files to this
	// folder of a group (a hand-in box, a shared collection).
	StudentsUpload bool       `json:"students_upload,omitempty"`
	CreatedBy      UserID     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeletedAt      *time.Time `json:"deleted_at,omitempty"` // in the trash since
}

// NameKey is how names are compared within a folder: the iPad, Windows
// and macOS treat "Blatt.pdf" and "blatt.PDF" as the same file, so a
// folder may hold only one of them.
func NameKey(name string) string { return strings.ToLower(name) }

// FileVersion is an earlier content of a file, kept when it was overwritten.
type FileVersion struct {
	NodeID    NodeID    `json:"node_id"`
	Version   int       `json:"version"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	BlobKey   string    `json:"-"`
	CreatedBy UserID    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// NewContent is the stored bytes of an upload, ready to become visible.
type NewContent struct {
	BlobKey     string
	Size        int64
	SHA256      string
	ContentType string
}

// FileService keeps the tree of files and folders. Blobs are never removed
// by these methods: a sweeper deletes the blobs no row names any more, so
// that a rolled-back transaction cannot lose bytes that are still named.
//
// Errors: ENotFound for a node not in the school and space (or in the
// trash where a live one is wanted); EConflict for a name taken in the
// folder (compared by NameKey) or a parent that is a file; EInvalid from
// CleanName.
type FileService interface {
	FindNode(ctx context.Context, school SchoolID, id NodeID) (*Node, error)
	// FindNodeByPath walks names from the top of the space.
	FindNodeByPath(ctx context.Context, school SchoolID, space Space, names []string) (*Node, error)
	// FindNodes lists a folder (parent 0: the top of the space).
	FindNodes(ctx context.Context, school SchoolID, space Space, parent NodeID) ([]*Node, error)
	// FindRecentFiles lists up to limit live files of a space (no
	// folders), the most recently changed first.
	FindRecentFiles(ctx context.Context, school SchoolID, space Space, limit int) ([]*Node, error)
	CreateFolder(ctx context.Context, school SchoolID, space Space, parent NodeID, name string) (*Node, error)
	// PutFile creates the file, or gives an existing one new content and
	// keeps the old as a version; beyond keepVersions the oldest go.
	PutFile(ctx context.Context, school SchoolID, space Space, parent NodeID, name string, c NewContent, keepVersions int) (*Node, error)
	FindVersions(ctx context.Context, school SchoolID, id NodeID) ([]*FileVersion, error)
	// TrashNode moves a node (and what is below it) to the trash.
	TrashNode(ctx context.Context, school SchoolID, id NodeID) error
	// RestoreNode brings a node back from the trash, renamed if its name
	// was taken meanwhile, to the top of the space if its folder is gone.
	RestoreNode(ctx context.Context, school SchoolID, id NodeID) (*Node, error)
	FindTrash(ctx context.Context, school SchoolID, space Space) ([]*Node, error)
	// PurgeTrash removes what has been in the trash since before the time.
	PurgeTrash(ctx context.Context, before time.Time) (int64, error)
	// SpaceUsage counts the bytes of a space's live files and versions.
	SpaceUsage(ctx context.Context, school SchoolID, space Space) (int64, error)
	// BlobInUse reports whether any file or version names the blob.
	BlobInUse(ctx context.Context, key string) (bool, error)
}

// DefaultQuotas are the bytes a space may hold unless the installation
// sets others: enough for a school year's worksheets and hand-ins for a
// student, for a teacher's material, for a class's shared folder.
var DefaultQuotas = map[SpaceKind]map[Role]int64{
	SpaceUser:  {RoleStudent: 2 << 30, RoleParent: 100 << 20, RoleTeacher: 20 << 30, RoleSchoolAdmin: 20 << 30, RoleOperator: 1 << 30},
	SpaceGroup: {0: 20 << 30},
}

// Upload is a resumable upload under way: the bytes arrive in pieces
// (internal/blob keeps them) and become the file Name in ParentID when
// the last piece is there.
type Upload struct {
	ID        string    `json:"id"`
	SchoolID  SchoolID  `json:"school_id"`
	Space     Space     `json:"space"`
	ParentID  NodeID    `json:"parent"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	UserID    UserID    `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	Offset    int64     `json:"offset"` // bytes stored so far
}

// UploadService keeps the resumable uploads under way.
type UploadService interface {
	CreateUpload(ctx context.Context, u *Upload) error
	// FindUpload returns the user's upload; another user's is ENotFound.
	FindUpload(ctx context.Context, school SchoolID, user UserID, id string) (*Upload, error)
	DeleteUpload(ctx context.Context, id string) error
	// FindUploadsBefore lists uploads started before the time, for the
	// housekeeping that drops abandoned ones.
	FindUploadsBefore(ctx context.Context, before time.Time) ([]*Upload, error)
}

// UploadLifetime is how long an unfinished upload may be resumed.
const UploadLifetime = 48 * time.Hour

// NodeProp is a property a WebDAV client stored on a node.
type NodeProp struct {
	Space, Name, InnerXML, Lang string
}

// NodePropChange sets a property, or removes it.
type NodePropChange struct {
	Remove bool
	Prop   NodeProp
}

// A file's dead properties (what WebDAV clients store beside it: tags,
// colours, a Finder's notes) are bounded, so that they cannot walk around
// the quota: 64 KiB of text and 200 properties per file.
const (
	MaxNodePropsSize = 64 << 10
	MaxNodeProps     = 200
)
