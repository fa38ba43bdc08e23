package i18n

// messages maps each key to its German and English sentence. German is
// the default and must always be there; English falls back to German.
// Sentences address the user as the UI does: "du" for everything a
// student may read, which the German school platforms do too.
var messages = map[string][2]string{
	// errors that cross layers
	"error.invalid":      {"Bitte prüfe deine Eingaben.", "Please check your input."},
	"error.internal":     {"Etwas ist schiefgegangen. Bitte versuche es gleich noch einmal.", "Something went wrong. Please try again in a moment."},
	"error.busy":         {"Gerade melden sich sehr viele an. Bitte versuche es in ein paar Sekunden noch einmal.", "Very many people are logging in right now. Please try again in a few seconds."},
	"error.forbidden":    {"Das darfst du nicht.", "You are not allowed to do that."},
	"error.not_found":    {"Das gibt es nicht (mehr).", "This does not exist (any more)."},
	"error.bad_json":     {"Die Anfrage ist kein gültiges JSON: %s", "The request is not valid JSON: %s"},
	"error.bad_form":     {"Das Formular ist unvollständig.", "The form is incomplete."},
	"error.cross_origin": {"Diese Anfrage kam von einer anderen Website und wurde abgelehnt. Bitte lade die Seite neu und versuche es noch einmal.", "This request came from another website and was refused. Please reload the page and try again."},
	"error.title":        {"Das hat nicht geklappt", "That did not work"},
	"error.back":         {"Zur Startseite", "Back to the start page"},
	// what the route table answers before any module
	"auth.required":                  {"Bitte melde dich an.", "Please log in."},
	"auth.totp_required":             {"Bitte gib den Code aus deiner Authenticator-App ein.", "Please enter the code from your authenticator app."},
	"auth.password_change_required":  {"Bitte wähle zuerst ein eigenes Passwort.", "Please choose your own password first."},
	"auth.two_factor_setup_required": {"Deine Schule verlangt die Zwei-Faktor-Anmeldung. Bitte richte sie in deinem Profil ein.", "Your school requires two-factor login. Please set it up in your profile."},
	"field.too_long":                 {"Höchstens %d Zeichen.", "At most %d characters."},
	"cursor.invalid":                 {"Der Seitenzeiger (cursor) ist ungültig.", "The cursor is invalid."},
	"limit.invalid":                  {"limit muss zwischen 1 und 1000 liegen.", "limit must be between 1 and 1000."},

	// login

	// passwords

	// navigation and flash messages
	"nav.skip":               {"Zum Inhalt springen", "Skip to content"},
	"nav.label":              {"Hauptnavigation", "Main navigation"},
	"nav.logout":             {"Abmelden", "Log out"},
	"nav.menu":               {"Menü", "Menu"},
	"nav.admin":              {"Verwaltung", "Administration"},
	"flash.logged_out":       {"Du bist abgemeldet.", "You are logged out."},
	"flash.password_changed": {"Dein neues Passwort ist gespeichert.", "Your new password is saved."},
	"flash.saved":            {"Gespeichert.", "Saved."},
	"flash.deleted":          {"Gelöscht.", "Deleted."},
	// a user's data export (kit.WriteExport); each module's folder
	"export.section":       {"Meine Daten", "My data"},
	"export.explain":       {"Lade alles herunter, was Schulhof über dich speichert, als ZIP-Datei: Konto, eigene Dateien, Abgaben, Nachrichten, Tafeln, Ausleihen. Du kannst es aufheben oder zu einem anderen Dienst mitnehmen.", "Download everything Schulhof keeps about you as a ZIP file: account, your files, hand-ins, messages, boards, loans. Keep it, or take it to another service."},
	"export.download":      {"Meine Daten herunterladen", "Download my data"},
	"export.readme_name":   {"LIESMICH.txt", "README.txt"},
	"export.readme":        {"Alle Daten, die Schulhof über %s speichert, Stand %s (DSGVO Art. 15 und 20). Texte und Listen sind JSON-Dateien, Dateien liegen wie hochgeladen bei. Die Ordner:", "All the data Schulhof keeps about %s, as of %s (GDPR Art. 15 and 20). Texts and lists are JSON files; files are included as uploaded. The folders:"},
	"export.account":       {"dein Konto: Name, Rolle, Angaben der Schule, Klassen und Gruppen, angemeldete Geräte, App-Passwörter (nur ihre Namen)", "your account: name, role, the school's details, classes and groups, logged-in devices, app passwords (their names only)"},
	"export.files":         {"deine eigenen Dateien in ihren Ordnern (ohne Papierkorb)", "your own files in their folders (without the trash)"},
	"export.assignments":   {"Aufgaben, die du gestellt hast, und deine Abgaben mit Dateien und Rückmeldung", "assignments you set, and your hand-ins with files and feedback"},
	"export.messages":      {"alle Nachrichten, die du geschrieben hast, mit deinen Anhängen", "every message you wrote, with your attachments"},
	"export.boards":        {"die Tafeln, die du angelegt hast, mit allem, was darauf steht", "the boards you made, with everything on them"},
	"export.devices":       {"die Geräte, die du ausgeliehen hast oder hattest", "the devices you have or had on loan"},
	"export.sso":           {"welchen anderen Diensten du welche Angaben erlaubt hast", "which other services you allowed which details"},
	"export.audit":         {"was du als Admin getan hast (das Protokoll)", "what you did as an admin (the audit log)"},
	"flash.school_created": {"Die Schule ist angelegt. Jetzt Benutzer anlegen oder importieren.", "The school is created. Now create or import its users."},
	"flash.totp_on":        {"Die Zwei-Faktor-Anmeldung ist eingeschaltet.", "Two-factor login is on."},
	"flash.totp_off":       {"Die Zwei-Faktor-Anmeldung ist ausgeschaltet.", "Two-factor login is off."},
	"form.save":            {"Speichern", "Save"},
	"form.add":             {"Hinzufügen", "Add"},
	"form.remove":          {"Entfernen", "Remove"},
	"form.cancel":          {"Abbrechen", "Cancel"},
	"list.more":            {"Weitere anzeigen", "Show more"},

	// start and profile
	"start.title":          {"Start", "Start"},
	"start.hello":          {"Hallo %s!", "Hello %s!"},
	"start.name":           {"Name", "Name"},
	"start.school":         {"Schule", "School"},
	"start.role":           {"Rolle", "Role"},
	"start.class":          {"Klasse", "Class"},
	"start.groups":         {"Meine Gruppen", "My groups"},
	"start.children":       {"Meine Kinder", "My children"},
	"start.admin":          {"Verwaltung", "Administration"},
	"start.operator":       {"Betrieb", "Operations"},
	"start.hello_operator": {"Betrieb", "Operations"},

	// roles, kinds, school types
	"role.student":      {"Schüler/in", "Student"},
	"role.parent":       {"Eltern", "Parent"},
	"role.teacher":      {"Lehrkraft", "Teacher"},
	"role.school_admin": {"Schuladmin", "School admin"},
	"role.operator":     {"Betreiber", "Operator"},
	"kind.class":        {"Klasse", "Class"},
	"kind.course":       {"Kurs", "Course"},
	"kind.staff":        {"Kollegium", "Staff"},
	"kind.custom":       {"Gruppe", "Group"},

	// the operator
	"footer.operated_by": {"betrieben von %s", "run by %s"},
	"footer.contact":     {"Datenschutz: %s", "Data protection: %s"},

	// schools

	// users
	"flash.two_factor_reset": {"Die Zwei-Faktor-Anmeldung ist ausgeschaltet; die Person wurde abgemeldet.", "Two-factor login is off; the person was logged out."},

	// groups

	// import
	"field.external_id": {"ID", "ID"},
	"field.last_name":   {"Nachname", "Last name"},
	"field.first_name":  {"Vorname", "First name"},
	"field.class":       {"Klasse", "Class"},
	"field.role":        {"Rolle", "Role"},
	"field.birth_date":  {"Geburtsdatum", "Date of birth"},
	"field.email":       {"E-Mail", "E-mail"},
	"field.short_code":  {"Kürzel", "Short code"},
	"field.status":      {"Status", "Status"},

	// file and folder names

	// files

	"flash.trash_emptied": {"Der Papierkorb ist leer.", "The trash is empty."},
	"flash.uploaded":      {"Hochgeladen.", "Uploaded."},
	"flash.trashed":       {"In den Papierkorb gelegt.", "Moved to the trash."},
	"flash.restored":      {"Wiederhergestellt.", "Restored."},

	// uploads

	// login letters

	// audit

	// assignments
	"flash.handed_in":           {"Abgegeben.", "Handed in."},
	"start.assignments":         {"Aufgaben", "Assignments"},
	"start.assignments_open":    {"%d offen", "%d open"},
	"start.assignments_overdue": {"%d überfällig", "%d overdue"},
	"start.assignments_all":     {"Alle Aufgaben", "All assignments"},

	// app passwords

	// resumable uploads

	// one file
	"flash.copied": {"Kopiert.", "Copied."},

	// storage limits of a school

	// virus scanning

	// Untis exports

	// timetable import

	// timetable

	// substitution plan
	"date.invalid": {"Das Datum „%s“ gibt es nicht (Form: 2026-11-30).", "There is no date “%s” (form: 2026-11-30)."},

	// calendar feed
	"start.changes": {"Änderungen heute und am nächsten Schultag", "Changes today and on the next school day"},
	"start.period":  {"%d. Stunde", "period %d"},

	// week model (A/B weeks)

	// exam plan
	"flash.exam_saved":   {"Gespeichert.", "Saved."},
	"flash.exam_deleted": {"Gelöscht.", "Deleted."},
	"start.exams":        {"Nächste Klassenarbeiten und Klausuren", "Next exams"},

	// messenger
	"start.messages": {"Neue Nachrichten", "New messages"},
	// whiteboard ("Tafel")
	"error.server_busy": {"Der Server ist gerade sehr beschäftigt. Bitte in ein paar Sekunden noch einmal versuchen.", "The server is very busy right now. Please try again in a few seconds."},
}
