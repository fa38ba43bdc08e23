package web

import (
	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
)

// SetPictureWork replaces the queue of the node's picture work (exports),
// so that a test can hold its slots.
func SetPictureWork(s *Server, q *admission.Queue) { s.boards.SetPictureWork(q) }

// SetPushLimit bounds the messages whose pushes may be pending.
func SetPushLimit(s *Server, n int64) { s.chat.SetPushLimit(n) }

// PushDropped is how many messages went without a push.
func PushDropped(s *Server) int64 { return s.chat.PushDropped() }

// HoldBoard takes a board's lock on this node, as a request storing its
// operations does, until release.
func HoldBoard(s *Server, id schulhof.BoardID) (release func()) { return s.boards.HoldBoard(id) }
