package schulhof

import "context"

// Actor is the user on whose behalf a call runs, and from where. It travels
// in the context so that the store can write the audit log in the same
// transaction as the change.
type Actor struct {
	User *User
	IP   string
	// SupportBy is the operator acting as User for support.
	SupportBy string
}

type actorKey struct{}

// NewContextWithActor returns ctx carrying a.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor, or nil for system work (start-up,
// command line tools).
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}
