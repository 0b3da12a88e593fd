package agent

import (
	"context"

	"github.com/causerie/causerie/store"
)

// Router gets each visitor message before the AI agent does: a flow run
// in progress, a flow's trigger or a response rule may handle it (package
// dsl implements it). It runs inside the conversation's turn, so it too
// handles one message of a conversation at a time, and it works without a
// model.
type Router interface {
	Route(ctx context.Context, m Routed) (*Routing, error)
}

// Routed is a visitor message to route.
type Routed struct {
	Workspace    *store.Workspace
	Conversation *store.Conversation
	Message      *store.Message
	// OnEvent follows what the router does (actions, replies).
	OnEvent func(Event)
}

// Routing is what a Router did with a message.
type Routing struct {
	// Handled means a flow or a rule took the message: the AI agent does
	// not answer it.
	Handled bool
	// Replies are the messages sent, already stored, in order.
	Replies []*store.Message
	Actions []ActionTaken
	// Via names what handled it: "flow:<id>", "rule:<name>".
	Via string
}
