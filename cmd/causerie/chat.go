package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

func newChat(cfg *config) *cobra.Command {
	var agentName, email, convID string
	cmd := &cobra.Command{
		Use:   "chat [--workspace SLUG] [--agent NAME] [--conversation ID]",
		Short: "Talk with an AI agent of a workspace in the terminal",
		Long: `Chat opens a conversation with an AI agent and shows each action as it runs, then the
reply as it streams. Type /contact to see the contact's state, /audio FILE to send an
audio message, /quit (or end of input) to leave.

The model endpoint comes from OPENAI_API_KEY / OPENAI_BASE_URL and CAUSERIE_MODEL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			rt, err := newRuntime(s)
			if err != nil {
				return err
			}
			var conv *store.Conversation
			var ag *store.AIAgent
			if convID != "" {
				if conv, ag, err = resumeConversation(ctx, s, ws, convID, agentName, out); err != nil {
					return err
				}
			} else {
				if ag, err = pickAgent(ctx, s, ws, agentName); err != nil {
					return err
				}
				contact := &store.Contact{Name: "Visiteur (terminal)", Email: email}
				if conv, err = rt.Start(ctx, ws, contact, "cli", ag.ID); err != nil {
					return err
				}
			}
			if !rt.HasModel() {
				fmt.Fprintf(out, "Note: %v.\nMessages that need the AI agent will get this explanation instead of a reply.\n\n", agent.ErrNoEndpoint)
			}
			fmt.Fprintf(out, "Chatting with %s (%s) in conversation %s. /contact shows the contact, /quit leaves.\n", ag.Name, ws.Name, conv.ID)
			c := &chat{ctx: ctx, s: s, rt: rt, ws: ws, ag: ag, conv: conv, out: out, errOut: cmd.ErrOrStderr()}
			// Ctrl-C is the chat's own: it cancels the running turn, or
			// leaves at the prompt, rather than ending the process at once.
			interrupts := make(chan os.Signal, 1)
			signal.Reset(os.Interrupt) // main's handler would end every command at once
			signal.Notify(interrupts, os.Interrupt)
			defer signal.Stop(interrupts)
			return c.loop(newLineReader(cmd.InOrStdin(), out), interrupts)
		},
	}
	cmd.Flags().StringVar(&agentName, "agent", "", "AI agent name (default: the only one)")
	cmd.Flags().StringVar(&email, "email", "", "the visitor's email, set on the new contact")
	cmd.Flags().StringVar(&convID, "conversation", "", "resume this conversation (see `causerie conversations list`) instead of starting one")
	return cmd
}

// newRuntime wires the conversation runtime from the environment: the
// model endpoint (none is not an error: flows and rules answer without
// one), SMTP, production mode, and knowledge search with the configured
// embedder.
func newRuntime(s store.Store) (*conversation.Runtime, error) {
	opts, err := runtimeOptions()
	if err != nil {
		return nil, err
	}
	return conversation.New(s, opts), nil
}

// runtimeOptions reads the runtime's options from the environment.
func runtimeOptions() (conversation.Options, error) {
	var opts conversation.Options
	mcfg, err := agent.OpenAIConfigFromEnv()
	switch {
	case errors.Is(err, agent.ErrNoEndpoint):
	case err != nil:
		return opts, err
	default:
		opts.Model = agent.NewOpenAI(mcfg)
	}
	if opts.Mailer, err = tools.MailerFromEnv(); err != nil {
		return opts, err
	}
	if opts.Embedder, err = rag.EmbedderFromEnv(); err != nil {
		return opts, err
	}
	opts.Production = os.Getenv("CAUSERIE_ENV") == "production"
	if v := os.Getenv("CAUSERIE_MAX_MESSAGE_BYTES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return opts, fmt.Errorf("CAUSERIE_MAX_MESSAGE_BYTES=%q: want a positive number of bytes (default %d)", v, conversation.DefaultMaxMessageBytes)
		}
		opts.MaxMessageBytes = n
	}
	if v := os.Getenv("CAUSERIE_FLOW_RUN_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d == 0 {
			return opts, fmt.Errorf("CAUSERIE_FLOW_RUN_IDLE=%q: want a duration such as 30m or 24h (default %s), or -1s for never", v, dsl.DefaultRunIdle)
		}
		opts.FlowRunIdle = d
	}
	return opts, nil
}

// resumeConversation finds the conversation id of the workspace, shows
// its last messages, and returns it with the AI agent that speaks in it
// (its assignee's, else the one picked by --agent).
func resumeConversation(ctx context.Context, s store.Store, ws *store.Workspace, id, agentName string, out io.Writer) (*store.Conversation, *store.AIAgent, error) {
	conv, err := s.GetConversation(ctx, ws.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("workspace %q has no conversation %q; list them with `causerie conversations list`", ws.Slug, id)
	}
	if err != nil {
		return nil, nil, err
	}
	var ag *store.AIAgent
	if conv.Assignee.Type == store.AssigneeAIAgent && agentName == "" {
		ag, err = s.GetAIAgent(ctx, ws.ID, conv.Assignee.ID)
	}
	if ag == nil {
		ag, err = pickAgent(ctx, s, ws, agentName)
	}
	if err != nil {
		return nil, nil, err
	}
	msgs, err := s.ListMessages(ctx, ws.ID, conv.ID, store.MessageFilter{Last: 10})
	if err != nil {
		return nil, nil, err
	}
	for _, m := range msgs {
		who := "you"
		switch m.Role {
		case store.RoleAIAgent:
			who = ag.Name
		case store.RoleHuman:
			who = "human agent"
		case store.RoleSystem:
			who = "system"
		}
		fmt.Fprintf(out, "  %s: %s\n", who, m.Text)
	}
	return conv, ag, nil
}

func pickWorkspace(ctx context.Context, s store.Store, slug string) (*store.Workspace, error) {
	if slug != "" {
		ws, err := s.GetWorkspaceBySlug(ctx, slug)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("no workspace %q in this store; apply one with `causerie apply -f workspace.yaml`", slug)
		}
		return ws, err
	}
	all, err := s.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, fmt.Errorf("the store has no workspace yet: create one with `causerie apply -f workspace.yaml`")
	case 1:
		return all[0], nil
	}
	var slugs []string
	for _, w := range all {
		slugs = append(slugs, w.Slug)
	}
	return nil, fmt.Errorf("the store has %d workspaces: choose one with --workspace (%s)", len(all), strings.Join(slugs, ", "))
}

func pickAgent(ctx context.Context, s store.Store, ws *store.Workspace, name string) (*store.AIAgent, error) {
	agents, err := s.ListAIAgents(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	return pickNamed(agents, func(a *store.AIAgent) string { return a.Name }, name, choice{
		workspace: ws.Slug, one: "AI agent", many: "AI agents", flag: "--agent", section: "ai_agents",
	})
}

// choice describes what pickNamed picks, for its error messages.
type choice struct {
	workspace, one, many, flag string
	section                    string // where the workspace file declares them
}

// pickNamed returns the item called want, or the only item when want is
// empty; when it cannot, its error lists the names there are and the flag
// that chooses one.
func pickNamed[T any](items []T, nameOf func(T) string, want string, c choice) (T, error) {
	var zero T
	names := make([]string, 0, len(items))
	for _, it := range items {
		if nameOf(it) == want || (want == "" && len(items) == 1) {
			return it, nil
		}
		names = append(names, nameOf(it))
	}
	switch {
	case len(items) == 0:
		return zero, fmt.Errorf("workspace %q has no %s; declare one under %s in its workspace file", c.workspace, c.one, c.section)
	case want == "":
		return zero, fmt.Errorf("workspace %q has %d %s: choose one with %s (%s)", c.workspace, len(items), c.many, c.flag, strings.Join(names, ", "))
	}
	return zero, fmt.Errorf("workspace %q has no %s %q; its %s: %s", c.workspace, c.one, want, c.many, strings.Join(names, ", "))
}

type chat struct {
	ctx  context.Context
	s    store.Store
	rt   *conversation.Runtime
	ws   *store.Workspace
	ag   *store.AIAgent
	conv *store.Conversation
	out  io.Writer
	// errOut is where the operator reads what the visitor is not shown:
	// why the fallback was sent.
	errOut io.Writer
}

// loop reads lines and sends them until the end of input. Ctrl-C during
// a turn cancels it and comes back to the prompt; at the prompt it leaves.
func (c *chat) loop(lines lineReader, interrupts <-chan os.Signal) error {
	type read struct {
		line string
		err  error
	}
	for {
		next := make(chan read, 1)
		go func() {
			line, err := lines.ReadLine()
			next <- read{line, err}
		}()
		var raw string
		select {
		case <-interrupts:
			fmt.Fprintln(c.out, "\nbye")
			return nil
		case r := <-next:
			if r.err == io.EOF {
				fmt.Fprintln(c.out, "\nbye")
				return nil
			}
			if r.err != nil {
				return r.err
			}
			raw = r.line
		}
		// A line of any length is read; the pipeline refuses one over the
		// message size limit, and the chat goes on.
		line := strings.TrimSpace(raw)
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/exit":
			fmt.Fprintln(c.out, "bye")
			return nil
		case line == "/contact" || line == "/state":
			if err := c.showContact(); err != nil {
				return err
			}
			continue
		case strings.HasPrefix(line, "/audio "):
			path := strings.TrimSpace(strings.TrimPrefix(line, "/audio "))
			data, err := os.ReadFile(path)
			if err != nil {
				fmt.Fprintf(c.out, "cannot read %s: %v\n", path, err)
				continue
			}
			c.send(conversation.Inbound{Audio: []conversation.Audio{{Name: filepath.Base(path), Data: data}}}, interrupts)
			continue
		case strings.HasPrefix(line, "/"):
			fmt.Fprintln(c.out, "commands: /contact, /audio FILE, /quit")
			continue
		}
		c.send(conversation.Inbound{Text: line}, interrupts)
	}
}

// send hands a message to the pipeline and shows what happens as it
// happens: the conversation's events, until its turn ends.
func (c *chat) send(in conversation.Inbound, interrupts <-chan os.Signal) {
	in.WorkspaceID, in.ConversationID = c.ws.ID, c.conv.ID
	ctx, stop := context.WithCancel(c.ctx)
	defer stop()
	turn, cancelTurn := context.WithCancel(c.ctx)
	defer cancelTurn()
	events := c.rt.Subscribe(ctx, c.ws.ID, c.conv.ID)
	type result struct {
		out *conversation.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := c.rt.Handle(turn, in)
		done <- result{out, err}
	}()
	speaking := false
	endLine := func() {
		if speaking {
			fmt.Fprintln(c.out)
			speaking = false
		}
	}
	var res *result
	// The turn has ended when Handle returned and, if the message was
	// stored, its turn_ended event (published before Handle returns) has
	// been read: every event of the turn is shown, in order.
	for turnEnded := false; res == nil || (!turnEnded && res.out != nil && events != nil); {
		select {
		case <-interrupts:
			cancelTurn()
			endLine()
			fmt.Fprintln(c.out, "  (turn cancelled: Ctrl-C again at the prompt leaves)")
		case r := <-done:
			res = &r
		case e, ok := <-events:
			if !ok {
				events = nil // too slow and dropped: the outcome still comes
				continue
			}
			switch e.Kind {
			case conversation.EventAction:
				endLine()
				fmt.Fprintf(c.out, "  %s\n", describeAction(e.Action))
			case conversation.EventDelta:
				if !speaking {
					fmt.Fprintf(c.out, "%s: ", c.ag.Name)
					speaking = true
				}
				fmt.Fprint(c.out, e.Text)
			case conversation.EventMessage:
				if e.Message.Role == store.RoleVisitor {
					continue
				}
				if streamed, _ := e.Message.Metadata["streamed"].(bool); streamed && speaking {
					endLine() // its text is on screen already
					if interrupted, _ := e.Message.Metadata["interrupted"].(bool); interrupted {
						fmt.Fprintln(c.out, "  (the answer was cut off)")
					}
				} else {
					endLine()
					fmt.Fprintf(c.out, "%s: %s\n", c.ag.Name, e.Message.Text)
				}
			case conversation.EventDropped:
				endLine()
				fmt.Fprintf(c.out, "  (reply not sent: %s no longer handles the conversation)\n", c.ag.Name)
			case conversation.EventTurnEnded:
				turnEnded = true
			}
		}
	}
	endLine()
	out, err := res.out, res.err
	switch {
	case err != nil && errors.Is(err, context.Canceled):
	case err != nil:
		fmt.Fprintf(c.out, "error: %s\n", redact.String(err.Error()))
	case out.Notice != "":
		fmt.Fprintln(c.out, out.Notice)
	case out.Via != "":
		fmt.Fprintf(c.out, "  (answered by %s)\n", strings.Replace(out.Via, ":", " ", 1))
	case out.Waiting:
		fmt.Fprintln(c.out, "  (the conversation is with the team now; the AI agent does not reply)")
	}
	if out != nil && out.Fallback {
		fmt.Fprintf(c.errOut, "causerie: the visitor got the fallback message because %s\n", redact.String(out.FallbackCause))
		fmt.Fprintln(c.out, "  (the conversation was handed over to the team)")
	}
	if out != nil && out.Reply != nil {
		if cites, ok := out.Reply.Metadata["citations"].([]agent.Citation); ok {
			for _, ct := range cites {
				fmt.Fprintf(c.out, "  [%d] %s", ct.N, ct.Title)
				if ct.Heading != "" {
					fmt.Fprintf(c.out, " › %s", ct.Heading)
				}
				if ct.URL != "" {
					fmt.Fprintf(c.out, " — %s", ct.URL)
				}
				fmt.Fprintln(c.out)
			}
		}
	}
	if out != nil && out.Visitor != nil && len(in.Audio) > 0 {
		fmt.Fprintf(c.out, "  (transcribed: %q)\n", out.Visitor.Text)
	}
}

// describeAction tells the operator what an action did, its arguments and
// results redacted.
func describeAction(a *tools.ActionTaken) string { return redact.String(actionLine(a)) }

// actionLine shows an action the way an admin reads it:
// "assign → @Équipe de Planification (round robin) → Marie Dubois".
func actionLine(a *tools.ActionTaken) string {
	r := a.Result
	if !r.OK {
		return fmt.Sprintf("%s %s → failed: %s", a.Name, compact(a.Args), r.Message)
	}
	d := r.Data
	switch a.Name {
	case tools.Assign:
		if team, ok := d["team"]; ok {
			return fmt.Sprintf("assign → @%s (%s) → %s", team, strings.ReplaceAll(fmt.Sprint(d["method"]), "_", " "), d["assignee_name"])
		}
		return fmt.Sprintf("assign → %s", d["assignee_name"])
	case tools.CloseConversation:
		return "close_conversation → " + r.Message
	}
	return fmt.Sprintf("%s → %s", a.Name, r.Message)
}

func compact(raw json.RawMessage) string { return string(redact.JSON(raw)) }

func (c *chat) showContact() error {
	conv, err := c.s.GetConversation(c.ctx, c.ws.ID, c.conv.ID)
	if err != nil {
		return err
	}
	ct, err := c.s.GetContact(c.ctx, c.ws.ID, conv.ContactID)
	if err != nil {
		return err
	}
	stages, err := c.s.ListLifecycleStages(c.ctx, c.ws.ID)
	if err != nil {
		return err
	}
	stage := "(none)"
	for _, st := range stages {
		if st.ID == ct.LifecycleStageID {
			stage = st.Name
		}
	}
	fmt.Fprintf(c.out, "  contact: %s", ct.Name)
	if ct.Email != "" {
		fmt.Fprintf(c.out, " <%s>", ct.Email)
	}
	if ct.Phone != "" {
		fmt.Fprintf(c.out, " %s", ct.Phone)
	}
	fmt.Fprintf(c.out, "\n  lifecycle stage: %s\n", stage)
	if len(ct.Tags) > 0 {
		fmt.Fprintf(c.out, "  tags: %s\n", strings.Join(ct.Tags, ", "))
	}
	keys := make([]string, 0, len(ct.Fields))
	for k := range ct.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(c.out, "  %s: %s\n", k, tools.Format(ct.Fields[k]))
	}
	assignee := "nobody"
	if !conv.Assignee.IsZero() {
		assignee = string(conv.Assignee.Type) + " " + conv.Assignee.ID
		if conv.Assignee.Type == store.AssigneeUser {
			if u, err := c.s.GetUser(c.ctx, c.ws.ID, conv.Assignee.ID); err == nil {
				assignee = "user " + u.Name
			}
		} else if conv.Assignee.ID == c.ag.ID {
			assignee = "AI agent " + c.ag.Name
		}
	}
	fmt.Fprintf(c.out, "  conversation: %s, assigned to %s\n", conv.Status, assignee)
	return nil
}
