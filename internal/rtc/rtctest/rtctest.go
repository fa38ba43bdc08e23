// Package rtctest gives tests a browser's side of the forwarding unit:
// the pion API of clients on loopback.
package rtctest

import (
	"net"
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"

	"github.com/schulhof/schulhof/internal/rtc"
)

// API is a client's pion on loopback: the unit's codecs, NACKs, reports
// and the simulcast header extensions, but no TWCC feedback. Without it
// the unit's estimate of the line to the client stays where it starts,
// so that a test machine busy with other tests does not look like a full
// line and pause the cameras a test waits for (the tests of the estimate
// limit the line themselves: Participant.LimitBandwidth).
func API(tb testing.TB) *webrtc.API {
	tb.Helper()
	m := &webrtc.MediaEngine{}
	if err := rtc.RegisterCodecs(m); err != nil {
		tb.Fatal(err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		tb.Fatal(err)
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		tb.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		tb.Fatal(err)
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}
