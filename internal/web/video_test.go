package web_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/realtime"
	"github.com/schulhof/schulhof/internal/rtc"
	"github.com/schulhof/schulhof/internal/rtc/rtctest"
	"github.com/schulhof/schulhof/internal/sqlstore/sqltest"
)

// callClient is a browser tab in a video call, played by pion over
// loopback: it talks to the server over the live socket as static/call.js
// does, publishes a microphone and a camera, and counts what it receives.
type callClient struct {
	t     *testing.T
	name  string
	ws    *websocket.Conn
	call  string
	peer  string
	pub   *webrtc.PeerConnection
	sub   *webrtc.PeerConnection
	stop  chan struct{}
	reqID int

	mu     sync.Mutex
	acks   map[string]chan realtime.Envelope
	events []realtime.Envelope
	got    map[string]int // packets by the forwarded track's id ("PEER/camera/ID")
	change chan struct{}
	// subReady is closed once the receiving connection is there
	subReady chan struct{}
}

func newCallClient(t *testing.T, base, token, user, call, name string) *callClient {
	t.Helper()
	return attachCallClient(t, dialSocket(t, base, token), user, call, name)
}

// attachCallClient is the client on a socket that is open.
func attachCallClient(t *testing.T, s *socket, user, call, name string) *callClient {
	t.Helper()
	c := &callClient{t: t, name: name, ws: s.ws, call: call, stop: make(chan struct{}), acks: map[string]chan realtime.Envelope{},
		got: map[string]int{}, change: make(chan struct{}, 1), subReady: make(chan struct{})}
	go func() {
		for {
			e, err := s.r.Next(context.Background())
			if err != nil {
				return
			}
			if e.Type == realtime.TypeEvent && e.Event == "call.offer" {
				go c.answerOffer(e.Data)
			}
			c.mu.Lock()
			if ch := c.acks[e.ID]; ch != nil && e.ID != "" {
				ch <- *e
			} else if e.Type == realtime.TypeEvent {
				c.events = append(c.events, *e)
			}
			c.mu.Unlock()
			c.changed()
		}
	}()
	if e := c.request("subscribe", "user."+user, "", nil); e.Type != "ack" {
		t.Fatalf("%s follows their own topic: %+v", name, e)
	}
	t.Cleanup(c.close)
	return c
}

func (c *callClient) changed() {
	select {
	case c.change <- struct{}{}:
	default:
	}
}

func (c *callClient) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	for _, pc := range []*webrtc.PeerConnection{c.pub, c.sub} {
		if pc != nil {
			pc.Close()
		}
	}
	c.ws.CloseNow()
}

// request sends an envelope and waits for its answer.
func (c *callClient) request(typ, topic, event string, data any) realtime.Envelope {
	c.t.Helper()
	c.mu.Lock()
	c.reqID++
	id := fmt.Sprint("r", c.reqID)
	ch := make(chan realtime.Envelope, 1)
	c.acks[id] = ch
	c.mu.Unlock()
	env := map[string]any{"type": typ, "id": id, "topic": topic}
	if event != "" {
		env["event"], env["data"] = event, data
	}
	b, _ := json.Marshal(env)
	if err := c.ws.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
	select {
	case e := <-ch:
		return e
	case <-time.After(20 * time.Second):
		c.t.Fatalf("%s: no answer to %s %s", c.name, typ, event)
	}
	return realtime.Envelope{}
}

// send sends the call an event and fails unless it is taken.
func (c *callClient) send(event string, data map[string]any) json.RawMessage {
	c.t.Helper()
	e := c.sendMay(event, data)
	if e.Type != "ack" {
		c.t.Fatalf("%s %s: %+v", c.name, event, e.Error)
	}
	return e.Data
}

func (c *callClient) sendMay(event string, data map[string]any) realtime.Envelope {
	c.t.Helper()
	if data == nil {
		data = map[string]any{}
	}
	if c.peer != "" && event != "join" {
		data["peer"] = c.peer
	}
	return c.request("send", "call."+c.call, event, data)
}

// join enters the call (or the lobby: it says whether it waits).
func (c *callClient) join() (waiting bool) {
	c.t.Helper()
	var out struct {
		Waiting bool
		Peer    string
	}
	json.Unmarshal(c.send("join", map[string]any{"peer": c.peer}), &out)
	if out.Waiting {
		return true
	}
	c.mu.Lock()
	c.peer = out.Peer
	c.mu.Unlock()
	if e := c.request("subscribe", "call."+c.call, "", nil); e.Type != "ack" {
		c.t.Fatalf("%s follows the call: %+v", c.name, e)
	}
	return false
}

