package web

import (
	"github.com/schulhof/schulhof"
	"github.com/schulhof/schulhof/internal/admission"
	"github.com/schulhof/schulhof/internal/web/boards"
	"github.com/schulhof/schulhof/internal/web/chat"
)

// SetPictureWork replaces the queue of the node's picture work (exports),
// so that a test can hold its slots.
func SetPictureWork(s *Server, q *admission.Queue) { moduleOf[*boards.Module](s).SetPictureWork(q) }

// SetPushLimit bounds the messages whose pushes may be pending.
func SetPushLimit(s *Server, n int64) { moduleOf[*chat.Module](s).SetPushLimit(n) }

// PushDropped is how many messages went without a push.
func PushDropped(s *Server) int64 { return moduleOf[*chat.Module](s).PushDropped() }

// HoldBoard takes a board's lock on this node, as a request storing its
// operations does, until release.
func HoldBoard(s *Server, id schulhof.BoardID) (release func()) {
	return moduleOf[*boards.Module](s).HoldBoard(id)
}

// moduleOf is the server's module of type M.
func moduleOf[M module](s *Server) M {
	for _, m := range s.modules {
		if x, ok := m.(M); ok {
			return x
		}
	}
	panic("no such module")
}
