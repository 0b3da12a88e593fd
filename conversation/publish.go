package conversation

import (
	"context"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// publisher turns what the AI agent, a flow or a rule does into Events of
// one conversation. It is the agent.Observer and the dsl.Observer of a
// turn.
type publisher struct {
	r        *Runtime
	ws, conv string
}

func (p *publisher) publish(e Event) {
	e.WorkspaceID, e.ConversationID = p.ws, p.conv
	p.r.hub.publish(e)
}

func (p *publisher) message(m *store.Message) { p.publish(Event{Kind: EventMessage, Message: m}) }

func (p *publisher) status(change string, c *store.Conversation) {
	p.publish(Event{Kind: EventStatus, Status: &StatusChange{Change: change, Status: c.Status, Assignee: c.Assignee}})
}

// statusChanges are the actions that change a conversation's status or
// assignee, and the change each reports.
var statusChanges = map[string]string{
	tools.CloseConversation: "closed",
	tools.Assign:            "assigned",
	tools.Unassign:          "unassigned",
}

// Action implements agent.Observer and dsl.Observer.
func (p *publisher) Action(a tools.ActionTaken) {
	p.publish(Event{Kind: EventAction, Action: &a})
	change, ok := statusChanges[a.Name]
	if !ok || !a.Result.OK || a.Result.Replayed {
		return
	}
	if c, err := p.r.store.GetConversation(context.Background(), p.ws, p.conv); err == nil {
		p.status(change, c)
	}
}

// Delta implements agent.Observer.
func (p *publisher) Delta(text string) { p.publish(Event{Kind: EventDelta, Text: text}) }

// Reply implements agent.Observer and dsl.Observer.
func (p *publisher) Reply(m *store.Message) { p.message(m) }

// Dropped implements agent.Observer.
func (p *publisher) Dropped(text string) { p.publish(Event{Kind: EventDropped, Text: text}) }