// publish sends a microphone and a camera, ten samples a second each.
func (c *callClient) publish(api *webrtc.API) {
	c.t.Helper()
	sub, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.sub = sub
	close(c.subReady)
	c.mu.Unlock()
	sub.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		for {
			if _, _, err := tr.ReadRTP(); err != nil {
				return
			}
			c.mu.Lock()
			c.got[tr.ID()]++
			c.mu.Unlock()
			c.changed()
		}
	})
	if c.pub, err = api.NewPeerConnection(webrtc.Configuration{}); err != nil {
		c.t.Fatal(err)
	}
	mic, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2}, "mic-"+c.name, c.name)
	cam, _ := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000}, "cam-"+c.name, c.name)
	for _, tr := range []*webrtc.TrackLocalStaticSample{mic, cam} {
		if _, err := c.pub.AddTrack(tr); err != nil {
			c.t.Fatal(err)
		}
	}
	offer, err := rtc.Offer(c.pub)
	if err != nil {
		c.t.Fatal(err)
	}
	var answer struct{ SDP string }
	json.Unmarshal(c.send("publish", map[string]any{"sdp": offer,
		"sources": map[string]string{"mic-" + c.name: "microphone", "cam-" + c.name: "camera"}}), &answer)
	if err := rtc.Accept(c.pub, answer.SDP); err != nil {
		c.t.Fatal(err)
	}
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		frame := make([]byte, 400)
		for {
			select {
			case <-c.stop:
				return
			case <-tick.C:
				mic.WriteSample(media.Sample{Data: frame, Duration: 100 * time.Millisecond})
				cam.WriteSample(media.Sample{Data: frame, Duration: 100 * time.Millisecond})
			}
		}
	}()
}

// answerOffer answers the server's offer of the receiving connection.
func (c *callClient) answerOffer(data json.RawMessage) {
	var o struct{ Peer, SDP string }
	json.Unmarshal(data, &o)
	// an offer may come before the client has its receiving connection
	// again (it reconnects): it waits for that
	c.mu.Lock()
	ready := c.subReady
	c.mu.Unlock()
	select {
	case <-ready:
	case <-c.stop:
		return
	}
	c.mu.Lock()
	sub, peer := c.sub, c.peer
	c.mu.Unlock()
	if o.Peer != peer {
		return
	}
	answer, err := rtc.AnswerOffer(sub, o.SDP)
	if err != nil {
		return
	}
	b, _ := json.Marshal(map[string]any{"type": "send", "topic": "call." + c.call, "event": "answer",
		"data": map[string]any{"peer": peer, "sdp": answer}})
	c.ws.Write(context.Background(), websocket.MessageText, b)
}

// reconnect drops the media connections and comes back into the call
// as the same peer, as the page does after a drop.
func (c *callClient) reconnect(api *webrtc.API) {
	c.t.Helper()
	c.mu.Lock()
	pub, sub := c.pub, c.sub
	c.sub, c.subReady = nil, make(chan struct{})
	c.mu.Unlock()
	pub.Close()
	sub.Close()
	if c.join() {
		c.t.Fatal("back in the lobby after a drop")
	}
	c.publish(api)
	c.send("state", map[string]any{"camera": true})
}

// received counts the packets of the peer's source.
func (c *callClient) received(peer, source string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id, k := range c.got {
		if strings.HasPrefix(id, peer+"/"+source+"/") {
			n += k
		}
	}
	return n
}

// waitPackets waits until the client has n packets of the peer's source.
func (c *callClient) waitPackets(peer, source string, n int) {
	c.t.Helper()
	c.waitUntil(fmt.Sprintf("%d packets of %s's %s", n, peer, source), func() bool { return c.received(peer, source) >= n })
}

// waitEvent waits for an event that ok accepts and returns it.
func (c *callClient) waitEvent(event string, ok func(data json.RawMessage) bool) json.RawMessage {
	c.t.Helper()
	var found json.RawMessage
	c.waitUntil("event "+event, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, e := range c.events {
			if e.Event == event && (ok == nil || ok(e.Data)) {
				found = e.Data
				c.events = append(c.events[:i:i], c.events[i+1:]...)
				return true
			}
		}
		return false
	})
	return found
}

func (c *callClient) waitUntil(what string, ok func() bool) {
	c.t.Helper()
	deadline := time.After(20 * time.Second)
	for !ok() {
		select {
		case <-c.change:
		case <-deadline:
			c.t.Fatalf("%s: waited in vain for %s", c.name, what)
		}
	}
}

