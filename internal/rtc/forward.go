package rtc

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// Forwarding: a publication is one track a participant publishes. A
// camera sent with simulcast comes in up to three layers (qualities, by
// the RIDs "q", "h", "f": a quarter, half and full size); every receiver
// has its own down track, which forwards one layer, chosen by what the
// receiver asks for and what its bandwidth allows, and switches at a key
// frame of the new layer, rewriting sequence numbers and timestamps so
// that its receiver sees one unbroken stream.

// Layers of a simulcast publication, low to high.
const (
	Low = iota
	Middle
	High
	layers
)

// layerOf is the quality of a simulcast RID; a track without simulcast
// is one layer, Low.
func layerOf(rid string) int {
	switch rid {
	case "h":
		return Middle
	case "f":
		return High
	}
	return Low
}

type publication struct {
	id     string // the receivers' track id, "PEER/SOURCE/ID"
	stream string
	owner  *Participant
	source string
	kind   webrtc.RTPCodecType
	codec  webrtc.RTPCodecCapability

	mu     sync.Mutex
	layers [layers]*layer
	// downs are the receivers' down tracks, copied on change so that
	// the layers' loops read them without a lock
	downs atomic.Pointer[[]*downTrack]
}

// layer is one quality of a publication, as it comes in.
type layer struct {
	pub    *publication
	q      int
	remote *webrtc.TrackRemote
	// what came in, for the metrics and the bandwidth allocation
	packets, bytes, lost atomic.Int64
	forwarded            atomic.Int64
	rate                 atomic.Int64 // bits per second over the last tick
	lastBytes            int64        // at the last tick (the SFU's loop only)
}

func (pub *publication) addDown(d *downTrack) {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	old := pub.downs.Load()
	var next []*downTrack
	if old != nil {
		next = append(next, *old...)
	}
	next = append(next, d)
	pub.downs.Store(&next)
}

func (pub *publication) removeDown(d *downTrack) {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	old := pub.downs.Load()
	if old == nil {
		return
	}
	next := make([]*downTrack, 0, len(*old))
	for _, x := range *old {
		if x != d {
			next = append(next, x)
		}
	}
	pub.downs.Store(&next)
}

// layer is the publication's layer of quality q, nil if it has none.
func (pub *publication) layer(q int) *layer {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	return pub.layers[q]
}

// simulcast says whether the publication comes in several layers.
func (pub *publication) simulcast() bool {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	n := 0
	for _, l := range pub.layers {
		if l != nil {
			n++
		}
	}
	return n > 1
}

// rate is the bits per second of layer q over the last tick (0 if it
// has none).
func (pub *publication) rate(q int) int {
	r, _ := pub.layerRate(q)
	return r
}

// layerRate is the bits per second of layer q, and whether it comes:
// a layer the publisher stopped sending (its upload is short) does not,
// unless it is the only one.
func (pub *publication) layerRate(q int) (int, bool) {
	pub.mu.Lock()
	defer pub.mu.Unlock()
	l := pub.layers[q]
	if l == nil {
		return 0, false
	}
	if pub.owner.Blocked(pub.source) {
		return 0, true // nothing of it goes out
	}
	r := int(l.rate.Load())
	if r > 0 {
		return r, true
	}
	for _, o := range pub.layers {
		if o != nil && o != l && o.rate.Load() > 0 {
			return 0, false
		}
	}
	return 0, true
}

// requestKeyFrame asks the publisher for a picture of layer q that a
// receiver can start from.
func (pub *publication) requestKeyFrame(q int) {
	if l := pub.layer(q); l != nil {
		pub.owner.pub.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: uint32(l.remote.SSRC())}})
	}
}

// run forwards the layer's packets until its track ends.
func (l *layer) run() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	var last uint16
	for first := true; ; first = false {
		n, _, err := l.remote.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		switch gap := int16(pkt.SequenceNumber - last); {
		case first:
			last = pkt.SequenceNumber
		case gap > 0:
			l.lost.Add(int64(gap) - 1)
			last = pkt.SequenceNumber
		case l.lost.Load() > 0:
			l.lost.Add(-1) // a late one
		}
		l.packets.Add(1)
		l.bytes.Add(int64(n))
		if l.pub.owner.Blocked(l.pub.source) {
			continue
		}
		// The publisher's header extensions mean nothing on the
		// receivers' connections, whose ids for them differ: a browser
		// that took the publisher's MID for its own would put the packet
		// on another track, or drop it. The receivers' interceptors add
		// what their connection uses (transport-wide sequence numbers).
		pkt.Header.Extension, pkt.Header.Extensions, pkt.Header.ExtensionProfile = false, pkt.Header.Extensions[:0], 0
		key := -1 // not looked at yet
		downs := l.pub.downs.Load()
		if downs == nil {
			continue
		}
		for _, d := range *downs {
			if d.write(l, &pkt, &key) {
				l.forwarded.Add(1)
			}
		}
	}
}

// downTrack is what one receiver gets of a publication.
type downTrack struct {
	pub    *publication
	to     *Participant
	local  *webrtc.TrackLocalStaticRTP
	sender *webrtc.RTPSender

	mu sync.Mutex
	// want is the layer the receiver asks for, allowed what its
	// bandwidth allows now (-1: nothing: audio first), target the one to
	// switch to at its next key frame, current the one forwarded (-1:
	// none yet)
	want, allowed, target, current int
	askedKey                       time.Time // when a key frame of target was last asked for
	// rewriting: what the receiver saw last, and the offsets of the
	// current layer's numbers to it
	started bool
	lastSeq uint16
	lastTS  uint32
	lastAt  time.Time
	seqOff  uint16
	tsOff   uint32
}

