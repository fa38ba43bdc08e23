// Package accounts is the module of who uses Schulhof: the operator and
// the schools, users, parents and children, classes and groups, the
// yearly import from the school office and the login letters, the
// school's settings page and the audit log. Logging in is the module
// login's.
package accounts

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/password"
	"github.com/schulhof/schulhof/internal/web/kit"
)

// assets are the module's templates, sentences and part of the OpenAPI
// document (kit.AddAssets).
//
//go:embed all:assets
var assets embed.FS

var openAPIPart = kit.AddAssets(assets, nil)

// Store is what the module reads and writes of the store.
type Store interface {
	CreateGroup(ctx context.Context, g *schulhof.Group) error
	CreateSchool(ctx context.Context, s *schulhof.School) error
	CreateUser(ctx context.Context, u *schulhof.User, passwordHash string) error
	DeleteGroup(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) error
	DeleteUserSessions(ctx context.Context, user schulhof.UserID, keep []byte) error
	FindAuditEntries(ctx context.Context, f schulhof.AuditFilter) ([]*schulhof.AuditEntry, error)
	FindAuditBy(ctx context.Context, user schulhof.UserID) ([]*schulhof.AuditEntry, error)
	CopySchoolSettings(ctx context.Context, template, school schulhof.SchoolID) error
	SetSupportConsent(ctx context.Context, school schulhof.SchoolID, admin schulhof.UserID, until time.Time) error
	FindSupportConsent(ctx context.Context, school schulhof.SchoolID) (time.Time, error)
	StartSupport(ctx context.Context, s *schulhof.Session, login string) error
	EndSupport(ctx context.Context, tokenHash []byte, u *schulhof.User) error
	FindSchoolByID(ctx context.Context, id schulhof.SchoolID) (*schulhof.School, error)
	FindChildren(ctx context.Context, school schulhof.SchoolID, parent schulhof.UserID) ([]*schulhof.User, error)
	FindGroupByID(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) (*schulhof.Group, error)
	FindGroups(ctx context.Context, f schulhof.GroupFilter) ([]*schulhof.Group, error)
	FindMembers(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID) ([]*schulhof.Member, error)
	FindOperator(ctx context.Context) (*schulhof.Operator, error)
	FindSchoolBySlug(ctx context.Context, slug string) (*schulhof.School, error)
	FindSchools(ctx context.Context) ([]*schulhof.School, error)
	FindUserByID(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID) (*schulhof.User, error)
	FindUserByLogin(ctx context.Context, school schulhof.SchoolID, login string) (*schulhof.User, error)
	FindUsers(ctx context.Context, f schulhof.UserFilter) ([]*schulhof.User, string, error)
	FindUsersByIDs(ctx context.Context, school schulhof.SchoolID, ids []schulhof.UserID) ([]*schulhof.User, error)
	ImportUsers(ctx context.Context, school schulhof.SchoolID, rows []schulhof.ImportRow, errs []schulhof.ImportLineError, opts schulhof.ImportOptions) (*schulhof.ImportReport, error)
	IsMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) (bool, error)
	IsParentOf(ctx context.Context, parent, child schulhof.UserID) (bool, error)
	LinkParent(ctx context.Context, school schulhof.SchoolID, parent, child schulhof.UserID) error
	RemoveMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID) error
	RenameGroup(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID, name string) (*schulhof.Group, error)
	SetGroupUntisCode(ctx context.Context, school schulhof.SchoolID, id schulhof.GroupID, code string) (*schulhof.Group, error)
	SetInitialPasswords(ctx context.Context, school schulhof.SchoolID, hashes map[schulhof.UserID]string) error
	SetMember(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, user schulhof.UserID, role schulhof.MemberRole) error
	SetMembers(ctx context.Context, school schulhof.SchoolID, group schulhof.GroupID, users []schulhof.UserID, role schulhof.MemberRole) error
	SetPassword(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, hash string, mustChange bool) error
	SetTOTP(ctx context.Context, user schulhof.UserID, secret string, enabled bool) error
	SharesGroup(ctx context.Context, a, b schulhof.UserID) (bool, error)
	UnlinkParent(ctx context.Context, school schulhof.SchoolID, parent, child schulhof.UserID) error
	UpdateOperator(ctx context.Context, o *schulhof.Operator) error
	UpdateSchool(ctx context.Context, id schulhof.SchoolID, upd schulhof.SchoolUpdate) (*schulhof.School, error)
	UpdateUser(ctx context.Context, school schulhof.SchoolID, id schulhof.UserID, upd schulhof.UserUpdate) (*schulhof.User, error)
}