// rosterHas is an ok of waitEvent: a "peers" event in which the peer's
// fields are as given.
func rosterHas(peer string, want map[string]any) func(json.RawMessage) bool {
	return func(data json.RawMessage) bool {
		var r struct{ Peers []map[string]any }
		json.Unmarshal(data, &r)
		for _, p := range r.Peers {
			if p["id"] != peer {
				continue
			}
			for k, v := range want {
				if p[k] != v {
					return false
				}
			}
			return true
		}
		return false
	}
}

// TestCallModeration: a teacher and a student in their class's video
// room over the live socket, with real media: each receives the other's
// microphone and camera; what the teacher forbids or switches off is no
// longer forwarded, whatever the student's client sends or asks; a
// student taken out comes back only through the lobby; the call ends for
// all.
func TestCallModeration(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	api := rtctest.API(t)
	call := f.expand("{a-call}")
	teacher := newCallClient(t, ts.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher")
	student := newCallClient(t, ts.URL, f.token["a-student"], f.id("a-student"), call, "student")
	stranger := newCallClient(t, ts.URL, f.token["a-student2"], f.id("a-student2"), call, "stranger")
	if e := stranger.sendMay("join", nil); e.Type != "error" || e.Error.Code != "not_found" {
		t.Fatalf("another class's student joins 5a's room: %+v", e)
	}
	if teacher.join() || student.join() {
		t.Fatal("a class's room sends its own to the lobby")
	}
	teacher.publish(api)
	student.publish(api)
	teacher.send("state", map[string]any{"microphone": true, "camera": true})
	student.send("state", map[string]any{"microphone": true, "camera": true})
	teacher.waitPackets(student.peer, "microphone", 5)
	teacher.waitPackets(student.peer, "camera", 5)
	student.waitPackets(teacher.peer, "camera", 5)
	if e := stranger.request("subscribe", "call."+call, "", nil); e.Type != "error" {
		t.Fatalf("one who is not in the call follows it: %+v", e)
	}

	// the teacher forbids the students' microphones: the student's goes
	// off, it cannot be switched on again, and nothing of it is
	// forwarded, though the client keeps sending
	if rec := f.do("a-teacher", "PATCH", "/api/v1/calls/"+call, `{"allow":{"microphone":false,"camera":true,"screen":false}}`); rec.Code != 200 {
		t.Fatalf("forbid microphones: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.muted", func(d json.RawMessage) bool { return strings.Contains(string(d), `"source":"microphone"`) })
	if e := student.sendMay("state", map[string]any{"microphone": true}); e.Type != "error" || e.Error.Code != "forbidden" ||
		e.Error.Message != "Die Lehrkraft hat die Mikrofone ausgeschaltet." {
		t.Fatalf("a student switches the forbidden microphone on: %+v", e)
	}
	teacher.waitPackets(student.peer, "camera", teacher.received(student.peer, "camera")+3)
	heard := teacher.received(student.peer, "microphone")
	teacher.waitPackets(student.peer, "camera", teacher.received(student.peer, "camera")+10)
	if n := teacher.received(student.peer, "microphone"); n != heard {
		t.Fatalf("the teacher heard %d packets of the forbidden microphone", n-heard)
	}
	// the teacher's own microphone is still heard
	student.waitPackets(teacher.peer, "microphone", student.received(teacher.peer, "microphone")+5)

	// the teacher switches the student's camera off: off, and switched on
	// again by the student (cameras are allowed)
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/mute", `{"peer":"`+student.peer+`","source":"camera"}`); rec.Code != 204 {
		t.Fatalf("camera off: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.muted", func(d json.RawMessage) bool { return strings.Contains(string(d), `"source":"camera"`) })
	teacher.waitEvent("peers", rosterHas(student.peer, map[string]any{"camera": false}))
	student.send("state", map[string]any{"camera": true, "hand": true})
	teacher.waitEvent("peers", rosterHas(student.peer, map[string]any{"camera": true, "hand": true}))
	teacher.waitPackets(student.peer, "camera", teacher.received(student.peer, "camera")+5)

	// a receiver asks for a camera's quality (a small tile needs less)
	student.send("layer", map[string]any{"track": teacher.peer + "/camera/cam-teacher", "quality": 0})
	if e := student.sendMay("layer", map[string]any{"track": teacher.peer + "/camera/cam-teacher", "quality": 7}); e.Type != "error" || e.Error.Code != "bad_request" {
		t.Fatalf("a quality that is none: %+v", e)
	}

	// the room's chat
	student.send("chat", map[string]any{"text": "Ich habe eine Frage"})
	teacher.waitEvent("chat", func(d json.RawMessage) bool { return strings.Contains(string(d), `"text":"Ich habe eine Frage"`) })
	if e := student.sendMay("chat", map[string]any{"text": "  "}); e.Type != "error" {
		t.Fatalf("an empty chat message: %+v", e)
	}
	if e := student.sendMay("state", map[string]any{"microphone": "an"}); e.Type != "error" || e.Error.Code != "bad_request" {
		t.Fatalf("a state that is no state: %+v", e)
	}

	// the student's connection drops and comes back: the same peer, the
	// hand still raised, the camera received again
	before := student.peer
	student.reconnect(api)
	if student.peer != before {
		t.Fatalf("back after a drop as %s, was %s", student.peer, before)
	}
	teacher.waitEvent("peers", rosterHas(student.peer, map[string]any{"hand": true}))
	teacher.waitPackets(student.peer, "camera", teacher.received(student.peer, "camera")+5)

	// taken out, the student comes back only through the lobby
	if rec := f.do("a-student", "POST", "/api/v1/calls/"+call+"/remove", `{"peer":"`+teacher.peer+`"}`); rec.Code != 403 {
		t.Fatalf("a student removes the teacher: %d", rec.Code)
	}
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/remove", `{"peer":"`+student.peer+`"}`); rec.Code != 204 {
		t.Fatalf("remove: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.removed", nil)
	teacher.waitEvent("peers", func(d json.RawMessage) bool { return !strings.Contains(string(d), student.peer) })
	old := student.peer
	if !student.join() {
		t.Fatal("a removed student comes straight back")
	}
	teacher.waitEvent("call.lobby", func(d json.RawMessage) bool {
		return strings.Contains(string(d), `"name":"`+f.user["a-student"].Name()+`"`)
	})
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/admit", `{"user":`+f.id("a-student")+`,"admit":true}`); rec.Code != 204 {
		t.Fatalf("admit: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.admitted", nil)
	if student.join() || student.peer == old {
		t.Fatalf("the admitted student is not in, or in as the removed peer (%s)", student.peer)
	}
	teacher.waitEvent("peers", rosterHas(student.peer, map[string]any{"moderator": false}))

	// ended for all: everyone is told, and nobody enters again
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/end", ""); rec.Code != 200 {
		t.Fatalf("end: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.ended", nil)
	if e := student.sendMay("join", nil); e.Type != "error" || e.Error.Code != "conflict" {
		t.Fatalf("join an ended call: %+v", e)
	}
	if rec := f.do("a-teacher", "GET", "/api/v1/calls/"+call, ""); rec.Code != 409 {
		t.Fatalf("an ended call: %d", rec.Code)
	}
	// the group's room opens anew
	if rec := f.do("a-student", "POST", "/api/v1/calls", `{"group":`+f.id("a-5a")+`}`); rec.Code != 201 || strings.Contains(rec.Body.String(), `"id":`+call+`,`) {
		t.Fatalf("the group's next room: %d %s", rec.Code, rec.Body)
	}
}

// moved waits for the call to move the client into a breakout room,
// comes back into the call there, and returns the room.
func (c *callClient) moved(api *webrtc.API) int {
	c.t.Helper()
	var m struct{ Room int }
	json.Unmarshal(c.waitEvent("call.moved", nil), &m)
	c.reconnect(api)
	return m.Room
}

// TestBreakouts: the teacher splits the class into two breakout rooms;
// the students are moved, each hears only those in their room; the
// teacher moves one into the other's room; a timer brings everyone back.
func TestBreakouts(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	api := rtctest.API(t)
	must(t, f.db.SetMember(context.Background(), f.school["a"].ID, f.group["a-5a"].ID, f.user["a-student2"].ID, schulhof.MemberRoleMember))
	call := f.expand("{a-call}")
	teacher := newCallClient(t, ts.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher")
	anna := newCallClient(t, ts.URL, f.token["a-student"], f.id("a-student"), call, "anna")
	ben := newCallClient(t, ts.URL, f.token["a-student2"], f.id("a-student2"), call, "ben")
	for _, c := range []*callClient{teacher, anna, ben} {
		if c.join() {
			t.Fatalf("%s waits in the lobby", c.name)
		}
		c.publish(api)
		c.send("state", map[string]any{"microphone": true, "camera": true})
	}
	anna.waitPackets(ben.peer, "camera", 3)
	if rec := f.do("a-student", "POST", "/api/v1/calls/"+call+"/breakouts", `{"rooms":2}`); rec.Code != 403 {
		t.Fatalf("a student starts breakout rooms: %d", rec.Code)
	}
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/breakouts", `{"rooms":21}`); rec.Code != 422 {
		t.Fatalf("21 breakout rooms: %d %s", rec.Code, rec.Body)
	}
	// the teacher goes into room 1, the students are dealt round both
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/breakouts", `{"rooms":2,"assign":{"`+teacher.peer+`":1}}`); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"breakout":{"rooms":2}`) {
		t.Fatalf("breakout rooms: %d %s", rec.Code, rec.Body)
	}
	if r := teacher.moved(api); r != 1 {
		t.Fatalf("the teacher went to room %d", r)
	}
	ra, rb := anna.moved(api), ben.moved(api)
	if ra == rb || ra == 0 || rb == 0 {
		t.Fatalf("two students in two rooms went to %d and %d", ra, rb)
	}
	// each hears only their room: the one with the teacher hears her,
	// not the other student
	with, other := anna, ben
	if rb == 1 {
		with, other = ben, anna
	}
	got := with.received(other.peer, "camera")
	with.waitPackets(teacher.peer, "camera", with.received(teacher.peer, "camera")+10)
	if n := with.received(other.peer, "camera"); n != got {
		t.Fatalf("%s received %d packets of %s's camera from another room", with.name, n-got, other.name)
	}
	// the teacher moves Ben into Anna's room: they meet
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/breakouts/move", `{"peer":"`+ben.peer+`","room":`+itoa(int64(ra))+`}`); rec.Code != 204 {
		t.Fatalf("move: %d %s", rec.Code, rec.Body)
	}
	if r := ben.moved(api); r != ra {
		t.Fatalf("Ben moved to %d, want %d", r, ra)
	}
	anna.waitPackets(ben.peer, "camera", anna.received(ben.peer, "camera")+5)
	// new breakout rooms with a timer of a second: the students stay in
	// room ra, the teacher goes back to the main room; when the time is
	// up, the students come back too
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/breakouts", `{"rooms":2,"seconds":1,"assign":{"`+teacher.peer+`":0,"`+anna.peer+`":`+itoa(int64(ra))+`,"`+ben.peer+`":`+itoa(int64(ra))+`}}`); rec.Code != 200 {
		t.Fatalf("breakout rooms with a timer: %d %s", rec.Code, rec.Body)
	}
	if r := teacher.moved(api); r != 0 {
		t.Fatalf("the teacher went to room %d", r)
	}
	for _, c := range []*callClient{anna, ben} {
		if r := c.moved(api); r != 0 {
			t.Fatalf("%s came back to room %d", c.name, r)
		}
	}
	teacher.waitPackets(anna.peer, "camera", teacher.received(anna.peer, "camera")+5)
	teacher.waitPackets(ben.peer, "camera", teacher.received(ben.peer, "camera")+5)
}

