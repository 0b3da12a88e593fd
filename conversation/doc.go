// Package conversation is the message pipeline every channel enters: the
// terminal chat, the HTTP API, the OpenAI-compatible endpoint, the
// evaluation runner and, later, voice calls.
//
// A Runtime is the whole conversation machinery wired once (New): one
// store, one action catalogue, the AI agent, the flows and response rules.
// Runtime.Handle takes a visitor's message, stores it before anything
// else (nothing acknowledged is lost; a closed conversation reopens),
// takes the conversation's turn lease (one turn at a time per
// conversation, across processes) and offers the message to handlers in
// order: the active flow run, a flow's trigger, a response rule, then the
// conversation's assignee — package agent answers for an AI agent; for a
// human, a team or nobody the message waits in the inbox. Everything it
// does is published as typed Events to subscribers (Runtime.Subscribe):
// what channels stream and workflows will react to.
package conversation
