package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
)

func newFlow(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "flow",
		Short: "Check, draw, walk and manage conversation flows",
		Long: `Flows are guided multi-step conversations (seed 001): JSON or YAML files of React-Flow-style
nodes (message, question, choice, condition, set_variable, action, ai_reply, handoff, end)
and edges, started by keyword triggers. See examples/salon/flows and examples/support/flows.

validate, graph, paths and run work on files and need no store; apply, list, enable,
disable and rm work on the workspace's flows in the store.`,
	}
	cmd.AddCommand(newFlowValidate(), newFlowGraph(cfg), newFlowPaths(), newFlowRun(),
		newFlowApply(cfg), newFlowGenerate(cfg), newFlowList(cfg), newFlowRuns(cfg), newFlowEnable(cfg, true), newFlowEnable(cfg, false), newFlowRm(cfg))
	return cmd
}

func production() bool { return os.Getenv("CAUSERIE_ENV") == "production" }

// loadFlow reads, validates and compiles a flow file.
func loadFlow(path string, prod bool) (*dsl.Program, error) {
	f, err := dsl.Load(path, dsl.Options{Production: prod})
	if err != nil {
		return nil, err
	}
	return dsl.Compile(f, dsl.Options{Production: prod})
}

func newFlowValidate() *cobra.Command {
	var prod bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check flow files and report every problem, with file:line:column, node and field",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			out := cmd.OutOrStdout()
			var failed []string
			for _, path := range files {
				p, err := loadFlow(path, prod)
				if err != nil {
					var ps source.Problems
					if !errors.As(err, &ps) {
						return err
					}
					fmt.Fprintln(out, ps.Error())
					failed = append(failed, path)
					continue
				}
				fmt.Fprintf(out, "%s: flow %q is valid (%d nodes, %d edges, %d paths)\n", path, p.Flow.ID,
					len(p.Flow.Nodes), len(p.Flow.Edges), len(p.Paths(2)))
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d of %d flow files have problems: %s", len(failed), len(files), strings.Join(failed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&prod, "production", production(), "check as in production: URLs must be https (default from CAUSERIE_ENV)")
	return cmd
}

func newFlowGraph(cfg *config) *cobra.Command {
	var format, lang string
	cmd := &cobra.Command{
		Use:   "graph FILE [--format mermaid]",
		Short: "Draw a flow as a Mermaid flowchart",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "mermaid" {
				return fmt.Errorf("unknown format %q; the only format is mermaid", format)
			}
			p, err := loadFlow(args[0], false)
			if err != nil {
				return err
			}
			switch {
			case lang == "":
				lang = cfg.workspaceLanguage(cmd.Context())
			case !slices.Contains(prompts.MessageLanguages(), lang):
				return fmt.Errorf("--lang %q: the labels exist in %s", lang, strings.Join(prompts.MessageLanguages(), ", "))
			}
			fmt.Fprint(cmd.OutOrStdout(), p.Mermaid(lang))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "mermaid", "output format: mermaid")
	cmd.Flags().StringVar(&lang, "lang", "", "language of the labels (default: the workspace's, else fr)")
	return cmd
}

func newFlowPaths() *cobra.Command {
	var visits int
	cmd := &cobra.Command{
		Use:   "paths FILE",
		Short: "List every path of a flow from its trigger to an end (loops followed at most --max-visits times)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadFlow(args[0], false)
			if err != nil {
				return err
			}
			paths := p.Paths(visits)
			out := cmd.OutOrStdout()
			for i, path := range paths {
				fmt.Fprintf(out, "%d. %s\n", i+1, path)
			}
			fmt.Fprintf(out, "%d paths\n", len(paths))
			return nil
		},
	}
	cmd.Flags().IntVar(&visits, "max-visits", 2, "how many times a path may go through one node (bounds loops)")
	return cmd
}