// TestGuests: a teacher makes a guest link for a parent-teacher talk; a
// guest without an account gives a name, waits in the lobby, is let in
// and is in the call; the guest follows nothing else; a withdrawn link
// lets nobody in.
func TestGuests(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	call := f.expand("{a-talk}")
	rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/guest-link", "")
	var link struct{ URL string }
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &link) != nil {
		t.Fatalf("guest link: %d %s", rec.Code, rec.Body)
	}
	path := strings.TrimPrefix(link.URL, "http://example.com")
	if rec := f.do("", "GET", path, ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="guest-name"`) {
		t.Fatalf("the guest link's page: %d %s", rec.Code, rec.Body)
	}
	if rec := f.page("", "POST", path, "name=+"); rec.Code != 422 || !strings.Contains(rec.Body.String(), "Bitte gib deinen Namen an") {
		t.Fatalf("a guest without a name: %d %s", rec.Code, rec.Body)
	}
	if rec := f.page("", "POST", path[:len(path)-2]+"xx", "name=Herr+Berg"); rec.Code != 404 {
		t.Fatalf("a wrong guest link: %d", rec.Code)
	}
	rec = f.page("", "POST", path, "name=Herr++Berg")
	var cookie string
	for _, c := range rec.Result().Cookies() {
		if c.Name == "schulhof_guest" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if rec.Code != 303 || cookie == "" {
		t.Fatalf("the guest's name: %d %v", rec.Code, rec.Result().Cookies())
	}
	rec = f.do("", "GET", path, "", "Cookie", cookie)
	me := regexp.MustCompile(`data-me="(\d+)"`).FindStringSubmatch(rec.Body.String())
	if rec.Code != 200 || me == nil || !strings.Contains(rec.Body.String(), `data-socket="/api/v1/calls/`+call+`/guest-socket"`) {
		t.Fatalf("the guest's call page: %d %s", rec.Code, rec.Body)
	}

	teacher := newCallClient(t, ts.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher")
	if teacher.join() {
		t.Fatal("the talk's teacher waits in its lobby")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/api/v1/calls/"+call+"/guest-socket",
		&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {cookie}}})
	if err != nil {
		t.Fatal(err)
	}
	guest := attachCallClient(t, &socket{t, ws, realtime.NewReader(ws)}, me[1], call, "guest")
	for _, topic := range []string{"room." + f.expand("{a-room}"), "room." + f.expand("{a-school-room}"), "board." + f.expand("{a-board}"), "user." + f.id("a-teacher")} {
		if e := guest.request("subscribe", topic, "", nil); e.Type != "error" {
			t.Fatalf("a guest follows %s: %+v", topic, e)
		}
	}
	if e := guest.request("send", "board."+f.expand("{a-board}"), "ops", map[string]any{"ops": []any{}}); e.Type != "error" {
		t.Fatalf("a guest draws on a class's board: %+v", e)
	}
	if !guest.join() {
		t.Fatal("a guest comes straight in")
	}
	teacher.waitEvent("call.lobby", func(d json.RawMessage) bool { return strings.Contains(string(d), `"name":"Herr Berg"`) })
	// the guest gives up waiting, and comes again
	guest.send("leave", nil)
	teacher.waitEvent("call.lobby", func(d json.RawMessage) bool { return strings.Contains(string(d), `"waiting":[]`) })
	if !guest.join() {
		t.Fatal("the guest comes back straight in")
	}
	teacher.waitEvent("call.lobby", func(d json.RawMessage) bool { return strings.Contains(string(d), `"name":"Herr Berg"`) })
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/admit", `{"user":`+me[1]+`,"admit":true}`); rec.Code != 204 {
		t.Fatalf("admit the guest: %d %s", rec.Code, rec.Body)
	}
	guest.waitEvent("call.admitted", nil)
	if guest.join() {
		t.Fatal("the admitted guest waits still")
	}
	teacher.waitEvent("peers", rosterHas(guest.peer, map[string]any{"name": "Herr Berg", "moderator": false}))
	if rec := f.do("", "POST", "/api/v1/calls/"+call+"/end", "", "Cookie", cookie); rec.Code != 401 {
		t.Fatalf("a guest ends the call: %d", rec.Code)
	}
	// the link withdrawn: nobody comes in by it any more
	if rec := f.do("a-teacher", "DELETE", "/api/v1/calls/"+call+"/guest-link", ""); rec.Code != 204 {
		t.Fatalf("withdraw the link: %d", rec.Code)
	}
	if rec := f.do("", "GET", path, "", "Cookie", cookie); rec.Code != 404 {
		t.Fatalf("a withdrawn guest link: %d", rec.Code)
	}
}

// TestTURNCredentials: the credentials a client gets for the school's
// TURN server are coturn's shared-secret ones: the user name is the
// expiry and the user, the password the HMAC-SHA1 of the name with the
// secret, valid twelve hours.
func TestTURNCredentials(t *testing.T) {
	f := newFixture(t, nil)
	var out struct {
		ICEServers []struct {
			URLs                 []string
			Username, Credential string
		} `json:"ice_servers"`
	}
	decode(t, f.do("a-student", "GET", "/api/v1/calls/"+f.expand("{a-call}")+"/ice-servers", ""), &out)
	if len(out.ICEServers) != 1 || len(out.ICEServers[0].URLs) != 1 || out.ICEServers[0].URLs[0] != "turn:127.0.0.1:3478" {
		t.Fatalf("ice servers: %+v", out)
	}
	s := out.ICEServers[0]
	exp, user, ok := strings.Cut(s.Username, ":")
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || user != f.id("a-student") {
		t.Fatalf("user name %q: want EXPIRY:USER", s.Username)
	}
	if d := time.Unix(expiry, 0).Sub(f.db.Now()); d < 11*time.Hour || d > 13*time.Hour {
		t.Errorf("credentials hold %s, want twelve hours", d)
	}
	mac := hmac.New(sha1.New, []byte("coturn-geheimnis"))
	mac.Write([]byte(s.Username))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); s.Credential != want {
		t.Errorf("credential %q, want %q", s.Credential, want)
	}
}

// TestCallTwoNodes: two nodes on one PostgreSQL and one NATS, as a
// city's cluster behind a load balancer. The teacher's socket is on node
// A, which takes the call when she joins; the student's is on node B:
// her join and her signalling go to A over the bus, her media straight
// to A, the roster and the server's offers come back to B, and each
// receives the other. A moderator's request on B reaches the call on A;
// a guest named on A waits in the lobby from B and is let in from B.
// When A is cut off, the next one who joins from B takes the call over.
func TestCallTwoNodes(t *testing.T) {
	url := os.Getenv("SCHULHOF_TEST_NATS")
	if url == "" {
		t.Skip("SCHULHOF_TEST_NATS not set")
	}
	db := sqltest.MustOpenPostgres(t)
	nodeA, busA := natsNodeBus(t, db, url, "node-a")
	nodeB := natsNode(t, db, url, "node-b")
	f := newFixture(t, db)
	a, b := httptest.NewServer(nodeA), httptest.NewServer(nodeB)
	defer a.Close()
	defer b.Close()
	onA := func() { f.srv = nodeA }
	onB := func() { f.srv = nodeB }
	api := rtctest.API(t)
	call := f.expand("{a-call}")

	teacher := newCallClient(t, a.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher")
	if teacher.join() {
		t.Fatal("the teacher waits in her class's lobby")
	}
	student := newCallClient(t, b.URL, f.token["a-student"], f.id("a-student"), call, "student")
	if student.join() {
		t.Fatal("the student waits in her class's lobby")
	}
	teacher.publish(api)
	student.publish(api)
	teacher.send("state", map[string]any{"microphone": true, "camera": true})
	student.send("state", map[string]any{"microphone": true, "camera": true})
	teacher.waitPackets(student.peer, "camera", 5)
	student.waitPackets(teacher.peer, "microphone", 5)
	student.waitEvent("peers", rosterHas(teacher.peer, map[string]any{"camera": true}))
	stranger := newCallClient(t, b.URL, f.token["a-student2"], f.id("a-student2"), call, "stranger")
	if e := stranger.request("subscribe", "call."+call, "", nil); e.Type != "error" {
		t.Fatalf("one who is not in the call follows it on B: %+v", e)
	}

	// the teacher, on B now, switches the student's camera off and sees
	// who is in the call: both go to A
	onB()
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/mute", `{"peer":"`+student.peer+`","source":"camera"}`); rec.Code != 204 {
		t.Fatalf("camera off from B: %d %s", rec.Code, rec.Body)
	}
	student.waitEvent("call.muted", func(d json.RawMessage) bool { return strings.Contains(string(d), `"source":"camera"`) })
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/mute", `{"peer":"nobody","source":"camera"}`); rec.Code != 404 ||
		!strings.Contains(rec.Body.String(), "nicht (mehr) in der Videostunde") {
		t.Fatalf("mute one who is not there, from B: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		Participants int
		Roster       struct{ Peers []struct{ ID string } }
	}
	decode(t, f.do("a-teacher", "GET", "/api/v1/calls/"+call, ""), &got)
	if got.Participants != 2 || len(got.Roster.Peers) != 2 {
		t.Fatalf("the call seen from B: %+v", got)
	}

	// a guest of the teacher's talk, named on A, waits from B and is let
	// in from B
	talk := f.expand("{a-talk}")
	onA()
	host := newCallClient(t, a.URL, f.token["a-teacher"], f.id("a-teacher"), talk, "host")
	if host.join() {
		t.Fatal("the talk's teacher waits in its lobby")
	}
	rec := f.do("a-teacher", "POST", "/api/v1/calls/"+talk+"/guest-link", "")
	var link struct{ URL string }
	if rec.Code != 201 || json.Unmarshal(rec.Body.Bytes(), &link) != nil {
		t.Fatalf("guest link: %d %s", rec.Code, rec.Body)
	}
	rec = f.page("", "POST", strings.TrimPrefix(link.URL, "http://example.com"), "name=Frau+Yilmaz")
	var cookie string
	for _, c := range rec.Result().Cookies() {
		if c.Name == "schulhof_guest" {
			cookie = c.Name + "=" + c.Value
		}
	}
	onB()
	rec = f.do("", "GET", strings.TrimPrefix(link.URL, "http://example.com"), "", "Cookie", cookie)
	me := regexp.MustCompile(`data-me="(\d+)"`).FindStringSubmatch(rec.Body.String())
	if cookie == "" || me == nil {
		t.Fatalf("the guest named on A is not known on B: %d", rec.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(b.URL, "http")+"/api/v1/calls/"+talk+"/guest-socket",
		&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {cookie}}})
	if err != nil {
		t.Fatal(err)
	}
	guest := attachCallClient(t, &socket{t, ws, realtime.NewReader(ws)}, me[1], talk, "guest")
	if !guest.join() {
		t.Fatal("a guest comes straight in")
	}
	host.waitEvent("call.lobby", func(d json.RawMessage) bool { return strings.Contains(string(d), `"name":"Frau Yilmaz"`) })
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+talk+"/admit", `{"user":`+me[1]+`,"admit":true}`); rec.Code != 204 {
		t.Fatalf("admit the guest from B: %d %s", rec.Code, rec.Body)
	}
	guest.waitEvent("call.admitted", nil)
	if guest.join() {
		t.Fatal("the admitted guest waits still")
	}
	host.waitEvent("peers", rosterHas(guest.peer, map[string]any{"name": "Frau Yilmaz"}))

	// A is cut off from the others: the student comes back through B,
	// which takes the call over, and the teacher joins again there
	busA.Close()
	student.reconnect(api)
	again := newCallClient(t, b.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher2")
	if again.join() {
		t.Fatal("the teacher waits in the lobby of the call taken over")
	}
	again.publish(api)
	again.send("state", map[string]any{"microphone": true})
	again.waitPackets(student.peer, "camera", 5)
	student.waitPackets(again.peer, "microphone", 5)
}

// TestCallWhiteboard: the teacher shows a whiteboard in her class's
// call: a new board of the class, or one of its boards; everyone in the
// call gets it in the roster and may open its framed page, which only
// the server's own pages may frame. A student may not show one; a board
// of another group, a private one and an ad-hoc call are refused.
func TestCallWhiteboard(t *testing.T) {
	f := newFixture(t, nil)
	ts := httptest.NewServer(f.srv)
	defer ts.Close()
	call := f.expand("{a-call}")
	teacher := newCallClient(t, ts.URL, f.token["a-teacher"], f.id("a-teacher"), call, "teacher")
	student := newCallClient(t, ts.URL, f.token["a-student"], f.id("a-student"), call, "student")
	if teacher.join() || student.join() {
		t.Fatal("a class's room sends its own to the lobby")
	}
	if rec := f.do("a-student", "POST", "/api/v1/calls/"+call+"/board", `{}`); rec.Code != 403 {
		t.Fatalf("a student shows a board: %d %s", rec.Code, rec.Body)
	}
	var shown struct {
		ID    int64
		Title string
	}
	decode(t, f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/board", `{}`), &shown)
	if shown.ID == 0 || !strings.HasPrefix(shown.Title, "Tafel 5a, ") {
		t.Fatalf("a new board: %+v", shown)
	}
	id := strconv.FormatInt(shown.ID, 10)
	student.waitEvent("peers", func(d json.RawMessage) bool { return strings.Contains(string(d), `"board":{"id":`+id+`,`) })
	rec := f.page("a-student", "GET", "/boards/"+id+"?framed=1", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `class="framed"`) || strings.Contains(rec.Body.String(), `id="site-nav"`) ||
		!strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'self'") || rec.Header().Get("X-Frame-Options") != "SAMEORIGIN" {
		t.Fatalf("the framed board for the student: %d %q %s", rec.Code, rec.Header().Get("Content-Security-Policy"), rec.Body)
	}
	if rec := f.page("a-student", "GET", "/boards/"+id, ""); !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
		rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Fatalf("the board's own page may be framed: %q", rec.Header().Get("Content-Security-Policy"))
	}

	// one of the class's boards; not another group's, not a private one
	decode(t, f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/board", f.expand(`{"board":{a-board}}`)), &shown)
	student.waitEvent("peers", func(d json.RawMessage) bool { return strings.Contains(string(d), f.expand(`"board":{"id":{a-board},`)) })
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/board", f.expand(`{"board":{a-private-board}}`)); rec.Code != 422 ||
		!strings.Contains(rec.Body.String(), "anderen Gruppe") {
		t.Fatalf("a board of no group: %d %s", rec.Code, rec.Body)
	}
	var private struct{ ID int64 }
	decode(t, f.do("a-teacher", "POST", "/api/v1/boards", f.expand(`{"title":"Lösungen","group":{a-5a},"access":"private"}`)), &private)
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+call+"/board", fmt.Sprintf(`{"board":%d}`, private.ID)); rec.Code != 422 ||
		!strings.Contains(rec.Body.String(), "privat") {
		t.Fatalf("a private board of the class: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-teacher", "POST", "/api/v1/calls/"+f.expand("{a-talk}")+"/board", `{}`); rec.Code != 409 ||
		!strings.Contains(rec.Body.String(), "Videostunden einer Gruppe") {
		t.Fatalf("a board in an ad-hoc call: %d %s", rec.Code, rec.Body)
	}

	// closed: the roster has no board any more
	if rec := f.do("a-student", "GET", "/api/v1/calls/"+call, ""); !strings.Contains(rec.Body.String(), f.expand(`"board":{"id":{a-board},`)) {
		t.Fatalf("the call shows its board: %s", rec.Body)
	}
	if rec := f.do("a-teacher", "DELETE", "/api/v1/calls/"+call+"/board", ""); rec.Code != 204 {
		t.Fatalf("close the board: %d %s", rec.Code, rec.Body)
	}
	if rec := f.do("a-student", "GET", "/api/v1/calls/"+call, ""); rec.Code != 200 || strings.Contains(rec.Body.String(), `"board"`) {
		t.Fatalf("the call shows a closed board: %d %s", rec.Code, rec.Body)
	}
}
