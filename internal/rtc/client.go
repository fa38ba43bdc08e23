package rtc

import (
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// The other side of the unit, for the programs that play browsers: the
// tests (rtctest) and the load benchmark.

// ClientAPI is a client's pion on the local addresses allow accepts: the
// unit's codecs, NACKs, reports and the simulcast header extensions, but
// no TWCC feedback. Without it the unit's estimate of the line to the
// client stays where it starts: a machine busy with the clients
// themselves does not look like a full line that pauses cameras.
func ClientAPI(allow func(net.IP) bool) (*webrtc.API, error) {
	m := &webrtc.MediaEngine{}
	if err := RegisterCodecs(m); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		return nil, err
	}
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(allow)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se)), nil
}

// Offer is the connection's offer with its candidates, set as its local
// description.
func Offer(pc *webrtc.PeerConnection) (string, error) {
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return "", err
	}
	return complete(pc, offer)
}

// AnswerOffer takes the unit's offer and gives the connection's answer
// with its candidates.
func AnswerOffer(pc *webrtc.PeerConnection, offer string) (string, error) {
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	return complete(pc, answer)
}

// Accept takes the unit's answer to the connection's offer.
func Accept(pc *webrtc.PeerConnection, answer string) error {
	return pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer})
}