// wanted is the layer the receiver asks for.
func (d *downTrack) wanted() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.want
}

func newDownTrack(pub *publication, to *Participant, local *webrtc.TrackLocalStaticRTP) *downTrack {
	d := &downTrack{pub: pub, to: to, local: local, want: High, allowed: High, target: High, current: -1}
	if pub.kind == webrtc.RTPCodecTypeAudio || !pub.simulcast() {
		d.target, d.current = Low, Low // one layer: nothing to switch
	}
	return d
}

// write forwards the packet of layer l if it is the receiver's; key
// caches whether the packet starts a key frame (-1: not looked at).
func (d *downTrack) write(l *layer, pkt *rtp.Packet, key *int) bool {
	d.mu.Lock()
	if d.target != d.current && l.q == d.target {
		if *key < 0 {
			*key = 0
			if isKeyFrame(d.pub.codec.MimeType, pkt.Payload) {
				*key = 1
			}
		}
		if *key == 1 || d.pub.kind == webrtc.RTPCodecTypeAudio {
			d.switchTo(l.q, pkt)
		} else if time.Since(d.askedKey) > time.Second {
			d.askedKey = time.Now()
			go d.pub.requestKeyFrame(l.q)
		}
	}
	if l.q != d.current {
		d.mu.Unlock()
		return false
	}
	out := *pkt
	out.SequenceNumber = pkt.SequenceNumber + d.seqOff
	out.Timestamp = pkt.Timestamp + d.tsOff
	if !d.started || int16(out.SequenceNumber-d.lastSeq) > 0 {
		d.lastSeq, d.lastTS, d.lastAt, d.started = out.SequenceNumber, out.Timestamp, time.Now(), true
	}
	d.mu.Unlock()
	if err := d.local.WriteRTP(&out); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		return false
	}
	return true
}

// switchTo makes layer q current from the packet on, which starts a
// key frame: its numbers continue what the receiver saw last.
func (d *downTrack) switchTo(q int, pkt *rtp.Packet) {
	d.current = q
	if !d.started {
		d.seqOff, d.tsOff = 0, 0
		return
	}
	d.seqOff = d.lastSeq + 1 - pkt.SequenceNumber
	// the time that passed since the last packet, on the media clock
	ticks := uint32(time.Since(d.lastAt).Seconds() * float64(d.pub.codec.ClockRate))
	d.tsOff = d.lastTS + max(ticks, 1) - pkt.Timestamp
}

// setTarget chooses the layer to forward: what the receiver wants, no
// more than its bandwidth allows (-1: nothing).
func (d *downTrack) setTarget(allowed int) {
	d.mu.Lock()
	d.allowed = allowed
	t := min(d.want, allowed)
	if d.pub.kind == webrtc.RTPCodecTypeAudio {
		t = Low
	} else if t >= 0 {
		// the best layer there is, up to t
		for t > Low && d.pub.layer(t) == nil {
			t--
		}
	}
	changed := t != d.target
	d.target = t
	if t < 0 {
		d.current = -1 // paused at once
	}
	ask := changed && t >= 0 && t != d.current
	if ask {
		d.askedKey = time.Now()
	}
	d.mu.Unlock()
	if ask {
		d.pub.requestKeyFrame(t)
	}
}

// isKeyFrame says whether an RTP payload starts a key frame, for the
// codecs the SFU takes (VP8 and H.264; audio has no key frames).
func isKeyFrame(mime string, payload []byte) bool {
	switch mime {
	case webrtc.MimeTypeVP8:
		return vp8KeyFrame(payload)
	case webrtc.MimeTypeH264:
		return h264KeyFrame(payload)
	}
	return false
}

// vp8KeyFrame reads the VP8 payload descriptor (RFC 7741, 4.2): the
// start of partition 0 of a frame whose inverse key frame bit is 0.
func vp8KeyFrame(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	x, s, pid := p[0]&0x80 != 0, p[0]&0x10 != 0, p[0]&0x07
	if !s || pid != 0 {
		return false
	}
	i := 1
	if x {
		if len(p) < 2 {
			return false
		}
		ext := p[1]
		i = 2
		if ext&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i += 2
			} else {
				i++
			}
		}
		if ext&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if ext&0x30 != 0 { // T or K: TID, Y, KEYIDX
			i++
		}
	}
	return len(p) > i && p[i]&0x01 == 0
}

// h264KeyFrame finds an IDR slice or a sequence parameter set (RFC 6184):
// a single NAL unit, the units of a STAP-A, or the start of a FU-A.
func h264KeyFrame(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	key := func(t byte) bool { return t == 5 || t == 7 }
	switch t := p[0] & 0x1f; t {
	case 24: // STAP-A: 16-bit sizes, then the unit
		for i := 1; i+2 < len(p); {
			size := int(p[i])<<8 | int(p[i+1])
			if i+2 < len(p) && key(p[i+2]&0x1f) {
				return true
			}
			i += 2 + size
		}
		return false
	case 28: // FU-A: the start of a fragmented unit
		return len(p) > 1 && p[1]&0x80 != 0 && key(p[1]&0x1f)
	default:
		return key(t)
	}
}
