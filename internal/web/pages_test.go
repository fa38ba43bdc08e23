package web_test

import (
	"encoding/base64"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/schulhof/schulhof/internal/i18n"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// deviceList is a small asset list: one device the fixture has (by its
// serial), one new.
const deviceList = "Inventarnummer;Seriennummer;Modell;Raum\r\nIPAD-1;F9FXa1;iPad 10. Generation;R 202\r\nIPAD-9;NEU-9;iPad 10. Generation;R 9\r\n"

// page requests a page as the actor, with the session cookie a browser sends.
func (f *fixture) page(actor, method, path, form string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(form))
	if actor != "" {
		req.Header.Set("Cookie", "schulhof_session="+f.token[actor])
	}
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if strings.HasPrefix(form, "--"+boundary) {
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

var pageScenarios = []scenario{
	{"the record of processing activities page", "a-admin", "GET", "/s/schule-a/processing", "", 200, "bei Abgängern 60 Tage nach der Deaktivierung"},
	{"the record of processing activities page as a teacher", "a-teacher", "GET", "/s/schule-a/processing", "", 403, ""},
	{"retention by form", "a-admin", "POST", "/s/schule-a/settings/retention", "leaver_days=60&chat_days=400&log_days=400&archive_days=365", 303, ""},
	{"retention by form out of range", "a-admin", "POST", "/s/schule-a/settings/retention", "leaver_days=60&chat_days=5&log_days=400&archive_days=365", 422, "Bitte eine Zahl von 30 bis 3650."},
	{"the settings page shows retention", "a-admin", "GET", "/s/schule-a/settings", "", 200, "Daten von Abgängern löschen nach"},
	{"allow support by form", "a-admin", "POST", "/s/schule-a/settings/support", "until=05.12.2026", 303, ""},
	{"allow support by form for too long", "a-admin", "POST", "/s/schule-a/settings/support", "until=01.03.2027", 422, "zwischen heute und 31 Tagen"},
	{"support by form without consent", "operator", "POST", "/s/schule-a/users/{a-student}/support", "", 403, ""},
	{"end support without support", "a-student", "POST", "/support/end", "", 303, ""},
	{"the settings page offers support", "a-admin", "GET", "/s/schule-a/settings", "", 200, "Support durch den Betreiber"},
	{"the rollover page", "a-admin", "GET", "/s/schule-a/rollover", "", 200, "5a → <strong>6a</strong>"},
	{"the rollover page as a teacher", "a-teacher", "GET", "/s/schule-a/rollover", "", 403, ""},
	{"apply the rollover by form", "a-admin", "POST", "/s/schule-a/rollover", "classes=promote", 303, ""},
	{"apply the rollover by form without a rule", "a-admin", "POST", "/s/schule-a/rollover", "classes=", 422, "Wähle, was mit den Klassen geschieht."},
	{"undo an unknown rollover by form", "a-admin", "POST", "/s/schule-a/rollover/999/undo", "", 404, ""},
	{"the console page", "operator", "GET", "/admin/console", "", 200, "Schule A"},
	{"the console page as a school's admin", "a-admin", "GET", "/admin/console", "", 403, ""},
	{"announce by form", "operator", "POST", "/admin/announcements", "text=Wartung+am+Samstag&until=05.12.2026", 303, ""},
	{"announce by form without text", "operator", "POST", "/admin/announcements", "text=&until=05.12.2026", 422, "Schreib eine Mitteilung."},
	{"withdraw an unknown announcement by form", "operator", "POST", "/admin/announcements/999/delete", "", 404, ""},
	{"the discovery document", "", "GET", "/oidc/.well-known/openid-configuration", "", 200, `"response_types_supported":["code"],"response_modes_supported":["query"],"grant_types_supported":["authorization_code","refresh_token"]`},
	{"the provider's keys", "", "GET", "/oidc/keys", "", 200, `"kty":"RSA"`},
	{"authorize an unknown client", "", "GET", "/oidc/authorize?client_id=sh-nope&redirect_uri=https%3A%2F%2Fx.example.org%2Fcb&response_type=code&scope=openid", "", 400, "Diese Anmeldung einer anderen Anwendung ist ungültig"},
	{"authorize by post", "", "POST", "/oidc/authorize", "client_id={a-client}&redirect_uri=https%3A%2F%2Flernen.example.org%2Fcb&response_type=code&scope=openid+profile&state=s", 302, ""},
	{"the callback of an unknown login", "", "GET", "/oidc/authorize/callback?id=nope", "", 400, "Diese Anmeldung einer anderen Anwendung ist ungültig"},
	{"a token without a code", "", "POST", "/oidc/oauth/token", "grant_type=authorization_code&client_id={a-client}&client_secret=secret-a", 400, "invalid_request"},
	{"introspect with a wrong secret", "", "POST", "/oidc/oauth/introspect", "token=x&client_id={a-client}&client_secret=falsch", 401, ""},
	{"userinfo without a token", "", "GET", "/oidc/userinfo", "", 401, ""},
	{"userinfo by post with an unknown token", "", "POST", "/oidc/userinfo", "access_token=unbekannt", 401, ""},
	{"revoke an unknown token", "", "POST", "/oidc/revoke", "token=unbekannt&client_id={a-client}&client_secret=secret-a", 200, ""},
	{"an options request of the provider without an origin", "", "OPTIONS", "/oidc/oauth/token", "", 400, "grant_type missing"},
	{"a logout without an id token", "a-student", "GET", "/oidc/end_session", "", 200, "Auch bei Schulhof abmelden"},
	{"a logout with a broken id token", "", "POST", "/oidc/end_session", "id_token_hint=kaputt", 400, "Abmeldung konnte nicht gelesen werden"},
	{"the page after a logout", "", "GET", "/oidc/logged-out", "", 200, "Du bist bei der Anwendung abgemeldet."},
	{"an unknown login", "a-student", "GET", "/oidc/login?id=unbekannt", "", 404, "Diese Anmeldung ist abgelaufen."},
	{"an unknown login's consent", "a-student", "POST", "/oidc/consent", "id=unbekannt&choice=allow", 404, ""},
	{"sso clients page", "a-admin", "GET", "/s/schule-a/sso", "", 200, "Lernplattform a"},
	{"sso clients page as a teacher", "a-teacher", "GET", "/s/schule-a/sso", "", 403, ""},
	{"register an sso client by form", "a-admin", "POST", "/s/schule-a/sso", "name=Mathe-App&redirect_uris=https%3A%2F%2Fm.example.org%2Fcb&consent=on&roles=student", 200, "Das Geheimnis wird nur jetzt angezeigt."},
	{"register an sso client by form without address", "a-admin", "POST", "/s/schule-a/sso", "name=Mathe-App&redirect_uris=", 422, "Gib mindestens eine Rücksprungadresse an."},
	{"an sso client's page", "a-admin", "GET", "/s/schule-a/sso/{a-client}", "", 200, "lernen.example.org"},
	{"another school's sso client's page", "a-admin", "GET", "/s/schule-a/sso/{b-client}", "", 404, ""},
	{"change an sso client by form", "a-admin", "POST", "/s/schule-a/sso/{a-client}", "name=Moodle&redirect_uris=https%3A%2F%2Flernen.example.org%2Fcb&consent=on", 303, ""},
	{"a new sso secret by form", "a-admin", "POST", "/s/schule-a/sso/{a-client}/secret", "", 200, "shs-"},
	{"remove an sso client by form", "a-admin", "POST", "/s/schule-a/sso/{a-client}/delete", "", 303, ""},
	{"the installation's sso page", "operator", "GET", "/admin/sso", "", 200, "allen Schulen offen"},
	{"the installation's sso page as a school's admin", "a-admin", "GET", "/admin/sso", "", 403, ""},
	{"register an installation's sso client by form", "operator", "POST", "/admin/sso", "name=Bibliothek&redirect_uris=https%3A%2F%2Fbib.example.org%2Fcb", 200, "shs-"},
	{"a school's sso client as the installation's", "operator", "GET", "/admin/sso/{a-client}", "", 404, ""},
	{"change a school's sso client as the installation's", "operator", "POST", "/admin/sso/{a-client}", "name=X&redirect_uris=https%3A%2F%2Fx.example.org%2Fcb", 404, ""},
	{"a new secret of a school's sso client as the installation's", "operator", "POST", "/admin/sso/{a-client}/secret", "", 404, ""},
	{"remove a school's sso client as the installation's", "operator", "POST", "/admin/sso/{a-client}/delete", "", 404, ""},
	{"devices page", "a-admin", "GET", "/s/schule-a/devices", "", 200, "IPAD-1"},
	{"devices page as a teacher", "a-teacher", "GET", "/s/schule-a/devices", "", 403, ""},
	{"add a device by form", "a-admin", "POST", "/s/schule-a/devices", "type=pc&model=Fujitsu+Esprimo&asset_tag=PC-R101-1&purchased_on=1.8.2025", 303, ""},
	{"add a device by form without model", "a-admin", "POST", "/s/schule-a/devices", "type=pc&model=&serial=XYZ", 422, "Bitte gib das Modell an."},
	{"device labels page", "a-admin", "GET", "/s/schule-a/devices/labels.pdf?sheet=3666", "", 200, "%PDF-"},
	{"a scanned label", "a-admin", "GET", "/s/schule-a/d/IPAD-1", "", 303, ""},
	{"a scanned label by a student", "a-student", "GET", "/s/schule-a/d/IPAD-2", "", 303, ""},
	{"device page", "a-admin", "GET", "/s/schule-a/devices/{a-device}", "", 200, `data-testid="lend"`},
	{"device page of a booked cart's iPad", "a-admin", "GET", "/s/schule-a/devices/{a-device}", "", 200, "Gebucht am 01.12.2026, 3.–4. Stunde: Teacher SchuleA (iPad-Wagen)"},
	{"device page of a lent one", "a-admin", "GET", "/s/schule-a/devices/{a-lent}", "", 200, "Ausgeliehen an Student SchuleA, vom 01.09.2026 bis 15.07.2027."},
	{"change a device by form", "a-admin", "POST", "/s/schule-a/devices/{a-device}", "type=ipad&model=iPad+Air&status=in_use&location=R+7", 303, ""},
	{"lend by form", "a-admin", "POST", "/s/schule-a/devices/{a-device}/lend", "borrower=Student2+SchuleA%2C+5b+%28student2%29&until=2027-07-15", 303, ""},
	{"lend by form to nobody", "a-admin", "POST", "/s/schule-a/devices/{a-device}/lend", "borrower=niemand&until=2027-07-15", 422, "Diese Person kennen wir nicht."},
	{"take back by form", "a-admin", "POST", "/s/schule-a/loans/{a-loan}/return", "condition=worn&note=Kratzer", 303, ""},
	{"take back by form without condition", "a-admin", "POST", "/s/schule-a/loans/{a-loan}/return", "note=x", 422, "Bitte wähle den Zustand"},
	{"loan agreement page", "a-student", "GET", "/s/schule-a/loans/{a-loan}/agreement.pdf", "", 200, "%PDF-"},
	{"my devices", "a-student", "GET", "/s/schule-a/my-devices", "", 200, "IPAD-2"},
	{"a person's devices", "a-admin", "GET", "/s/schule-a/people/{a-student}/devices", "", 200, "Leihgeräte von Student SchuleA"},
	{"a person's devices as a teacher", "a-teacher", "GET", "/s/schule-a/people/{a-student}/devices", "", 403, ""},
	{"start page with a borrowed device", "a-student", "GET", "/", "", 200, `data-testid="start-devices"`},
	{"start page of who keeps the devices", "a-admin", "GET", "/", "", 200, `data-testid="start-device-list"`},
	{"my child's devices", "a-parent", "GET", "/s/schule-a/my-devices", "", 200, "IPAD-2"},
	{"devices to a room by form", "a-admin", "POST", "/s/schule-a/devices/bulk", "id={a-device}&id={a-lent}&bulk_location=R+12", 303, ""},
	{"lent devices lost by form", "a-admin", "POST", "/s/schule-a/devices/bulk", "id={a-device}&id={a-lent}&bulk_status=lost", 422, "Ausgeliehene Geräte behalten ihren Status"},
	{"devices by form without a choice", "a-admin", "POST", "/s/schule-a/devices/bulk", "bulk_status=lost", 422, "Bitte kreuze die Geräte an."},
	{"scan page", "a-admin", "GET", "/s/schule-a/devices/scan", "", 200, `data-testid="scan-code"`},
	{"scan page of a class", "a-admin", "GET", "/s/schule-a/devices/scan?class={a-5a}", "", 200, `"tag":"IPAD-2"`},
	{"scan page as a teacher", "a-teacher", "GET", "/s/schule-a/devices/scan", "", 403, ""},
	{"device overview page", "a-admin", "GET", "/s/schule-a/devices/overview", "", 200, "<td>iPad 10. Generation</td><td>2</td>"},
	{"device overview page as a teacher", "a-teacher", "GET", "/s/schule-a/devices/overview", "", 403, ""},
	{"the city's devices page", "operator", "GET", "/admin/devices", "", 200, "Schule A"},
	{"the city's devices by model", "operator", "GET", "/admin/devices", "", 200, "<td>iPad 10. Generation</td><td>4</td>"},
	{"the city's devices page as an admin", "a-admin", "GET", "/admin/devices", "", 403, ""},
	{"device page with its damage", "a-admin", "GET", "/s/schule-a/devices/{a-device}", "", 200, "Kratzer am Gehäuse"},
	{"report damage by form", "a-admin", "POST", "/s/schule-a/devices/{a-device}/damage", "description=Akku+schwach&to_repair=1", 303, ""},
	{"report damage by form without a word", "a-admin", "POST", "/s/schule-a/devices/{a-device}/damage", "description=", 422, "Bitte beschreibe den Schaden."},
	{"repair by form", "a-admin", "POST", "/s/schule-a/damage/{a-damage}", "status=repaired&cost=129%2C50&insurance=", 303, ""},
	{"repair by form with a bad cost", "a-admin", "POST", "/s/schule-a/damage/{a-damage}", "device={a-device}&status=repaired&cost=viel", 422, "Betrag in Euro"},
	{"repair by form as a teacher", "a-teacher", "POST", "/s/schule-a/damage/{a-damage}", "status=repaired", 403, ""},
	{"open repairs on the overview", "a-admin", "GET", "/s/schule-a/devices/overview", "", 200, "Kratzer am Gehäuse"},
	{"stock-takes on the overview", "a-admin", "GET", "/s/schule-a/devices/overview", "", 200, "nächste Inventur am 30.06.2027"},
	{"stock-takes page", "a-admin", "GET", "/s/schule-a/audits", "", 200, "R 101"},
	{"a stock-take's page", "a-admin", "GET", "/s/schule-a/audits/{a-audit}", "", 200, "Alles da."},
	{"a stock-take's page as a teacher", "a-teacher", "GET", "/s/schule-a/audits/{a-audit}", "", 403, ""},
	{"reservations page", "a-teacher", "GET", "/s/schule-a/reservations", "", 200, "iPad-Wagen"},
	{"reservations page as a student", "a-student", "GET", "/s/schule-a/reservations", "", 403, ""},
	{"book by form", "a-teacher", "POST", "/s/schule-a/reservations", "what=set%3A{a-set}&day=2026-12-02&from_period=1&to_period=2", 303, ""},
	{"book by form when it is taken", "a-admin", "POST", "/s/schule-a/reservations", "what=set%3A{a-set}&day=2026-12-01&from_period=2&to_period=3", 409, "Schon gebucht"},
	{"cancel by form", "a-teacher", "POST", "/s/schule-a/reservations/{a-reservation}/delete", "", 303, ""},
	{"a class set by form", "a-admin", "POST", "/s/schule-a/device-sets", "name=Wagen+2&group=&room=R+5", 303, ""},
	{"a class set by form without a name", "a-admin", "POST", "/s/schule-a/device-sets", "name=", 422, "Bitte gib dem Klassensatz einen Namen."},
	{"into a class set by form", "a-admin", "POST", "/s/schule-a/devices/bulk", "id={a-device}&bulk_set={a-set}", 303, ""},
	{"start page of a teacher who books", "a-teacher", "GET", "/", "", 200, `data-testid="start-reservations"`},
	{"device import page", "a-admin", "GET", "/s/schule-a/devices/import", "", 200, `data-testid="import-file"`},
	{"device import: the dry run", "a-admin", "POST", "/s/schule-a/devices/import", "data=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(deviceList))), 200, "Probelauf"},
	{"device import: applied", "a-admin", "POST", "/s/schule-a/devices/import", "apply=1&data=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte(deviceList))), 200, "Import ausgeführt"},
	{"device import without a file", "a-admin", "POST", "/s/schule-a/devices/import", "data=", 422, "Bitte eine Datei auswählen."},
	{"device import as a teacher", "a-teacher", "GET", "/s/schule-a/devices/import", "", 403, ""},
	{"devices as CSV", "a-admin", "GET", "/s/schule-a/devices.csv", "", 200, "Inventarnummer;Art;Modell"},
	{"device managers by form", "a-admin", "POST", "/s/schule-a/settings/devices", "managers={a-teacher}&loan_years=2&damage_years=3", 303, ""},
	{"device retention by form out of range", "a-admin", "POST", "/s/schule-a/settings/devices", "loan_years=20&damage_years=3", 422, "Bitte 1 bis 10 Jahre."},
	{"device managers by form as a teacher", "a-teacher", "POST", "/s/schule-a/settings/devices", "managers={a-teacher}", 403, ""},
	{"timetable page of a class", "a-student", "GET", "/timetable?class=5b&week=2026-W49", "", 200, "Stundenplan · 5b"},
	{"timetable page of a room student", "a-student", "GET", "/timetable?room=R100", "", 403, ""},
	{"timetable page of a teacher", "a-teacher", "GET", "/timetable?teacher=MEI", "", 200, `name="teacher"`},
	{"save holidays", "a-admin", "POST", "/s/schule-a/settings/holidays", "school_holidays=Weihnachtsferien%3B23.12.2026%3B06.01.2027", 303, ""},
	{"save holidays bad", "a-admin", "POST", "/s/schule-a/settings/holidays", "school_holidays=Weihnachtsferien%3Bbald", 422, "Zeile 1"},
	{"save holidays teacher", "a-teacher", "POST", "/s/schule-a/settings/holidays", "school_holidays=x%3B23.12.2026", 403, ""},
	{"holidays of the state page", "a-admin", "POST", "/s/schule-a/settings/holidays/state", "", 303, ""},
	{"holidays of the state page teacher", "a-teacher", "POST", "/s/schule-a/settings/holidays/state", "", 403, ""},
	{"holidays from calendar page", "a-admin", "POST", "/s/schule-a/settings/holidays/calendar", multipartBody("calendar:ferien.ics", icsHolidays), 303, ""},
	{"holidays from calendar page bad", "a-admin", "POST", "/s/schule-a/settings/holidays/calendar", multipartBody("calendar:ferien.ics", "nichts"), 422, "keine Kalenderdatei"},
	{"holidays from calendar page teacher", "a-teacher", "POST", "/s/schule-a/settings/holidays/calendar", multipartBody("calendar:ferien.ics", icsHolidays), 403, ""},
	{"start page with unread messages", "a-student", "GET", "/", "", 200, `data-testid="start-unread"`},
	{"chat page", "a-student", "GET", "/chat", "", 200, "(2) Nachrichten"},
	{"calls page", "a-student", "GET", "/calls", "", 200, `href="/calls/`},
	{"calls page of a teacher", "a-teacher", "GET", "/calls", "", 200, "Elterngespräch a"},
	{"open a room from the form", "a-teacher", "POST", "/calls", "group={a-5a}", 303, ""},
	{"open a room of another class from the form", "a-teacher", "POST", "/calls", "group={a-5b}", 422, ""},
	{"open an ad-hoc call from the form", "a-teacher", "POST", "/calls", "title=Elternabend", 303, ""},
	{"open an ad-hoc call from the form as a parent", "a-parent", "POST", "/calls", "title=x", 403, ""},
	{"open a room from the form bad group", "a-teacher", "POST", "/calls", "group=x", 422, ""},
	{"call page", "a-student", "GET", "/calls/{a-call}", "", 200, `id="call-join"`},
	{"a guest link that is none", "", "GET", "/calls/guest/1-abc", "", 404, "Dieser Gastlink gilt nicht"},
	{"a guest link without a number", "", "POST", "/calls/guest/abc", "name=Herr+Berg", 404, ""},
	{"call page of another school", "b-student", "GET", "/calls/{a-call}", "", 404, ""},
	{"boards page", "a-student", "GET", "/boards", "", 200, "Bruchrechnung a"},
	{"boards page of a teacher", "a-teacher", "GET", "/boards", "", 200, `">5a</option>`},
	{"boards page without a form for students", "a-student", "GET", "/boards", "", 200, "Tafeln"},
	{"make a board from the form", "a-teacher", "POST", "/boards", "title=Vokabeln&group={a-5a}&access=draw", 303, ""},
	{"make a board from the form as a student", "a-student", "POST", "/boards", "title=x", 403, ""},
	{"make a board from the form without title", "a-teacher", "POST", "/boards", "title=&access=view", 422, "Bitte prüfe deine Eingaben."},
	{"board page", "a-student", "GET", "/boards/{a-board}", "", 200, `data-can-draw="false"`},
	{"board page of its teacher", "a-teacher", "GET", "/boards/{a-board}", "", 200, `data-testid="save-board"`},
	{"board page lists the class", "a-teacher", "GET", "/boards/{a-board}", "", 200, `data-testid="drawer"`},
	{"board page of another class", "a-student2", "GET", "/boards/{a-board}", "", 404, ""},
	{"board page with delete for its owner", "a-teacher", "GET", "/boards/{a-board}", "", 200, `action="/boards/`},
	{"delete a board from the page", "a-teacher", "POST", "/boards/{a-board}/delete", "", 303, ""},
	{"delete a board from the page as a student", "a-student", "POST", "/boards/{a-board}/delete", "", 404, ""},
	{"restore a board from the page", "a-teacher", "POST", "/boards/{a-board}/restore", "", 303, ""},
	{"restore another school's board", "b-admin", "POST", "/boards/{a-board}/restore", "", 404, ""},
	{"board page of another school", "b-teacher", "GET", "/boards/{a-board}", "", 404, ""},
	{"board page sentences for the script", "a-student", "GET", "/boards/{a-board}", "", 200, `"board.page_of":"Seite %d von %d"`},
	{"chat room page", "a-student", "GET", "/chat?room={a-room}", "", 200, "Guten Morgen, 5a a"},
	{"chat room page with an attachment", "a-student", "GET", "/chat?room={a-room}", "", 200, "</svg> Blatt.txt</a>"},
	{"chat room page of its leader", "a-teacher", "GET", "/chat?room={a-room}", "", 200, `id="chat-lock" data-locked="false">Raum sperren`},
	{"chat page sentences for the script", "a-student", "GET", "/chat?room={a-room}", "", 200, `"chat.typing":"%s schreibt …"`},
	{"chat room page of another class", "a-student2", "GET", "/chat?room={a-room}", "", 404, ""},
	{"files page lists one's places", "a-student", "GET", "/s/schule-a/files/user/{a-student}", "", 200, `Meine Dateien</a></li><li><a href="/s/schule-a/files/group/`},
	{"chat room page at a search hit", "a-student", "GET", "/chat?room={a-room}&message={a-msg}", "", 200, `class=" found"`},
	{"chat room page at a bad message", "a-student", "GET", "/chat?room={a-room}&message=x", "", 200, "Guten Morgen, 5a a"},
	{"chat room page other school", "b-student", "GET", "/chat?room={a-room}", "", 404, ""},
	{"chat post form", "a-student", "POST", "/chat/{a-room}", "text=Hallo+5a", 303, ""},
	{"chat post form read-only", "a-student", "POST", "/chat/{a-school-room}", "text=Hallo", 403, ""},
	{"exam plan", "a-teacher", "GET", "/s/schule-a/exams?at=2026-12-01", "", 200, "Mathe 5a a"},
	{"exam plan links", "a-teacher", "GET", "/s/schule-a/exams?at=2026-12-01", "", 200, `href="?at=2026-11-01"`},
	{"start page with the next exams", "a-student", "GET", "/", "", 200, `data-testid="start-exams"`},
	{"exam plan week", "a-teacher", "GET", "/s/schule-a/exams?view=week&at=2026-12-01&group={a-5a}", "", 200, "Mathe 5a a"},
	{"exam plan of a student", "a-student", "GET", "/s/schule-a/exams", "", 200, "Mathe 5a a"},
	{"exam plan of another class", "a-student2", "GET", "/s/schule-a/exams?at=2026-12-01", "", 200, "Keine Klassenarbeiten"},
	{"exam plan of a teacher", "a-admin", "GET", "/s/schule-a/exams?at=2026-12-01&teacher={a-teacher}", "", 200, "Mathe 5a a"},
	{"exam plan other school", "b-teacher", "GET", "/s/schule-a/exams", "", 404, ""},
	{"exam overview", "a-teacher", "GET", "/s/schule-a/exams/overview?week=2026-W49", "", 200, "Mathe 5a a"},
	{"exam overview student", "a-student", "GET", "/s/schule-a/exams/overview", "", 403, ""},
	{"exam plan csv", "a-teacher", "GET", "/s/schule-a/exams.csv?from=2026-12-01&to=2026-12-31", "", 200, "2026-12-02;1;2;Klassenarbeit;Mathe 5a a;5a;R100;;1;schulhof"},
	{"exam plan csv student", "a-student2", "GET", "/s/schule-a/exams.csv?from=2026-12-01&to=2026-12-31", "", 200, "Datum;von Stunde"},
	{"exam plan pdf", "a-teacher", "GET", "/s/schule-a/exams.pdf?from=2026-12-01&to=2026-12-31&group={a-5a}", "", 200, "%PDF-"},
	{"exam plan pdf other school", "b-teacher", "GET", "/s/schule-a/exams.pdf", "", 404, ""},
	{"exam form", "a-teacher", "GET", "/s/schule-a/exams/new?date=2026-12-07", "", 200, `value="2026-12-07"`},
	{"exam form student", "a-student", "GET", "/s/schule-a/exams/new", "", 403, ""},
	{"exam form edit", "a-teacher", "GET", "/s/schule-a/exams/{a-exam}/edit", "", 200, "Mathe 5a a"},
	{"exam form edit other school", "a-teacher", "GET", "/s/schule-a/exams/{b-exam}/edit", "", 404, ""},
	{"plan an exam page", "a-teacher", "POST", "/s/schule-a/exams", "groups={a-5a}&title=Englisch&type=klassenarbeit&date=2026-12-07&from_period=1&to_period=2&rooms=R101", 303, ""},
	{"plan an exam page conflict", "a-teacher", "POST", "/s/schule-a/exams", "groups={a-5a}&title=Englisch&type=klassenarbeit&date=2026-12-02&from_period=3&to_period=4", 422, "bereits eine Klassenarbeit"},
	{"plan an exam page bad", "a-teacher", "POST", "/s/schule-a/exams", "groups={a-5a}&title=&type=klassenarbeit&date=2026-12-02&from_period=3&to_period=4", 422, "Titel"},
	{"plan an exam page student", "a-student", "POST", "/s/schule-a/exams", "groups={a-5a}&title=x&type=test&date=2026-12-07&from_period=3&to_period=4", 403, ""},
	{"change an exam page", "a-teacher", "POST", "/s/schule-a/exams/{a-exam}", "groups={a-5a}&title=Mathe&type=klassenarbeit&date=2026-12-03&from_period=1&to_period=2", 303, ""},
	{"change an exam page other school", "a-admin", "POST", "/s/schule-a/exams/{b-exam}", "groups={a-5a}&title=x&type=test&date=2026-12-03&from_period=1&to_period=2", 404, ""},
	{"delete an exam page student", "a-student", "POST", "/s/schule-a/exams/{a-exam}/delete", "", 404, ""},
	{"delete an exam page", "a-teacher", "POST", "/s/schule-a/exams/{a-exam}/delete", "", 303, ""},
	{"save exam settings", "a-admin", "POST", "/s/schule-a/settings/exams", "sek1_max_per_day=1&sek1_max_per_week=3&sek2_max_per_day=1&sek2_max_per_week=4&sek2_max_per_week_soft=1&announce_days=21&blocked_days=27.01.2027%3BZeugniskonferenzen&coordinators={a-teacher}", 303, ""},
	{"save exam settings bad", "a-admin", "POST", "/s/schule-a/settings/exams", "preset=1&announce_days=14&blocked_days=morgen", 422, "Zeile 1"},
	{"save exam settings teacher", "a-teacher", "POST", "/s/schule-a/settings/exams", "preset=1&announce_days=14", 403, ""},
	{"settings show the chat rules", "a-admin", "GET", "/s/schule-a/settings", "", 200, `name="student" value="teacher" checked`},
	{"save chat settings", "a-admin", "POST", "/s/schule-a/settings/chat", "student=teacher&student=student&parent=teacher&retention_days=180&push_without_text=1", 303, ""},
	{"settings offer notifications without text", "a-admin", "GET", "/s/schule-a/settings", "", 200, `name="push_without_text" value="1" > Benachrichtigungen ohne`},
	{"save chat settings bad retention", "a-admin", "POST", "/s/schule-a/settings/chat", "student=teacher&retention_days=viel", 422, "3650"},
	{"save chat settings teacher", "a-teacher", "POST", "/s/schule-a/settings/chat", "retention_days=1", 403, ""},
	{"service worker", "", "GET", "/sw.js", "", 200, "showNotification"},
	{"save week model", "a-admin", "POST", "/s/schule-a/settings/week-model", "weeks=2&week_start=07.09.2026&week_skip=1&week_groups_1=A%2C+UW&week_groups_2=B%2C+GW&week_groups_3=C", 303, ""},
	{"save week model bad", "a-admin", "POST", "/s/schule-a/settings/week-model", "weeks=2&week_start=bald&week_groups_1=A&week_groups_2=B", 422, "A-Woche"},
	{"save week model teacher", "a-teacher", "POST", "/s/schule-a/settings/week-model", "weeks=0", 403, ""},
	{"calendar feed", "", "GET", "/ical/{a-ical}.ics", "", 200, "BEGIN:VCALENDAR"},
	{"calendar feed wrong token", "", "GET", "/ical/abcdefghijklmnopqrstuvwxyz012345.ics", "", 404, ""},
	{"renew calendar feed", "a-student", "POST", "/profile/calendar-feed", "", 303, ""},
	{"profile shows calendar", "a-student", "GET", "/profile", "", 200, `data-testid="calendar-url"`},
	{"substitutions page", "a-student", "GET", "/s/schule-a/substitutions?date=2026-11-30&class=5a", "", 200, "Montag, 30.11.2026"},
	{"substitutions page other school", "b-student", "GET", "/s/schule-a/substitutions", "", 404, ""},
	{"save day text", "a-admin", "POST", "/s/schule-a/substitutions/day-text", "date=2026-12-01&text=Zeugniskonferenz%2C+Unterrichtsschluss+12+Uhr", 303, ""},
	{"save day text teacher", "a-teacher", "POST", "/s/schule-a/substitutions/day-text", "date=2026-12-01&text=x", 403, ""},
	{"info screen", "", "GET", "/info/{a-info}", "", 200, "Heute Wandertag der 7. Klassen a"},
	{"info screen wrong token", "", "GET", "/info/abcdefghijklmnopqrstuvwxyz012345", "", 404, ""},
	{"info screen stamp", "", "GET", "/info/{a-info}/stamp", "", 200, "0"},
	{"renew info screen", "a-admin", "POST", "/s/schule-a/settings/info-screen", "", 303, ""},
	{"renew info screen teacher", "a-teacher", "POST", "/s/schule-a/settings/info-screen", "", 403, ""},
	{"save lesson times", "a-admin", "POST", "/s/schule-a/settings/lesson-times", "lesson_times=Stunde%3BBeginn%3BEnde%0A1%3B08%3A00%3B08%3A45%0A2%3B08%3A50%3B09%3A35", 303, ""},
	{"save lesson times bad", "a-admin", "POST", "/s/schule-a/settings/lesson-times", "lesson_times=1%3B08%3A00", 422, "Stunde;Beginn;Ende"},
	{"save lesson times teacher", "a-teacher", "POST", "/s/schule-a/settings/lesson-times", "lesson_times=1%3B08%3A00%3B08%3A45", 403, ""},
	{"timetable page", "a-student2", "GET", "/timetable", "", 200, "Für diese Woche gibt es keinen Stundenplan."},
	{"timetable page with an exam", "a-student", "GET", "/timetable", "", 200, "Mathe 5a a"},
	{"timetable page parent", "a-parent", "GET", "/timetable?week=2026-W50", "", 200, "KW 50 · 07.12.–11.12.2026"},
	{"timetable page bad week", "a-student", "GET", "/timetable?week=x", "", 400, ""},
	{"timetable import page", "a-admin", "GET", "/s/schule-a/timetable/import", "", 200, "Untis-Dateien hochladen"},
	{"timetable import page teacher", "a-teacher", "GET", "/s/schule-a/timetable/import", "", 403, ""},
	{"timetable import check", "a-admin", "POST", "/s/schule-a/timetable/import", multipartBody("files:GPU001.TXT", gpu001), 200, `data-testid="apply"`},
	{"timetable import apply", "a-admin", "POST", "/s/schule-a/timetable/import", "name=GPU001.TXT&data=MTsiNWEiOyJTQ0giOyJEIjsiUjEwMCI7MTsxOzsNCjI7IjViIjsiU0NIIjsiTSI7IlIxMDEiOzI7Mzs7DQo%3D&apply=1", 200, `data-testid="count-timetable">2<`},
	{"timetable import check bad", "a-admin", "POST", "/s/schule-a/timetable/import", multipartBody("files:GPU001.TXT", "x;1"), 422, "Feld 1 ist keine Zahl"},
	{"timetable import student", "a-student", "POST", "/s/schule-a/timetable/import", multipartBody("files:GPU001.TXT", gpu001), 403, ""},
	{"edit assignment page", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/edit", multipartBody("title", "Aufsatz (verlängert)", "description", "",
		"starts_at", "2026-11-30T07:00", "due_at", "2026-12-14T08:00", "allow_late", "1", "file:Hilfe.txt", "Tipps"), 303, ""},
	{"edit assignment page bad", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/edit", multipartBody("title", "x", "starts_at", "2026-11-30T07:00", "due_at", "bald"), 422, ""},
	{"edit assignment page student", "a-student", "POST", "/s/schule-a/assignments/{a-task}/edit", multipartBody("title", "x"), 403, ""},
	{"delete attachment page", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/attachments/{a-task-sheet}/delete", "", 303, ""},
	{"delete attachment page student", "a-student", "POST", "/s/schule-a/assignments/{a-task}/attachments/{a-task-sheet}/delete", "", 403, ""},
	{"node page", "a-student", "GET", "/s/schule-a/nodes/{a-sheet}", "", 200, "Hallo Klasse a"},
	{"node page other class", "a-student2", "GET", "/s/schule-a/nodes/{a-sheet}", "", 404, ""},
	{"node page folder", "a-student", "GET", "/s/schule-a/nodes/{a-material}", "", 303, ""},
	{"rename page", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/rename", "name=Arbeitsblatt.txt", 303, ""},
	{"rename page student", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/rename", "name=x.txt", 403, ""},
	{"rename page bad", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/rename", "name=a%2Fb", 422, ""},
	{"move page", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/move", "target=group:{a-5a}:0", 303, ""},
	{"move page student", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/move", "target=group:{a-5a}:0", 403, ""},
	{"move page other space", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/move", "target=user:{a-teacher}:0", 422, ""},
	{"copy page", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/copy", "target=user:{a-student}:0", 303, ""},
	{"copy page bad target", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/copy", "target=x", 422, ""},
	{"restore version page missing", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/versions/7/restore", "", 404, ""},
	{"restore version page student", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/versions/1/restore", "", 403, ""},
	{"create app password page", "a-student", "POST", "/profile/app-passwords", "name=iPad&password=" + testPassword, 200, `data-testid="app-password"`},
	{"create app password page no name", "a-student", "POST", "/profile/app-passwords", "name=&password=" + testPassword, 422, "Bitte gib dem App-Passwort einen Namen"},
	{"delete app password page unknown", "a-student", "POST", "/profile/app-passwords/987654/delete", "", 404, ""},
	{"profile shows WebDAV login", "a-student", "GET", "/profile", "", 200, "student@schule-a"},
	{"assignments page student", "a-student", "GET", "/s/schule-a/assignments", "", 200, "Aufsatz a"},
	{"assignments page teacher", "a-teacher", "GET", "/s/schule-a/assignments", "", 200, "Neue Aufgabe stellen"},
	{"assignments page parent", "a-parent", "GET", "/s/schule-a/assignments", "", 200, "Student: abgegeben"},
	{"assignments page other school", "b-student", "GET", "/s/schule-a/assignments", "", 404, ""},
	{"start page assignments", "a-student", "GET", "/", "", 200, `data-testid="start-assignments"`},
	{"create assignment page", "a-teacher", "POST", "/s/schule-a/assignments", multipartBody("title", "Gedicht", "description", "Lerne es auswendig.",
		"group", "{a-5a}", "starts_at", "2026-11-30T08:00", "due_at", "2026-12-07T08:00", "file:Gedicht.txt", "Der Panther"), 303, ""},
	{"create assignment page bad", "a-teacher", "POST", "/s/schule-a/assignments", multipartBody("title", "", "group", "{a-5a}", "starts_at", "2026-11-30T08:00", "due_at", "gestern"), 422, "Bitte gib einen Titel ein."},
	{"create assignment page student", "a-student", "POST", "/s/schule-a/assignments", multipartBody("title", "x", "group", "{a-5a}", "starts_at", "2026-11-30T08:00", "due_at", "2026-12-07T08:00"), 403, ""},
	{"assignment page teacher", "a-teacher", "GET", "/s/schule-a/assignments/{a-task}", "", 200, "Alle Abgaben als ZIP"},
	{"hand-ins without feedback", "a-teacher", "GET", "/s/schule-a/assignments/{a-task}?show=no_feedback", "", 200, `aria-current="page">Ohne Rückmeldung (1)`},
	{"hand-ins missing", "a-teacher", "GET", "/s/schule-a/assignments/{a-task}?show=missing&sort=time", "", 200, "Keine Abgabe passt zu diesem Filter."},
	{"hand-ins by time", "a-teacher", "GET", "/s/schule-a/assignments/{a-task}?sort=time", "", 200, `sort=time" aria-current="true"`},
	{"feedback for one student", "a-teacher", "GET", "/s/schule-a/assignments/{a-task}?student={a-student}", "", 200, `data-testid="feedback-form"`},
	{"feedback for one student of another school", "b-teacher", "GET", "/s/schule-a/assignments/{a-task}?student={a-student}", "", 404, ""},
	{"save feedback back to the list", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/feedback/{a-student}", "feedback=Gut&list=show%3Dno_feedback", 303, ""},
	{"assignment page student", "a-student", "GET", "/s/schule-a/assignments/{a-task}", "", 200, "Meine Lösung a"},
	{"assignment page parent", "a-parent", "GET", "/s/schule-a/assignments/{a-task}", "", 200, `data-testid="child-status"`},
	{"assignment page other class", "a-student2", "GET", "/s/schule-a/assignments/{a-task}", "", 404, ""},
	{"hand in page", "a-student", "POST", "/s/schule-a/assignments/{a-task}/hand-in", multipartBody("text", "Zweite Fassung", "file:zwei.txt", "2"), 303, ""},
	{"hand in page teacher", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/hand-in", multipartBody("text", "x"), 403, ""},
	{"feedback page", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/feedback/{a-student}", "feedback=Sehr+sch%C3%B6n", 303, ""},
	{"feedback page student", "a-student", "POST", "/s/schule-a/assignments/{a-task}/feedback/{a-student}", "feedback=x", 403, ""},
	{"reviewed page", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/reviewed", "on=1", 303, ""},
	{"reviewed page student", "a-student", "POST", "/s/schule-a/assignments/{a-task}/reviewed", "on=1", 403, ""},
	{"delete assignment page", "a-teacher", "POST", "/s/schule-a/assignments/{a-task}/delete", "", 303, ""},
	{"delete assignment page parent", "a-parent", "POST", "/s/schule-a/assignments/{a-task}/delete", "", 403, ""},
	{"login page", "", "GET", "/login", "", 200, `autocomplete="username"`},
	{"start anonymous", "", "GET", "/", "", 303, ""},
	{"start student", "a-student", "GET", "/", "", 200, `data-testid="class">5a<`},
	{"start parent", "a-parent", "GET", "/", "", 200, "Meine Kinder"},
	{"start operator asked who runs it", "operator", "GET", "/", "", 303, ""},
	{"operator page first time", "operator", "GET", "/admin/operator?first=1", "", 200, "Willkommen! Bevor es losgeht"},
	{"operator page admin", "a-admin", "GET", "/admin/operator", "", 403, ""},
	{"profile", "a-teacher", "GET", "/profile", "", 200, "Zwei-Faktor"},
	{"profile anonymous", "", "GET", "/profile", "", 303, ""},
	{"schools operator", "operator", "GET", "/admin/schools", "", 200, "Schule B"},
	{"schools admin", "a-admin", "GET", "/admin/schools", "", 403, ""},
	{"save operator", "operator", "POST", "/admin/operator", "name=Stadt+Musterstadt&contact=datenschutz%40musterstadt.example", 303, ""},
	{"save operator admin", "a-admin", "POST", "/admin/operator", "name=x", 403, ""},
	{"create school", "operator", "POST", "/admin/schools", "slug=neu&name=Neue+Schule&state=HE&school_type=gymnasium", 303, ""},
	{"create school bad", "operator", "POST", "/admin/schools", "slug=Neu+X&name=&state=", 422, `aria-invalid`[:0] + "Kurzname"},
	{"users admin", "a-admin", "GET", "/s/schule-a/users", "", 200, "student2"},
	{"users search", "a-admin", "GET", "/s/schule-a/users?q=student2", "", 200, "student2"},
	{"users operator", "operator", "GET", "/s/schule-b/users", "", 200, "student2"},
	{"users teacher", "a-teacher", "GET", "/s/schule-a/users", "", 403, ""},
	{"users other school", "b-admin", "GET", "/s/schule-a/users", "", 404, ""},
	{"users anonymous", "", "GET", "/s/schule-a/users", "", 303, ""},
	{"create user", "a-admin", "POST", "/s/schule-a/users", "first_name=Zo%C3%AB&last_name=Gro%C3%9F&role=student&class=5a", 201, `data-testid="password"`},
	{"create user bad", "a-admin", "POST", "/s/schule-a/users", "first_name=&last_name=&role=student", 422, "Bitte den Vornamen angeben."},
	{"user page", "a-admin", "GET", "/s/schule-a/users/{a-parent}", "", 200, "Meine Kinder"},
	{"save user", "a-admin", "POST", "/s/schule-a/users/{a-student}", "first_name=Neu&last_name=Name&role=student&class=5b&active=on", 303, ""},
	{"save user bad", "a-admin", "POST", "/s/schule-a/users/{a-student}", "first_name=&last_name=Name&role=student&active=on", 422, ""},
	{"reset password page", "a-admin", "POST", "/s/schule-a/users/{a-student}/reset-password", "", 200, `data-testid="password"`},
	{"reset two-factor page", "a-admin", "POST", "/s/schule-a/users/{a-teacher}/reset-two-factor", "", 303, ""},
	{"link child page", "a-admin", "POST", "/s/schule-a/users/{a-parent}/children", "child=student2", 303, ""},
	{"link child unknown", "a-admin", "POST", "/s/schule-a/users/{a-parent}/children", "child=niemand", 404, ""},
	{"unlink child page", "a-admin", "POST", "/s/schule-a/users/{a-parent}/children/{a-student}/remove", "", 303, ""},
	{"groups page", "a-admin", "GET", "/s/schule-a/groups", "", 200, "5b"},
	{"create group page", "a-admin", "POST", "/s/schule-a/groups", "name=Chor&kind=custom", 303, ""},
	{"create group page bad", "a-admin", "POST", "/s/schule-a/groups", "name=&kind=custom", 422, ""},
	{"group page", "a-admin", "GET", "/s/schule-a/groups/{a-5a}", "", 200, "student"},
	{"group add members", "a-admin", "POST", "/s/schule-a/groups/{a-5b}/members", "logins=student%2C+teacher&role=member", 303, ""},
	{"group add unknown", "a-admin", "POST", "/s/schule-a/groups/{a-5b}/members", "logins=niemand&role=member", 404, "niemand"},
	{"group remove", "a-admin", "POST", "/s/schule-a/groups/{a-5a}/remove", "user={a-student}", 303, ""},
	{"group rename", "a-admin", "POST", "/s/schule-a/groups/{a-5a}/rename", "name=5+A", 303, ""},
	{"group delete", "a-admin", "POST", "/s/schule-a/groups/{a-5a}/delete", "", 303, ""},
	{"group bad action", "a-admin", "POST", "/s/schule-a/groups/{a-5a}/explode", "", 404, ""},
	{"import page", "a-admin", "GET", "/s/schule-a/import", "", 200, `type="file"`},
	{"import carried data", "a-admin", "POST", "/s/schule-a/import", "data=SUQ7TmFjaG5hbWU7Vm9ybmFtZQoxO0E7Qgo%3D&role=student", 200, "Probelauf"},
	{"import no file", "a-admin", "POST", "/s/schule-a/import", "role=student", 422, ""},
	{"letters page", "a-admin", "GET", "/s/schule-a/letters", "", 200, "PDF"},
	{"letters check first", "a-admin", "POST", "/s/schule-a/letters", "group={a-5b}", 200, "1 Konten bekommen ein neues Passwort"},
	{"letters pdf", "a-admin", "POST", "/s/schule-a/letters", "group={a-5b}&confirm=1", 200, "%PDF-"},
	{"letters selection changed", "a-admin", "POST", "/s/schule-a/letters", "group={a-5b}&confirm=7", 200, "Die Auswahl hat sich seit der Prüfung geändert"},
	{"letters batch unknown", "a-admin", "GET", "/s/schule-a/letters/jobs/nothing", "", 404, ""},
	{"letters batch pdf unknown", "a-admin", "GET", "/s/schule-a/letters/jobs/nothing/pdf", "", 404, ""},
	{"letters batch teacher", "a-teacher", "GET", "/s/schule-a/letters/jobs/nothing", "", 403, ""},
	{"letters none", "a-admin", "POST", "/s/schule-a/letters", "only_new=on", 422, ""},
	{"settings", "a-admin", "GET", "/s/schule-a/settings", "", 200, "Zwei-Faktor"},
	{"save settings", "a-admin", "POST", "/s/schule-a/settings", "name=Schule+A&state=NW&school_type=gymnasium", 303, ""},
	{"settings teacher", "a-teacher", "GET", "/s/schule-a/settings", "", 403, ""},
	{"audit operator", "operator", "GET", "/audit", "", 200, "school.create"},
	{"audit admin", "a-admin", "GET", "/s/schule-a/audit", "", 200, "school.create"},
	{"audit student", "a-student", "GET", "/audit", "", 403, ""},
	{"language", "a-student", "POST", "/profile/language", "language=en", 303, ""},
	{"bad language", "a-student", "POST", "/profile/language", "language=xx", 422, ""},
	{"totp setup", "a-teacher", "POST", "/profile/totp/setup", "", 200, "data:image/png;base64,"},
	{"totp setup student", "a-student", "POST", "/profile/totp/setup", "", 403, ""},
	{"logout", "a-student", "POST", "/logout", "", 303, ""},
	{"unknown page", "a-student", "GET", "/gibt-es-nicht", "", 404, "Das gibt es nicht"},
	{"language browser", "a-student", "POST", "/profile/language", "language=", 303, ""},
	{"language anonymous", "", "POST", "/language", "language=en", 303, ""},
	{"password page", "a-student", "GET", "/password", "", 200, `autocomplete="new-password"`},
	{"password page anonymous", "", "GET", "/password", "", 303, ""},
	{"password wrong current", "a-student", "POST", "/password", "current=falsch&new=neues-passwort&confirm=neues-passwort", 422, "Das bisherige Passwort stimmt nicht."},
	{"password mismatch", "a-student", "POST", "/password", "current=" + testPassword + "&new=neues-passwort&confirm=anderes-passwort", 422, "nicht gleich"},
	{"password change", "a-student", "POST", "/password", "current=" + testPassword + "&new=neues-passwort&confirm=neues-passwort", 303, ""},
	{"profile password bad", "a-student", "POST", "/profile/password", "current=" + testPassword + "&new=kurz&confirm=kurz", 422, "mindestens 8"},
	{"totp page without pending login", "a-teacher", "GET", "/login/totp", "", 303, ""},
	{"totp submit without pending login", "a-teacher", "POST", "/login/totp", "code=123456", 303, ""},
	{"totp enable without setup", "a-teacher", "POST", "/profile/totp/enable", "code=123456", 303, ""},
	{"totp disable wrong password", "a-teacher", "POST", "/profile/totp/disable", "password=falsch", 422, ""},
	{"login wrong", "", "POST", "/login", "login=student%40schule-a&password=falsch", 401, "falsch"},
	{"metrics", "", "GET", "/metrics", "", 200, "# TYPE schulhof_logins_total counter"},
	{"the Go font for the whiteboard", "", "GET", "/fonts/go-regular.ttf", "", 200, "\x00\x01\x00\x00"},
	{"my files", "a-student", "GET", "/s/schule-a/files", "", 303, ""},
	{"files home", "a-student", "GET", "/s/schule-a/files/user/{a-student}", "", 200, "Notizen.txt"},
	{"files someone else's home", "a-teacher", "GET", "/s/schule-a/files/user/{a-student}", "", 404, ""},
	{"files class", "a-student", "GET", "/s/schule-a/files/group/{a-5a}?folder={a-material}", "", 200, "Blatt.txt"},
	{"files other class", "a-student2", "GET", "/s/schule-a/files/group/{a-5a}", "", 404, ""},
	{"files other school", "b-student", "GET", "/s/schule-a/files/group/{a-5a}", "", 404, ""},
	{"files anonymous", "", "GET", "/s/schule-a/files/group/{a-5a}", "", 303, ""},
	{"files bad folder", "a-student", "GET", "/s/schule-a/files/group/{a-5a}?folder={a-sheet}", "", 404, ""},
	{"files new folder", "a-teacher", "POST", "/s/schule-a/files/group/{a-5a}/folder?folder={a-material}", "name=Lösungen", 303, ""},
	{"files new folder student", "a-student", "POST", "/s/schule-a/files/group/{a-5a}/folder", "name=x", 403, ""},
	{"files new folder bad", "a-teacher", "POST", "/s/schule-a/files/group/{a-5a}/folder", "name=a%2Fb", 422, ""},
	{"files upload not multipart", "a-teacher", "POST", "/s/schule-a/files/group/{a-5a}/upload", "x=1", 400, ""},
	{"files upload student", "a-student", "POST", "/s/schule-a/files/group/{a-5a}/upload", "x=1", 403, ""},
	{"files allow uploads", "a-teacher", "POST", "/s/schule-a/files/group/{a-5a}/students-upload?folder={a-material}", "on=1", 303, ""},
	{"files allow uploads student", "a-student", "POST", "/s/schule-a/files/group/{a-5a}/students-upload?folder={a-material}", "on=1", 403, ""},
	{"files delete", "a-teacher", "POST", "/s/schule-a/nodes/{a-sheet}/delete", "", 303, ""},
	{"files delete student", "a-student", "POST", "/s/schule-a/nodes/{a-sheet}/delete", "", 403, ""},
	{"files delete other school", "b-admin", "POST", "/s/schule-a/nodes/{a-sheet}/delete", "", 404, ""},
	{"trash page", "a-teacher", "GET", "/s/schule-a/files/group/{a-5a}/trash", "", 200, "Papierkorb leeren"},
	{"trash page student", "a-student", "GET", "/s/schule-a/files/group/{a-5a}/trash", "", 200, "Alt.txt"},
	{"empty trash page", "a-teacher", "POST", "/s/schule-a/files/group/{a-5a}/trash/empty", "", 303, ""},
	{"trash page other class", "a-student2", "GET", "/s/schule-a/files/group/{a-5a}/trash", "", 404, ""},
	{"restore page", "a-teacher", "POST", "/s/schule-a/nodes/{a-old}/restore", "", 303, ""},
	{"restore page student", "a-student", "POST", "/s/schule-a/nodes/{a-old}/restore", "", 403, ""},
	{"healthz", "", "GET", "/healthz", "", 200, "ok"},
	{"readyz", "", "GET", "/readyz", "", 200, "ready"},
	{"static css", "", "GET", "/static/style.css", "", 200, "--tap"},
}

func TestPageScenarios(t *testing.T) {
	base := newFixture(t, sqltest.Fresh(t, false)).freeze()
	eachConcurrently(t, pageScenarios, func(sc scenario) {
		t.Run(sc.name, func(t *testing.T) {
			f := base.thaw(t)
			rec := f.page(sc.actor, sc.method, f.expand(sc.path), f.expand(sc.body))
			if rec.Code != sc.want {
				t.Fatalf("%s %s as %q: %d, want %d\n%s", sc.method, sc.path, sc.actor, rec.Code, sc.want, rec.Body)
			}
			if sc.contains != "" && !strings.Contains(rec.Body.String(), sc.contains) {
				t.Fatalf("body lacks %q:\n%s", sc.contains, rec.Body)
			}
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
					t.Fatalf("CSP %q", csp)
				}
				if strings.Contains(rec.Body.String(), " style=") || strings.Contains(rec.Body.String(), "<script>") {
					t.Fatal("inline style or script breaks the CSP")
				}
			}
		})
	})
}

func TestLoginPageFlow(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.page("", "POST", "/login", "login=student%40schule-a&password=falsch")
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "Benutzername oder Passwort ist falsch.") || !strings.Contains(rec.Body.String(), `value="student@schule-a"`) {
		t.Fatalf("wrong password: %d", rec.Code)
	}
	rec = f.page("", "POST", "/login", "login=student%40schule-a&password="+testPassword+"&next=%2Fprofile")
	if rec.Code != 303 || rec.Header().Get("Location") != "/profile" {
		t.Fatalf("login: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	for _, next := range []string{"%2F%2Fevil.example", "%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%2F%5Cevil.example",
		"https%3A%2F%2Fevil.example", "%2F%0D%0A%2Fevil.example", "%09%2F%2Fevil.example"} {
		rec = f.page("", "POST", "/login", "login=student%40schule-a&password="+testPassword+"&next="+next)
		if rec.Header().Get("Location") != "/" {
			t.Fatalf("open redirect with next=%s: %s", next, rec.Header().Get("Location"))
		}
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, nil)
	f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", "falsch"))
	f.do("", "POST", "/api/v1/auth/login", loginBody("schule-a", "student", testPassword))
	f.do("a-teacher", "POST", f.expand("/api/v1/boards/{a-board}/operations"), `{"ops":[{"op":"set","id":"t-1","set":{"x":5}},{"op":"set","id":"t-2","set":{"y":5}}]}`)
	rec := f.do("", "GET", "/metrics", "")
	body := rec.Body.String()
	for _, want := range []string{
		`schulhof_http_requests_total{route="POST /api/v1/auth/login",status="200"} 1`,
		`schulhof_http_requests_total{route="POST /api/v1/auth/login",status="401"} 1`,
		`schulhof_logins_total{result="failed"} 1`,
		`schulhof_http_request_duration_seconds_bucket{route="POST /api/v1/auth/login"`,
		`schulhof_db_connections_open{pool="read"}`,
		"schulhof_board_operations_total 2",
		"schulhof_chat_batches_total ",
		"schulhof_chat_writes_total ",
		"schulhof_sockets 0",
		"schulhof_socket_events_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestOpenAPIMatchesRoutes fails when an API route is missing from the
// OpenAPI document, or the document names a route that does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t, nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	decode(t, f.do("", "GET", "/api/v1/openapi.json", ""), &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range f.srv.Routes() {
		if strings.Contains(r, " /api/v1/") {
			routed[r] = true
			if !documented[r] {
				t.Errorf("route %s is not in openapi.json", r)
			}
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("openapi.json documents %s, which is no route", d)
		}
	}
}

// TestMessageCatalog: every key the code and templates use is in the
// catalog, in German and English.
func TestMessageCatalog(t *testing.T) {
	keyPattern := regexp.MustCompile(`(?:Errorf\(schulhof\.\w+, |Key: +|\.T |lineErr\(\w+\.Line, |Add\("\w+", |[nN]ewView\(r, |[sS]choolView\(r, sc, |problems, |T\(\w+, |fail\(|lineError\([\w.]+, |Invalid\("\w+", )"([a-z_]+\.[a-z_.]+)"`)
	var missing []string
	filepath.Walk("../..", func(path string, info os.FileInfo, err error) error {
		if err == nil && info.IsDir() && strings.HasPrefix(info.Name(), ".") && path != "../.." {
			return filepath.SkipDir // .git, the tool library
		}
		if err != nil || info.IsDir() || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(path)
		for _, line := range strings.Split(string(b), "\n") {
			// the pattern on every line takes seconds under -race: only
			// on the lines that can hold a key
			if !strings.Contains(line, `("`) && !strings.Contains(line, ` "`) {
				continue
			}
			for _, m := range keyPattern.FindAllStringSubmatch(line, -1) {
				if !i18n.Has(m[1]) {
					missing = append(missing, path+": "+m[1])
				}
			}
		}
		return nil
	})
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys without a sentence:\n%s", strings.Join(missing, "\n"))
	}
	for _, k := range i18n.Keys() {
		if i18n.T("de", k) == "" || i18n.T("en", k) == i18n.T("de", k) && strings.ContainsAny(i18n.T("de", k), "äöüß") {
			t.Errorf("%s lacks a translation", k)
		}
	}
}

func TestAddingMembersIsAllOrNothing(t *testing.T) {
	f := newFixture(t, nil)
	rec := f.page("a-admin", "POST", f.expand("/s/schule-a/groups/{a-5b}/members"), "logins=student%0Aniemand&role=member")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "niemand") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	ms, err := f.db.FindMembers(ctx, f.school["a"].ID, f.group["a-5b"].ID)
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("a list with an unknown login changed the group: %d members", len(ms))
	}
}

func TestOperatorNamedOnEveryPage(t *testing.T) {
	f := newFixture(t, nil)
	if rec := f.page("operator", "POST", "/admin/operator", "name=Stadt+Musterstadt&contact=datenschutz%40musterstadt.example"); rec.Code != 303 {
		t.Fatal(rec.Code)
	}
	if rec := f.page("operator", "GET", "/", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Betrieb · Stadt Musterstadt") {
		t.Errorf("the operator's start page: %d", rec.Code)
	}
	for actor, path := range map[string]string{"": "/login", "a-student": "/"} {
		rec := f.page(actor, "GET", path, "")
		if !strings.Contains(rec.Body.String(), "betrieben von Stadt Musterstadt · Datenschutz: datenschutz@musterstadt.example") {
			t.Errorf("%s does not name the operator", path)
		}
	}
}

// TestEveryRouteHasScenarios fails when a route of the table is not
// exercised by a scenario above, so that no route is added untested.
func TestEveryRouteHasScenarios(t *testing.T) {
	f := newFixture(t, nil)
	all := append(append([]scenario{}, apiScenarios...), pageScenarios...)
	for _, route := range f.srv.Routes() {
		method, pattern, ok := strings.Cut(route, " ")
		if !ok {
			continue // the catch-alls for unknown paths
		}
		re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]*\\\}`).ReplaceAllString(regexp.QuoteMeta(strings.TrimSuffix(pattern, "{$}")), `[^/]+`) + "$")
		if strings.HasSuffix(pattern, "/") && !strings.HasSuffix(pattern, "{$}") {
			re = regexp.MustCompile("^" + regexp.QuoteMeta(pattern))
		}
		found := false
		for _, sc := range all {
			path, _, _ := strings.Cut(f.expand(sc.path), "?")
			if sc.method == method && re.MatchString(path) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no scenario for %s", route)
		}
	}
}

// TestUploadForm sends two files as the form without JavaScript does.
func TestUploadForm(t *testing.T) {
	f := newFixture(t, nil)
	var body strings.Builder
	mw := multipart.NewWriter(&body)
	for name, content := range map[string]string{"Übung 1.txt": "eins", "Übung 2.txt": "zwei"} {
		w, _ := mw.CreateFormFile("file", name)
		w.Write([]byte(content))
	}
	mw.Close()
	req := httptest.NewRequest("POST", f.expand("/s/schule-a/files/group/{a-5a}/upload?folder={a-material}"), strings.NewReader(body.String()))
	req.Header.Set("Cookie", "schulhof_session="+f.token["a-teacher"])
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	if rec.Code != 303 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	page := f.page("a-student", "GET", f.expand("/s/schule-a/files/group/{a-5a}?folder={a-material}"), "")
	if !strings.Contains(page.Body.String(), "Übung 1.txt") || !strings.Contains(page.Body.String(), "Übung 2.txt") {
		t.Fatalf("uploaded files not listed:\n%s", page.Body)
	}
}