// Timetable is what accounts need of the timetable: a new school starts
// with its state's holidays, the settings page shows the info screen's
// address.
type Timetable interface {
	StartWithStateHolidays(ctx context.Context, sc *schulhof.School)
	SettingsPage(r *http.Request, sc *schulhof.School, data map[string]any) error
}

// Config is what accounts take of the configuration.
type Config struct {
	// Quotas overrides schulhof.DefaultQuotas (shown as the defaults on
	// the settings page).
	Quotas map[schulhof.SpaceKind]map[schulhof.Role]int64
}

// Module serves the accounts' pages and API.
type Module struct {
	*kit.Deps
	db        Store
	hasher    *password.Hasher
	timetable Timetable
	cfg       Config
	// letterJobs are the batches of login letters being made
	letterJobs letterJobs
}

// New is the module on the server's Deps, its store, the password
// hasher (new users, reset passwords, letters) and the timetable.
func New(d *kit.Deps, db Store, hasher *password.Hasher, tt Timetable, cfg Config) *Module {
	s := &Module{Deps: d, db: db, hasher: hasher, timetable: tt, cfg: cfg}
	d.AddSettings(kit.SettingsSection{Fill: s.schoolSettings})
	d.AddExportPart(kit.ExportPart{Order: 90, Folder: "protokoll", About: "export.audit", Write: func(ctx context.Context, u *schulhof.User, x *kit.Export) error {
		es, err := s.db.FindAuditBy(ctx, u.ID)
		if err != nil {
			return err
		}
		return x.JSON("protokoll.json", kit.NewList(es, "").Items)
	}})
	return s
}