func newFlowRun() *cobra.Command {
	var fail []string
	var lang, name, country string
	cmd := &cobra.Command{
		Use:   "run FILE",
		Short: "Walk through a flow in the terminal, without a store: actions are shown, not executed",
		Long: `Run plays the flow from its first node: you answer its questions and choices, type an
exit word (stop, annuler, quitter…) to leave. Actions are printed and succeed, except on the
nodes given with --fail, which take their error edge: use it to walk every path.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadFlow(args[0], false)
			if err != nil {
				return err
			}
			if err := checkFailNodes(p.Flow, fail); err != nil {
				return err
			}
			if country == "" && lang == "fr" {
				country = "FR"
			}
			return walkFlow(cmd.Context(), p, cmd.InOrStdin(), cmd.OutOrStdout(), fail, lang, name, country)
		},
	}
	cmd.Flags().StringSliceVar(&fail, "fail", nil, "node ids whose action fails (to walk error edges)")
	cmd.Flags().StringVar(&lang, "language", "fr", "language of the default texts (fr, en)")
	cmd.Flags().StringVar(&name, "contact", "Camille", "the visitor's name ({{contact.name}})")
	cmd.Flags().StringVar(&country, "country", "", "country of phone numbers written without + (default FR for --language fr)")
	return cmd
}

// walkFlow plays p in the terminal with a simulation.
func walkFlow(ctx context.Context, p *dsl.Program, in io.Reader, out io.Writer, fail []string, lang, name, country string) error {
	sim := &dsl.Simulation{Lang: lang, Country: country, Fail: map[string]bool{},
		Contact: map[string]any{"name": name, "email": "", "phone": "", "tags": []any{}},
		OnSay: func(_ *dsl.Node, text string) {
			fmt.Fprintf(out, "bot: %s\n", strings.ReplaceAll(text, "\n", "\n     "))
		},
		OnAct: func(n *dsl.Node, action string, args map[string]any) {
			b, _ := json.Marshal(args)
			b = redact.JSON(b) // a flow's headers carry tokens
			result := "done"
			if n != nil && slices.Contains(fail, n.ID) {
				result = "fails (--fail)"
			}
			fmt.Fprintf(out, "  [%s] %s %s → %s\n", n.ID, action, b, result)
		}}
	for _, id := range fail {
		sim.Fail[id] = true
	}
	fmt.Fprintf(out, "Flow %q (%s). Type your answers; an exit word (stop, annuler…) leaves.\n", p.Flow.Name, p.Flow.ID)
	st := p.NewState("walk")
	if err := p.Start(ctx, sim, st); err != nil {
		return err
	}
	sc := bufio.NewScanner(in)
	for st.Waiting() {
		fmt.Fprint(out, "> ")
		if !sc.Scan() {
			fmt.Fprintf(out, "\n(end of input: the run stays at node %s)\n", st.Node)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		if p.IsExit(line) {
			fmt.Fprintln(out, "(you left the flow)")
			st.Status = store.FlowRunExited
			break
		}
		sim.Input = line
		if err := p.Resume(ctx, sim, st, line); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "(flow %s", st.Status)
	if st.Reason != "" {
		fmt.Fprintf(out, ": %s", st.Reason)
	}
	fmt.Fprintf(out, ")\npath: %s\n", strings.Join(st.Trail, " → "))
	if len(st.Vars) > 0 {
		keys := make([]string, 0, len(st.Vars))
		for k := range st.Vars {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b, _ := json.Marshal(st.Vars[k])
			fmt.Fprintf(out, "  %s = %s\n", k, b)
		}
	}
	return nil
}

func newFlowApply(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply FILE... [-w SLUG]",
		Short: "Validate flow files and create or update them in a workspace (matched by their id)",
		Long: `Apply checks each file, then what its nodes name in the workspace (tags, teams, users,
stages, closing notes, contact fields), and stores the flows in one transaction: all of
them, or none when anything is wrong.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			var flows []*dsl.Flow
			var all source.Problems
			for _, path := range files {
				f, err := dsl.Load(path, dsl.Options{Production: production()})
				var ps source.Problems
				switch {
				case errors.As(err, &ps):
					all = append(all, ps...)
				case err != nil:
					return err
				default:
					flows = append(flows, f)
				}
			}
			if len(all) > 0 {
				return fmt.Errorf("nothing was applied: %w", all)
			}
			s, ws, err := cfg.openWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			for _, f := range flows {
				ps, err := dsl.CheckWorkspace(cmd.Context(), s, ws.ID, f)
				if err != nil {
					return err
				}
				all = append(all, ps...)
			}
			if len(all) > 0 {
				return fmt.Errorf("nothing was applied: %w", all)
			}
			out := cmd.OutOrStdout()
			return s.InTx(cmd.Context(), func(q store.Queries) error {
				for _, f := range flows {
					sf, op, err := dsl.Apply(cmd.Context(), q, ws.ID, f)
					if err != nil {
						return err
					}
					state := "enabled"
					if !sf.Enabled {
						state = "disabled"
					}
					fmt.Fprintf(out, "%s flow %q (%s, %s, priority %d) in workspace %q\n", op, f.ID, f.Name, state, sf.Priority, ws.Slug)
				}
				return nil
			})
		},
	}
	return cmd
}

