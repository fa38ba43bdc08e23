package web

import (
	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
	"github.com/schulhof/schulhof/internal/web/boards"
)

// SetPictureWork replaces the queue of the node's picture work (exports),
// so that a test can hold its slots.
func SetPictureWork(s *Server, q *admission.Queue) { boardsOf(s).SetPictureWork(q) }

// SetPushLimit bounds the messages whose pushes may be pending.
func SetPushLimit(s *Server, n int64) { s.chat.SetPushLimit(n) }

// PushDropped is how many messages went without a push.
func PushDropped(s *Server) int64 { return s.chat.PushDropped() }

// HoldBoard takes a board's lock on this node, as a request storing its
// operations does, until release.
func HoldBoard(s *Server, id schulhof.BoardID) (release func()) { return boardsOf(s).HoldBoard(id) }

func boardsOf(s *Server) *boards.Module {
	for _, m := range s.modules {
		if b, ok := m.(*boards.Module); ok {
			return b
		}
	}
	panic("no boards module")
}
