package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/schulhof/schulhof/internal/rtc"
)

// videoSFU is "schulhof-bench video-sfu": Schulhof's forwarding unit
// alone in a process of its own, so that the video benchmark can measure
// its CPU and memory apart from the clients, as it does Janus's. Its
// signalling is a small HTTP API on loopback (the real server's goes over
// the live socket; here it is not what is measured).
func videoSFU(args []string) error {
	fs := flag.NewFlagSet("video-sfu", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address of the signalling API")
	ip := fs.String("ip", "", "the one local address for media (default: loopback)")
	fs.Parse(args)
	cfg := rtc.Config{Loopback: *ip == ""}
	if *ip != "" {
		cfg.Addresses = []net.IP{net.ParseIP(*ip)}
	}
	sfu, err := rtc.New(cfg)
	if err != nil {
		return err
	}
	defer sfu.Close()
	s := &sfuServer{sfu: sfu, peers: map[string]*sfuPeer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /join", s.join)
	mux.HandleFunc("POST /publish", s.publish)
	mux.HandleFunc("GET /offer", s.offer)
	mux.HandleFunc("POST /answer", s.answer)
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(sfu.Stats()) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// the parent reads where to signal from the first line
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, mux)
}

type sfuServer struct {
	sfu   *rtc.SFU
	mu    sync.Mutex
	peers map[string]*sfuPeer
}

type sfuPeer struct {
	p      *rtc.Participant
	offers chan string
}

func (s *sfuServer) peer(r *http.Request) *sfuPeer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peers[r.URL.Query().Get("room")+"/"+r.URL.Query().Get("id")]
}

func (s *sfuServer) join(w http.ResponseWriter, r *http.Request) {
	room, id := r.URL.Query().Get("room"), r.URL.Query().Get("id")
	pe := &sfuPeer{offers: make(chan string, 64)}
	p, err := s.sfu.Room(room).Join(id, func(sig rtc.Signal) { pe.offers <- sig.SDP })
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	pe.p = p
	s.mu.Lock()
	s.peers[room+"/"+id] = pe
	s.mu.Unlock()
	w.WriteHeader(204)
}

type sdpBody struct {
	SDP     string            `json:"sdp"`
	Sources map[string]string `json:"sources,omitempty"`
}

func (s *sfuServer) publish(w http.ResponseWriter, r *http.Request) {
	pe := s.peer(r)
	var in sdpBody
	if pe == nil || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, "bad publish", 400)
		return
	}
	answer, err := pe.p.Publish(in.SDP, in.Sources)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	json.NewEncoder(w).Encode(sdpBody{SDP: answer})
}

// offer waits for the participant's next subscriber offer (204: none
// within a while).
func (s *sfuServer) offer(w http.ResponseWriter, r *http.Request) {
	pe := s.peer(r)
	if pe == nil {
		http.Error(w, "no such peer", 404)
		return
	}
	select {
	case sdp := <-pe.offers:
		json.NewEncoder(w).Encode(sdpBody{SDP: sdp})
	case <-time.After(10 * time.Second):
		w.WriteHeader(204)
	case <-r.Context().Done():
	}
}

func (s *sfuServer) answer(w http.ResponseWriter, r *http.Request) {
	pe := s.peer(r)
	var in sdpBody
	if pe == nil || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, "bad answer", 400)
		return
	}
	if err := pe.p.Answer(in.SDP); err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.WriteHeader(204)
}
