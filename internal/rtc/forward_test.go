package rtc

import "testing"

// TestKeyFrames: a layer switch waits for a key frame, found in the
// payload of VP8 (RFC 7741) and H.264 (RFC 6184) packets.
func TestKeyFrames(t *testing.T) {
	for _, c := range []struct {
		name    string
		mime    string
		payload []byte
		key     bool
	}{
		{"vp8 key frame", "video/VP8", []byte{0x10, 0x00, 0x9d}, true},
		{"vp8 delta frame", "video/VP8", []byte{0x10, 0x01, 0x9d}, false},
		{"vp8 key frame, not its first packet", "video/VP8", []byte{0x00, 0x00}, false},
		{"vp8 key frame, second partition", "video/VP8", []byte{0x11, 0x00}, false},
		{"vp8 key frame with picture id (15 bits) and TL0PICIDX", "video/VP8", []byte{0x90, 0xc0, 0x80, 0x01, 0x05, 0x00}, true},
		{"vp8 delta frame with picture id (7 bits), TID", "video/VP8", []byte{0x90, 0xa0, 0x05, 0x20, 0x01}, false},
		{"vp8 cut short", "video/VP8", []byte{0x90}, false},
		{"h264 IDR", "video/H264", []byte{0x65, 0x88}, true},
		{"h264 SPS", "video/H264", []byte{0x67, 0x42}, true},
		{"h264 slice", "video/H264", []byte{0x41, 0x9a}, false},
		{"h264 STAP-A with SPS", "video/H264", []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68}, true},
		{"h264 STAP-A without", "video/H264", []byte{0x78, 0x00, 0x02, 0x41, 0x42}, false},
		{"h264 FU-A start of IDR", "video/H264", []byte{0x7c, 0x85, 0x00}, true},
		{"h264 FU-A middle of IDR", "video/H264", []byte{0x7c, 0x05, 0x00}, false},
		{"opus", "audio/opus", []byte{0x00}, false},
		{"empty", "video/VP8", nil, false},
	} {
		if got := isKeyFrame(c.mime, c.payload); got != c.key {
			t.Errorf("%s: key frame %t, want %t", c.name, got, c.key)
		}
	}
}
