package tools

import (
	"context"
	"fmt"
	"time"

	"github.com/causerie/causerie/store"
)

// SummaryMessages is how many of the last messages a closing summary
// covers (seed 002: the last 20).
const SummaryMessages = 20

type closeArgs struct {
	ClosingNote string `json:"closing_note" ref:"closing_note" jsonschema_description:"Exact name of an existing closing note, e.g. \"Problème Résolu\"."`
	Summary     *bool  `json:"summary" jsonschema:"default=true" jsonschema_description:"Write a summary of the conversation (default true)."`
}

func closeConversation() *Action {
	return &Action{
		Name: CloseConversation,
		Description: fmt.Sprintf("Close the conversation once the contact's request is fully resolved. "+
			"Optionally set a closing note, which must be one of the workspace's existing closing notes, by its exact name. "+
			"A summary of the last %d messages is written unless summary is false. "+
			"Close before you send the final thank-you message.", SummaryMessages),
		Args:              closeArgs{},
		NeedsConversation: true,
		Outside:           summarizeBeforeClose,
		Run:               runClose,
	}
}

// closingNotes lists the workspace's closing notes as named entities.
func closingNotes(ctx context.Context, x *Exec) ([]named, []*store.Label, error) {
	notes, err := x.Q.ListLabels(ctx, x.Workspace.ID, store.ClosingNote)
	if err != nil {
		return nil, nil, err
	}
	out := make([]named, len(notes))
	for i, n := range notes {
		out[i] = named{id: n.ID, keys: []string{n.Name, n.ID}, name: n.Name}
	}
	return out, notes, nil
}

// summarizeBeforeClose checks the closing note and writes the summary
// outside the transaction: a model call must not hold database locks.
func summarizeBeforeClose(ctx context.Context, x *Exec) Result {
	var args closeArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "close_conversation: %v", err)
	}
	if x.Conversation.Status == store.StatusClosed {
		return Ok("the conversation is already closed; nothing changed", map[string]any{"already_closed": true})
	}
	notes, _, err := closingNotes(ctx, x)
	if err != nil {
		return internal("reading closing notes", err)
	}
	if args.ClosingNote != "" {
		if _, ok := match(args.ClosingNote, notes); !ok {
			return unknown(CodeUnknownNote, "closing note", args.ClosingNote, notes)
		}
	}
	sum := x.Catalogue.opts.Summarizer
	if sum == nil || (args.Summary != nil && !*args.Summary) {
		return Ok("", nil)
	}
	msgs, err := x.Q.ListMessages(ctx, x.Workspace.ID, x.Conversation.ID, store.MessageFilter{Last: SummaryMessages})
	if err != nil {
		return internal("reading messages", err)
	}
	// Seed 002: on close the AI agent also picks a closing note, unless one
	// was given or summaries are turned off.
	var choices []string
	if args.ClosingNote == "" {
		for _, n := range notes {
			choices = append(choices, n.name)
		}
	}
	summary, err := sum.Summarize(ctx, SummaryRequest{Language: x.Workspace.Language, Messages: msgs, ClosingNotes: choices})
	if err != nil {
		// Closing matters more than its summary: close without one.
		x.Outcome = fmt.Errorf("summary failed: %w", err)
		return Ok("", nil)
	}
	x.Outcome = summary
	return Ok("", nil)
}

func runClose(ctx context.Context, x *Exec) Result {
	var args closeArgs
	_ = x.Args(&args)
	conv := x.Conversation
	if conv.Status == store.StatusClosed { // closed since the Outside step
		return Ok("the conversation is already closed; nothing changed", map[string]any{"already_closed": true})
	}
	data := map[string]any{}
	msg := "conversation closed"
	noteRef := args.ClosingNote
	switch o := x.Outcome.(type) {
	case Summary:
		conv.Summary = o.Text
		data["summary"] = o.Text
		if noteRef == "" {
			noteRef = o.ClosingNote
		}
	case error:
		msg += " without a summary (" + o.Error() + ")"
	}
	if noteRef != "" {
		notes, _, err := closingNotes(ctx, x)
		if err != nil {
			return internal("reading closing notes", err)
		}
		note, ok := match(noteRef, notes)
		switch {
		case ok:
			conv.ClosingNoteID = note.id
			data["closing_note"] = note.name
		case args.ClosingNote != "":
			return unknown(CodeUnknownNote, "closing note", args.ClosingNote, notes)
		default:
			// The summarizer picked nothing usable: close without a note.
		}
	}
	now := time.Now().UTC()
	conv.Status, conv.ClosedAt = store.StatusClosed, &now
	if err := x.Q.UpdateConversation(ctx, conv); err != nil {
		return internal("closing", err)
	}
	if n, ok := data["closing_note"]; ok {
		msg += fmt.Sprintf(" with closing note %q", n)
	}
	x.Emit("conversation.closed", data)
	return Ok(msg, data)
}
