package web

import (
	"context"
	"io/fs"
	"net/http"
	"time"

	"golang.org/x/image/font/gofont/goregular"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/dav"
	"github.com/schulhof/schulhof/internal/web/kit"

	_ "embed"
)

//go:embed openapi.json
var openAPIDocument []byte

// routes is the whole route table. Pages live at the top, the JSON API
// under /api/v1; both call the same store after the same policy checks.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	page, api := s.page, s.api
	handle := func(pattern string, h http.Handler) {
		s.patterns = append(s.patterns, pattern)
		mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			kit.Info(r).Route = pattern // for the metrics and the log
			h.ServeHTTP(w, r)
		}))
	}
	fn := func(pattern string, h http.HandlerFunc) { handle(pattern, h) }

	// operations
	fn("GET /healthz", s.healthz)
	fn("GET /readyz", s.readyz)
	handle("GET /metrics", s.metrics.handler())
	static, _ := fs.Sub(staticFS, "static")
	handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	// the service worker of Web Push, at the top so that it may serve the
	// whole site; never cached long, so that a new one takes over
	fn("GET /sw.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, static, "sw.js")
	})

	// the Go font, which the whiteboard writes text in on the server's
	// pictures and, through this, in the browser alike
	fn("GET /fonts/go-regular.ttf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "font/ttf")
		w.Header().Set("Cache-Control", "public, max-age=604800")
		w.Write(goregular.TTF)
	})

	// login and the pages every user has
	fn("GET /login", s.showLoginPage)
	fn("POST /login", s.submitLogin)
	fn("POST /logout", s.submitLogout)
	fn("POST /language", s.submitAnonymousLanguage)
	fn("GET /login/totp", s.showTOTPPage)
	fn("POST /login/totp", s.submitTOTP)
	fn("GET /password", s.showPasswordPage)
	fn("POST /password", s.submitPassword)
	handle("GET /{$}", page(s.showStartPage))
	handle("GET /profile", page(s.showProfilePage))
	handle("GET /timetable", page(s.showTimetablePage))
	// the info screen opens by its secret address, without login
	fn("GET /info/{token}", s.showInfoScreen)
	fn("GET /info/{token}/stamp", s.infoStamp)
	fn("GET /ical/{file}", s.serveCalendarFeed)
	handle("POST /profile/calendar-feed", page(s.renewCalendarFeed))
	handle("POST /profile/password", page(s.submitPassword))
	handle("POST /profile/language", page(s.submitLanguage))
	handle("POST /profile/totp/setup", page(s.submitTOTPSetup))
	handle("POST /profile/totp/enable", page(s.submitTOTPEnable))
	handle("POST /profile/totp/disable", page(s.submitTOTPDisable))
	handle("POST /profile/app-passwords", page(s.submitAppPassword))
	handle("POST /profile/app-passwords/{id}/delete", page(s.deleteAppPasswordFromForm))

	// administration pages
	handle("GET /admin/schools", page(s.showSchoolsPage))
	handle("POST /admin/schools", page(s.createSchool))
	handle("POST /admin/operator", page(s.saveOperator))
	handle("GET /audit", page(s.showAuditPage))
	handle("GET /s/{school}/settings", page(s.showSchoolSettingsPage))
	handle("POST /s/{school}/settings", page(s.saveSchoolSettings))
	handle("POST /s/{school}/settings/lesson-times", page(s.saveLessonTimesFromForm))
	handle("POST /s/{school}/settings/info-screen", page(s.renewInfoToken))
	handle("POST /s/{school}/settings/holidays", page(s.saveHolidaysFromForm))
	handle("GET /chat", page(s.showChatPage))
	handle("GET /boards", page(s.showBoardsPage))
	handle("POST /boards", page(s.createBoardFromForm))
	handle("GET /boards/{board}", page(s.showBoardPage))
	handle("POST /boards/{board}/delete", page(s.deleteBoardFromForm))
	handle("POST /boards/{board}/restore", page(s.restoreBoardFromForm))
	handle("POST /chat/{room}", page(s.postChatForm))
	handle("GET /s/{school}/exams", page(s.showExamsPage))
	handle("GET /s/{school}/exams/new", page(s.showExamFormPage))
	handle("GET /s/{school}/exams.csv", page(s.exportExamsCSV))
	handle("GET /s/{school}/exams.pdf", page(s.exportExamsPDF))
	handle("GET /s/{school}/exams/overview", page(s.showExamOverviewPage))
	handle("POST /s/{school}/exams", page(s.submitExamForm))
	handle("GET /s/{school}/exams/{exam}/edit", page(s.showExamFormPage))
	handle("POST /s/{school}/exams/{exam}", page(s.submitExamForm))
	handle("POST /s/{school}/exams/{exam}/delete", page(s.deleteExamForm))
	handle("POST /s/{school}/settings/week-model", page(s.saveWeekModelFromForm))
	handle("POST /s/{school}/settings/exams", page(s.saveExamSettingsFromForm))
	handle("POST /s/{school}/settings/chat", page(s.saveChatSettingsFromForm))
	handle("POST /s/{school}/settings/holidays/calendar", page(s.addHolidaysFromCalendarForm))
	handle("POST /s/{school}/settings/holidays/state", page(s.addStateHolidaysForm))
	handle("GET /s/{school}/substitutions", page(s.showSubstitutionsPage))
	handle("POST /s/{school}/substitutions/day-text", page(s.saveDayText))
	handle("GET /s/{school}/users", page(s.showUsersPage))
	handle("POST /s/{school}/users", page(s.createUserFromForm))
	handle("GET /s/{school}/users/{id}", page(s.showUserPage))
	handle("POST /s/{school}/users/{id}", page(s.saveUser))
	handle("POST /s/{school}/users/{id}/reset-password", page(s.resetPasswordFromForm))
	handle("POST /s/{school}/users/{id}/reset-two-factor", page(s.resetTwoFactorFromForm))
	handle("POST /s/{school}/users/{id}/children", page(s.linkChildFromForm))
	handle("POST /s/{school}/users/{id}/children/{child}/remove", page(s.unlinkChildFromForm))
	handle("GET /s/{school}/groups", page(s.showGroupsPage))
	handle("POST /s/{school}/groups", page(s.createGroupFromForm))
	handle("GET /s/{school}/groups/{group}", page(s.showGroupPage))
	handle("POST /s/{school}/groups/{group}/{action}", page(s.groupFormAction))
	handle("GET /s/{school}/import", page(s.showImportPage))
	handle("POST /s/{school}/import", page(s.submitImport))
	handle("GET /s/{school}/timetable/import", page(s.showTimetableImportPage))
	handle("POST /s/{school}/timetable/import", page(s.submitTimetableImport))
	handle("GET /s/{school}/letters", page(s.showLettersPage))
	handle("POST /s/{school}/letters", page(s.submitLetters))
	handle("GET /s/{school}/audit", page(s.showAuditPage))
	handle("GET /s/{school}/files", page(s.showMyFiles))
	handle("GET /s/{school}/files/{kind}/{id}", page(s.showFilesPage))
	handle("POST /s/{school}/files/{kind}/{id}/upload", page(s.uploadFromForm))
	handle("POST /s/{school}/files/{kind}/{id}/folder", page(s.createFolderFromForm))
	handle("POST /s/{school}/files/{kind}/{id}/students-upload", page(s.studentsUploadFromForm))
	handle("GET /s/{school}/files/{kind}/{id}/trash", page(s.showTrashPage))
	handle("POST /s/{school}/files/{kind}/{id}/trash/empty", page(s.emptyTrashFromForm))
	handle("POST /s/{school}/nodes/{node}/delete", page(s.trashFromForm))
	handle("POST /s/{school}/nodes/{node}/restore", page(s.restoreFromForm))
	handle("GET /s/{school}/nodes/{node}", page(s.showNodePage))
	handle("POST /s/{school}/nodes/{node}/rename", page(s.renameFromForm))
	handle("POST /s/{school}/nodes/{node}/move", page(s.moveFromForm))
	handle("POST /s/{school}/nodes/{node}/copy", page(s.copyFromForm))
	handle("POST /s/{school}/nodes/{node}/versions/{version}/restore", page(s.restoreVersionFromForm))
	handle("GET /s/{school}/assignments", page(s.showAssignmentsPage))
	handle("POST /s/{school}/assignments", page(s.createAssignmentFromForm))
	handle("GET /s/{school}/assignments/{assignment}", page(s.showAssignmentPage))
	handle("POST /s/{school}/assignments/{assignment}/hand-in", page(s.handInFromForm))
	handle("POST /s/{school}/assignments/{assignment}/feedback/{student}", page(s.feedbackFromForm))
	handle("POST /s/{school}/assignments/{assignment}/reviewed", page(s.reviewedFromForm))
	handle("POST /s/{school}/assignments/{assignment}/delete", page(s.deleteAssignmentFromForm))
	handle("POST /s/{school}/assignments/{assignment}/edit", page(s.editAssignmentFromForm))
	handle("POST /s/{school}/assignments/{assignment}/attachments/{file}/delete", page(s.deleteAttachmentFromForm))

	// JSON API
	fn("GET /api/v1/openapi.json", s.openAPI)
	fn("POST /api/v1/auth/login", s.apiLogin)
	fn("POST /api/v1/auth/logout", s.apiLogout)
	handle("GET /api/v1/me", api(s.apiMe))
	handle("POST /api/v1/me/password", api(s.apiChangePassword))
	handle("GET /api/v1/me/timetable", api(s.apiMyTimetable))
	handle("GET /api/v1/me/calendar-feed", api(s.apiCalendarFeed))
	handle("POST /api/v1/me/calendar-feed", api(s.apiCalendarFeed))
	handle("GET /api/v1/me/app-passwords", api(s.apiListAppPasswords))
	handle("POST /api/v1/me/app-passwords", api(s.apiCreateAppPassword))
	handle("DELETE /api/v1/me/app-passwords/{id}", api(s.apiDeleteAppPassword))
	handle("GET /api/v1/operator", api(s.apiGetOperator))
	handle("PATCH /api/v1/operator", api(s.apiUpdateOperator))
	handle("GET /api/v1/schools", api(s.apiListSchools))
	handle("POST /api/v1/schools", api(s.apiCreateSchool))
	handle("GET /api/v1/schools/{school}", api(s.apiGetSchool))
	handle("PATCH /api/v1/schools/{school}", api(s.apiUpdateSchool))
	handle("GET /api/v1/schools/{school}/users", api(s.apiListUsers))
	handle("POST /api/v1/schools/{school}/users", api(s.apiCreateUser))
	handle("GET /api/v1/schools/{school}/users/{id}", api(s.apiGetUser))
	handle("PATCH /api/v1/schools/{school}/users/{id}", api(s.apiUpdateUser))
	handle("POST /api/v1/schools/{school}/users/{id}/reset-password", api(s.apiResetPassword))
	handle("POST /api/v1/schools/{school}/users/{id}/reset-two-factor", api(s.apiResetTwoFactor))
	handle("PUT /api/v1/schools/{school}/users/{id}/children/{child}", api(s.apiLinkChild))
	handle("DELETE /api/v1/schools/{school}/users/{id}/children/{child}", api(s.apiUnlinkChild))
	handle("GET /api/v1/schools/{school}/groups", api(s.apiListGroups))
	handle("POST /api/v1/schools/{school}/groups", api(s.apiCreateGroup))
	handle("GET /api/v1/schools/{school}/groups/{group}", api(s.apiGetGroup))
	handle("PATCH /api/v1/schools/{school}/groups/{group}", api(s.apiUpdateGroup))
	handle("DELETE /api/v1/schools/{school}/groups/{group}", api(s.apiDeleteGroup))
	handle("GET /api/v1/schools/{school}/groups/{group}/members", api(s.apiListMembers))
	handle("PUT /api/v1/schools/{school}/groups/{group}/members/{user}", api(s.apiSetMember))
	handle("DELETE /api/v1/schools/{school}/groups/{group}/members/{user}", api(s.apiRemoveMember))
	handle("POST /api/v1/schools/{school}/imports/users", api(s.apiImportUsers))
	handle("POST /api/v1/schools/{school}/letters", api(s.apiLetters))
	handle("POST /api/v1/schools/{school}/timetable/imports", api(s.apiTimetableImport))
	handle("GET /api/v1/schools/{school}/lesson-times", api(s.apiGetLessonTimes))
	handle("GET /api/v1/schools/{school}/substitutions", api(s.apiSubstitutions))
	handle("GET /api/v1/schools/{school}/timetable", api(s.apiSchoolTimetable))
	handle("GET /api/v1/schools/{school}/holidays", api(s.apiHolidays))
	handle("PUT /api/v1/schools/{school}/holidays", api(s.apiSetHolidays))
	handle("POST /api/v1/schools/{school}/holidays/calendar", api(s.apiAddHolidaysFromCalendar))
	handle("POST /api/v1/schools/{school}/holidays/state", api(s.apiAddStateHolidays))
	handle("PUT /api/v1/schools/{school}/lesson-times", api(s.apiSetLessonTimes))
	handle("GET /api/v1/schools/{school}/week-model", api(s.apiGetWeekModel))
	handle("GET /api/v1/rooms", api(s.apiRooms))
	handle("GET /api/v1/rooms/{room}/messages", api(s.apiRoomMessages))
	handle("POST /api/v1/rooms/{room}/messages", api(s.apiPostMessage))
	handle("POST /api/v1/rooms/{room}/read", api(s.apiMarkRead))
	handle("GET /api/v1/rooms/{room}/messages/{message}/reads", api(s.apiMessageReads))
	handle("PATCH /api/v1/rooms/{room}/messages/{message}", api(s.apiEditMessage))
	handle("DELETE /api/v1/rooms/{room}/messages/{message}", api(s.apiDeleteMessage))
	handle("PUT /api/v1/rooms/{room}/lock", api(s.apiLockRoom))
	handle("PUT /api/v1/rooms/{room}/mutes/{user}", api(s.apiMuteMember))
	handle("POST /api/v1/rooms", api(s.apiStartConversation))
	handle("GET /api/v1/rooms/{room}/members", api(s.apiRoomMembers))
	handle("PUT /api/v1/rooms/{room}/messages/{message}/reactions/{emoji}", api(s.apiReact))
	handle("DELETE /api/v1/rooms/{room}/messages/{message}/reactions/{emoji}", api(s.apiReact))
	handle("POST /api/v1/rooms/{room}/messages/{message}/report", api(s.apiReportMessage))
	handle("POST /api/v1/rooms/{room}/typing", api(s.apiTyping))
	handle("POST /api/v1/rooms/{room}/attachments", api(s.apiAddChatAttachment))
	handle("GET /api/v1/rooms/{room}/attachments/{attachment}", api(s.apiChatAttachment))
	handle("GET /api/v1/chat/reports", api(s.apiChatReports))
	handle("POST /api/v1/chat/reports/{report}/handled", api(s.apiHandleReport))
	handle("GET /api/v1/chat/search", api(s.apiSearchMessages))
	handle("GET /api/v1/chat/contacts", api(s.apiChatContacts))
	handle("GET /api/v1/schools/{school}/chat-settings", api(s.apiChatSettings))
	handle("PUT /api/v1/schools/{school}/chat-settings", api(s.apiChatSettings))
	handle("GET /api/v1/push/key", api(s.apiPushKey))
	handle("PUT /api/v1/push/subscription", api(s.apiPushSubscribe))
	handle("DELETE /api/v1/push/subscription", api(s.apiPushSubscribe))
	handle("GET /api/v1/ws", api(s.serveSocket))
	handle("GET /api/v1/boards", api(s.apiBoards))
	handle("POST /api/v1/boards", api(s.apiCreateBoard))
	handle("GET /api/v1/boards/{board}", api(s.apiBoard))
	handle("PATCH /api/v1/boards/{board}", api(s.apiUpdateBoard))
	handle("DELETE /api/v1/boards/{board}", api(s.apiDeleteBoard))
	handle("POST /api/v1/boards/{board}/restore", api(s.apiRestoreBoard))
	handle("PUT /api/v1/boards/{board}/drawers/{user}", api(s.apiSetDrawer))
	handle("GET /api/v1/boards/{board}/operations", api(s.apiBoardOperations))
	handle("POST /api/v1/boards/{board}/operations", api(s.apiBoardOperations))
	handle("POST /api/v1/boards/{board}/copy", api(s.apiCopyBoard))
	handle("GET /api/v1/boards/{board}/pages/{n}/export.png", api(s.apiBoardPagePNG))
	handle("GET /api/v1/boards/{board}/export.pdf", api(s.apiBoardPDF))
	handle("POST /api/v1/boards/{board}/save-to-files", api(s.apiSaveBoardToFiles))
	handle("POST /api/v1/boards/{board}/images", api(s.apiAddBoardImage))
	handle("GET /api/v1/boards/{board}/images/{image}", api(s.apiBoardImage))
	handle("GET /api/v1/schools/{school}/exam-settings", api(s.apiGetExamSettings))
	handle("PUT /api/v1/schools/{school}/exam-settings", api(s.apiSetExamSettings))
	handle("GET /api/v1/schools/{school}/exams", api(s.apiListExams))
	handle("POST /api/v1/schools/{school}/exams", api(s.apiCreateExam))
	handle("GET /api/v1/schools/{school}/exams/suggestions", api(s.apiExamSuggestions))
	handle("GET /api/v1/schools/{school}/exams/overview", api(s.apiExamOverview))
	handle("GET /api/v1/schools/{school}/exams.csv", api(s.exportExamsCSV))
	handle("GET /api/v1/schools/{school}/exams.pdf", api(s.exportExamsPDF))
	handle("GET /api/v1/schools/{school}/exams/{exam}", api(s.apiGetExam))
	handle("PATCH /api/v1/schools/{school}/exams/{exam}", api(s.apiUpdateExam))
	handle("DELETE /api/v1/schools/{school}/exams/{exam}", api(s.apiDeleteExam))
	handle("PUT /api/v1/schools/{school}/week-model", api(s.apiSetWeekModel))
	handle("GET /api/v1/schools/{school}/spaces/{kind}/{id}/nodes", api(s.apiListFolder))
	handle("POST /api/v1/schools/{school}/spaces/{kind}/{id}/folders", api(s.apiCreateFolder))
	handle("PUT /api/v1/schools/{school}/spaces/{kind}/{id}/files", api(s.apiPutFile))
	handle("POST /api/v1/schools/{school}/spaces/{kind}/{id}/uploads", api(s.apiStartUpload))
	handle("GET /api/v1/schools/{school}/uploads/{upload}", api(s.apiGetUpload))
	handle("PATCH /api/v1/schools/{school}/uploads/{upload}", api(s.apiAppendUpload))
	handle("DELETE /api/v1/schools/{school}/uploads/{upload}", api(s.apiDeleteUpload))
	handle("GET /api/v1/schools/{school}/spaces/{kind}/{id}/trash", api(s.apiListTrash))
	handle("POST /api/v1/schools/{school}/spaces/{kind}/{id}/trash/empty", api(s.apiEmptyTrash))
	handle("GET /api/v1/schools/{school}/spaces/{kind}/{id}/zip", api(s.apiZipSpace))
	handle("GET /api/v1/schools/{school}/nodes/{node}/zip", api(s.apiZipFolder))
	handle("GET /api/v1/schools/{school}/nodes/{node}", api(s.apiGetNode))
	handle("PATCH /api/v1/schools/{school}/nodes/{node}", api(s.apiUpdateNode))
	handle("DELETE /api/v1/schools/{school}/nodes/{node}", api(s.apiTrashNode))
	handle("GET /api/v1/schools/{school}/nodes/{node}/content", api(s.apiDownload))
	handle("GET /api/v1/schools/{school}/nodes/{node}/thumbnail", api(s.apiThumbnail))
	handle("POST /api/v1/schools/{school}/nodes/{node}/copy", api(s.apiCopyNode))
	handle("GET /api/v1/schools/{school}/nodes/{node}/versions", api(s.apiListVersions))
	handle("POST /api/v1/schools/{school}/nodes/{node}/versions/{version}/restore", api(s.apiRestoreVersion))
	handle("POST /api/v1/schools/{school}/nodes/{node}/restore", api(s.apiRestoreNode))
	handle("GET /api/v1/schools/{school}/assignments", api(s.apiListAssignments))
	handle("POST /api/v1/schools/{school}/assignments", api(s.apiCreateAssignment))
	handle("GET /api/v1/schools/{school}/assignments/{assignment}", api(s.apiGetAssignment))
	handle("PATCH /api/v1/schools/{school}/assignments/{assignment}", api(s.apiUpdateAssignment))
	handle("DELETE /api/v1/schools/{school}/assignments/{assignment}", api(s.apiDeleteAssignment))
	handle("POST /api/v1/schools/{school}/assignments/{assignment}/attachments", api(s.apiAddAttachment))
	handle("DELETE /api/v1/schools/{school}/assignments/{assignment}/attachments/{file}", api(s.apiDeleteAttachment))
	handle("GET /api/v1/schools/{school}/assignments/{assignment}/files/{file}", api(s.apiAssignmentFile))
	handle("GET /api/v1/schools/{school}/assignments/{assignment}/submissions", api(s.apiListSubmissions))
	handle("GET /api/v1/schools/{school}/assignments/{assignment}/submissions.zip", api(s.apiSubmissionsZip))
	handle("GET /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}", api(s.apiGetSubmission))
	handle("PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}", api(s.apiHandIn))
	handle("PUT /api/v1/schools/{school}/assignments/{assignment}/submissions/{student}/feedback", api(s.apiSetFeedback))
	handle("GET /api/v1/schools/{school}/audit", api(s.apiAudit))
	handle("GET /api/v1/audit", api(s.apiAudit))
	// WebDAV authenticates every request by HTTP Basic itself
	davHandler := dav.New(s.db, s.Blobs, s, s)
	davHandler.Keep = s.keepVersions()
	handle("/dav/", davHandler)
	fn("/api/", s.apiNotFound)
	fn("/", s.pageNotFound)

	// Cross-origin protection refuses state-changing requests that a
	// browser sends from another site (Sec-Fetch-Site / Origin), which is
	// CSRF; scripts and apps with a bearer token send neither header.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, schulhof.Errorf(schulhof.EForbidden, "error.cross_origin"))
	}))
	return s.observe(s.secureHeaders(csrf.Handler(s.authenticate(mux))))
}

// Routes returns every registered pattern, for the test that keeps the
// OpenAPI document true.
func (s *Server) Routes() []string { return s.patterns }

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// healthz: the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz: the database answers within a second.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.Ping(ctx); err != nil {
		kit.Info(r).Log().Error("readyz", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDocument)
}

// pageNotFound answers unknown pages with the error page, in the user's
// language.
func (s *Server) pageNotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "error.not_found"))
}

func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) {
	s.Fail(w, r, schulhof.Errorf(schulhof.ENotFound, "error.not_found"))
}