func newFlowList(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [-w SLUG]",
		Short: "List a workspace's flows, in the order their triggers are tried",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, ws, err := cfg.readWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			flows, err := s.ListFlows(cmd.Context(), ws.ID, store.FlowFilter{})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(flows) == 0 {
				fmt.Fprintf(out, "workspace %q has no flow; add one with `causerie flow apply FILE`\n", ws.Slug)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tENABLED\tPRIORITY\tVERSION\tACTIVE RUNS")
			for _, f := range flows {
				runs, err := s.ListFlowRuns(cmd.Context(), ws.ID, store.FlowRunFilter{FlowID: f.ID, Status: store.FlowRunActive})
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%s\t%t\t%d\t%d\t%d\n", f.Key, f.Name, f.Enabled, f.Priority, f.Version, len(runs))
			}
			return tw.Flush()
		},
	}
	return cmd
}

func newFlowEnable(cfg *config, enable bool) *cobra.Command {
	use, short := "enable ID", "Turn a flow on: its triggers start runs again"
	if !enable {
		use, short = "disable ID", "Turn a flow off: its triggers no longer start runs (runs in progress finish)"
	}
	cmd := &cobra.Command{
		Use:   use + " [-w SLUG]",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, ws, err := cfg.openWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			if _, err := dsl.SetEnabled(cmd.Context(), s, ws.ID, args[0], enable); err != nil {
				return flowNotFound(cmd, s, ws, args[0], err)
			}
			state := "enabled"
			if !enable {
				state = "disabled"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "flow %q %s\n", args[0], state)
			return nil
		},
	}
	return cmd
}

func newFlowRm(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rm ID [-w SLUG]",
		Short: "Delete a flow and its runs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, ws, err := cfg.openWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			f, err := s.GetFlowByKey(cmd.Context(), ws.ID, args[0])
			if err != nil {
				return flowNotFound(cmd, s, ws, args[0], err)
			}
			if err := s.DeleteFlow(cmd.Context(), ws.ID, f.ID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "flow %q deleted\n", args[0])
			return nil
		},
	}
	return cmd
}

// flowNotFound explains a missing flow with the workspace's flow ids.
func flowNotFound(cmd *cobra.Command, s store.Store, ws *store.Workspace, key string, err error) error {
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	flows, _ := s.ListFlows(cmd.Context(), ws.ID, store.FlowFilter{})
	var keys []string
	for _, f := range flows {
		keys = append(keys, f.Key)
	}
	if len(keys) == 0 {
		return fmt.Errorf("workspace %q has no flow %q (it has none)", ws.Slug, key)
	}
	return fmt.Errorf("workspace %q has no flow %q; its flows: %s", ws.Slug, key, strings.Join(keys, ", "))
}

// checkFailNodes refuses --fail ids that name no action node of the flow:
// the walk would silently take no error edge.
func checkFailNodes(f *dsl.Flow, fail []string) error {
	var actions, all []string
	for _, n := range f.Nodes {
		all = append(all, n.ID)
		if n.Type == dsl.KindAction {
			actions = append(actions, n.ID)
		}
	}
	var bad []string
	for _, id := range fail {
		switch {
		case slices.Contains(actions, id):
		case slices.Contains(all, id):
			bad = append(bad, fmt.Sprintf("--fail %s: node %q is not an action node, so it cannot fail; action nodes: %s",
				id, id, strings.Join(actions, ", ")))
		default:
			msg := fmt.Sprintf("--fail %s: flow %q has no node %q", id, f.ID, id)
			if c := suggest.Close(id, actions); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
			}
			bad = append(bad, msg+"; action nodes: "+strings.Join(actions, ", "))
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "\n"))
	}
	return nil
}

