// Package rtctest gives tests a browser's side of the forwarding unit:
// the pion API of clients on loopback.
package rtctest

import (
	"net"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/schulhof/schulhof/internal/rtc"
)

// API is rtc.ClientAPI on loopback. The tests of the bandwidth estimate
// limit the line themselves (Participant.LimitBandwidth).
func API(tb testing.TB) *webrtc.API {
	tb.Helper()
	api, err := rtc.ClientAPI(func(ip net.IP) bool { return ip.IsLoopback() })
	if err != nil {
		tb.Fatal(err)
	}
	return api
}
