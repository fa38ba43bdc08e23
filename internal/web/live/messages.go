package live

import "github.com/schulhof/schulhof/internal/i18n"

// The module's sentences, German and English (see internal/i18n).
var _ = i18n.Add(map[string][2]string{
	// an operator has no school, so no room and no board to follow
	"live.no_school":     {"Diesen Raum gibt es nicht.", "There is no such room."},
	"live.not_websocket": {"Hier spricht nur eine WebSocket-Verbindung.", "Only a WebSocket connection speaks here."},
})