// Routes adds the module's pages and API.
func (s *Module) Routes(rt *kit.Router) {
	rt.Document(openAPIPart)
	kit.Action(rt, "POST /api/v1/schools/{school}/users/{id}/reset-two-factor", "POST /s/{school}/users/{id}/reset-two-factor", s.resetUserTwoFactor,
		func(r *http.Request, _ kit.None) string {
			return "/s/" + r.PathValue("school") + "/users/" + r.PathValue("id") + "?flash=two_factor_reset"
		})
	rt.Page("GET /admin/schools", s.showSchoolsPage)
	rt.Page("POST /s/{school}/settings/support", s.supportFromForm)
	rt.Page("POST /s/{school}/users/{id}/support", s.startSupportFromForm)
	rt.Page("POST /support/end", s.endSupport)
	rt.JSON("GET /api/v1/schools/{school}/support", s.apiSupport)
	rt.JSON("PUT /api/v1/schools/{school}/support", s.apiSetSupport)
	rt.JSON("POST /api/v1/schools/{school}/users/{id}/support", s.apiStartSupport)
	rt.Page("POST /admin/schools", s.createSchool)
	rt.Show("GET /admin/operator", "operator", s.showOperatorPage)
	rt.Page("POST /admin/operator", s.saveOperator)
	rt.Show("GET /audit", "audit", s.showAuditPage)
	rt.Show("GET /s/{school}/settings", "settings", s.showSchoolSettingsPage)
	rt.Page("POST /s/{school}/settings", s.saveSchoolSettings)
	rt.Page("GET /s/{school}/users", s.showUsersPage)
	rt.Page("POST /s/{school}/users", s.createUserFromForm)
	rt.Page("GET /s/{school}/users/{id}", s.showUserPage)
	rt.Page("POST /s/{school}/users/{id}", s.saveUser)
	rt.Show("POST /s/{school}/users/{id}/reset-password", "credentials", s.resetPasswordFromForm)
	rt.Page("POST /s/{school}/users/{id}/children", s.linkChildFromForm)
	rt.Form("POST /s/{school}/users/{id}/children/{child}/remove", s.unlinkChildFromForm)
	rt.Page("GET /s/{school}/groups", s.showGroupsPage)
	rt.Page("POST /s/{school}/groups", s.createGroupFromForm)
	rt.Page("GET /s/{school}/groups/{group}", s.showGroupPage)
	rt.Page("POST /s/{school}/groups/{group}/{action}", s.groupFormAction)
	rt.Show("GET /s/{school}/import", "import", s.showImportPage)
	rt.Page("POST /s/{school}/import", s.submitImport)
	rt.Show("GET /s/{school}/letters", "letters", s.showLettersPage)
	rt.Page("POST /s/{school}/letters", s.submitLetters)
	rt.Show("GET /s/{school}/letters/jobs/{job}", "letters_job", s.showLetterJob)
	rt.Page("GET /s/{school}/letters/jobs/{job}/pdf", s.downloadLetterJob)
	rt.Show("GET /s/{school}/audit", "audit", s.showAuditPage)
	rt.JSON("GET /api/v1/operator", s.apiGetOperator)
	rt.JSON("PATCH /api/v1/operator", s.apiUpdateOperator)
	rt.JSON("GET /api/v1/schools", s.apiListSchools)
	rt.JSON("POST /api/v1/schools", s.apiCreateSchool)
	rt.JSON("GET /api/v1/schools/{school}", s.apiGetSchool)
	rt.JSON("PATCH /api/v1/schools/{school}", s.apiUpdateSchool)
	rt.JSON("GET /api/v1/schools/{school}/users", s.apiListUsers)
	rt.JSON("POST /api/v1/schools/{school}/users", s.apiCreateUser)
	rt.JSON("GET /api/v1/schools/{school}/users/{id}", s.apiGetUser)
	rt.JSON("PATCH /api/v1/schools/{school}/users/{id}", s.apiUpdateUser)
	rt.JSON("POST /api/v1/schools/{school}/users/{id}/reset-password", s.apiResetPassword)
	rt.API("PUT /api/v1/schools/{school}/users/{id}/children/{child}", s.apiLinkChild)
	rt.API("DELETE /api/v1/schools/{school}/users/{id}/children/{child}", s.apiUnlinkChild)
	rt.JSON("GET /api/v1/schools/{school}/groups", s.apiListGroups)
	rt.JSON("POST /api/v1/schools/{school}/groups", s.apiCreateGroup)
	rt.JSON("GET /api/v1/schools/{school}/groups/{group}", s.apiGetGroup)
	rt.JSON("PATCH /api/v1/schools/{school}/groups/{group}", s.apiUpdateGroup)
	rt.JSON("DELETE /api/v1/schools/{school}/groups/{group}", s.apiDeleteGroup)
	rt.JSON("GET /api/v1/schools/{school}/groups/{group}/members", s.apiListMembers)
	rt.JSON("PUT /api/v1/schools/{school}/groups/{group}/members/{user}", s.apiSetMember)
	rt.JSON("DELETE /api/v1/schools/{school}/groups/{group}/members/{user}", s.apiRemoveMember)
	rt.API("POST /api/v1/schools/{school}/imports/users", s.apiImportUsers)
	rt.API("POST /api/v1/schools/{school}/letters", s.apiLetters)
	rt.JSON("GET /api/v1/schools/{school}/audit", s.apiAudit)
	rt.JSON("GET /api/v1/audit", s.apiAudit)
}