// workspaceLanguage is the language of the workspace --workspace picks,
// when a store already exists (nothing is created to find out), else fr.
func (c *config) workspaceLanguage(ctx context.Context) string {
	if c.databaseURL == "" {
		if _, err := os.Stat(c.sqlitePath()); err != nil {
			return "fr"
		}
	}
	s, ws, err := c.readWorkspace(ctx)
	if err != nil {
		return "fr"
	}
	defer s.Close()
	return cmp.Or(ws.Language, "fr")
}

func newFlowRuns(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List or cancel flow runs (a flow walking a conversation)",
	}
	var status string
	var all bool
	list := &cobra.Command{
		Use:   "list [-w SLUG] [--status active|completed|exited|failed|expired|cancelled] [--all]",
		Short: "List flow runs, the active ones by default: flow, conversation, status, the node it waits at, last activity",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := store.FlowRunFilter{Status: store.FlowRunStatus(status)}
			if all {
				f.Status = ""
			} else if !slices.Contains(runStatuses, f.Status) {
				return fmt.Errorf("--status %q: use one of %s (or --all)", status, joinStatuses())
			}
			s, ws, err := cfg.readWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			runs, err := s.ListFlowRuns(cmd.Context(), ws.ID, f)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(runs) == 0 {
				fmt.Fprintf(out, "workspace %q has no %s flow run\n", ws.Slug, cmp.Or(string(f.Status), "recorded"))
				return nil
			}
			keys := map[string]string{}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tFLOW\tCONVERSATION\tSTATUS\tNODE\tLAST ACTIVITY")
			for _, r := range runs {
				if _, ok := keys[r.FlowID]; !ok {
					keys[r.FlowID] = r.FlowID
					if fl, err := s.GetFlow(cmd.Context(), ws.ID, r.FlowID); err == nil {
						keys[r.FlowID] = fl.Key
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, keys[r.FlowID], r.ConversationID, r.Status, r.NodeID,
					r.UpdatedAt.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&status, "status", string(store.FlowRunActive), "runs with this status")
	list.Flags().BoolVar(&all, "all", false, "runs of every status")
	cancel := &cobra.Command{
		Use:   "cancel RUN... [-w SLUG]",
		Short: "Cancel active flow runs: the conversation's next message goes to triggers, rules and its assignee",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			ctx := cmd.Context()
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			for _, id := range ids {
				err := s.InTx(ctx, func(q store.Queries) error {
					r, err := q.GetFlowRun(ctx, ws.ID, id)
					if errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("workspace %q has no flow run %q; see causerie flow runs list", ws.Slug, id)
					}
					if err != nil {
						return err
					}
					if r.Status != store.FlowRunActive {
						return fmt.Errorf("flow run %s is %s already; only active runs can be cancelled", id, r.Status)
					}
					r.Status = store.FlowRunCanceled
					if err := q.UpdateFlowRun(ctx, r); err != nil {
						return err
					}
					payload, _ := json.Marshal(map[string]string{"run": r.ID, "node": r.NodeID})
					return q.AppendEvent(ctx, &store.Event{WorkspaceID: ws.ID, ConversationID: r.ConversationID,
						Type: "flow.cancelled", Actor: "cli", Payload: payload})
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "flow run %s cancelled\n", id)
			}
			return nil
		},
	}
	cmd.AddCommand(list, cancel)
	return cmd
}

// runStatuses are the statuses flow runs list filters on.
var runStatuses = []store.FlowRunStatus{store.FlowRunActive, store.FlowRunCompleted, store.FlowRunExited,
	store.FlowRunFailed, store.FlowRunExpired, store.FlowRunCanceled}

func joinStatuses() string {
	out := make([]string, len(runStatuses))
	for i, s := range runStatuses {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}
