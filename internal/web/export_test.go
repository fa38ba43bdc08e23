package web

import "github.com/schulhof/schulhof/internal/admission"

// SetPictureWork replaces the queue of the node's picture work (exports),
// so that a test can hold its slots.
func SetPictureWork(s *Server, q *admission.Queue) {
	q.Key = s.pictureWork.Key
	s.pictureWork = q
}
