package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
)

// generateFinish completes generated drafts (replaced in tests).
var generateFinish = generate.Finish

func newFlowGenerate(cfg *config) *cobra.Command {
	var lang, output, edit string
	var apply, offline bool
	var maxRepairs int
	cmd := &cobra.Command{
		Use:   `generate "DESCRIPTION" [-w SLUG] [--lang fr|en] [-o FILE] [--apply] [--offline] [--max-repairs N] [--edit FLOW]`,
		Short: "Write a flow from a plain-language description (or change one with --edit), checked against the workspace",
		Long: `Generate writes a flow file that flow validate and flow apply accept (JSON, to stdout or -o).
With a model endpoint (OPENAI_API_KEY / OPENAI_BASE_URL), the model drafts it, bound by the flow
format's JSON Schema; every problem the validator or the workspace finds goes back to it, with
its node id and field path, for at most --max-repairs rounds. A draft still wrong after them is
kept in a file, whose path is printed. With --offline, or without an endpoint, a step list or a
Mermaid flowchart is turned into a flow without a model.

--edit FLOW (a flow id of the workspace, or a file) changes that flow as the description says,
and prints what changed (nodes and edges added, removed, changed) on stderr.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if lang != "" && lang != "fr" && lang != "en" {
				return fmt.Errorf("--lang %q: use fr or en", lang)
			}
			ctx := cmd.Context()
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			if lang == "" {
				lang = "fr"
				if strings.HasPrefix(ws.Language, "en") {
					lang = "en"
				}
			}
			var model agent.Model
			if !offline {
				mcfg, err := agent.OpenAIConfigFromEnv()
				switch {
				case errors.Is(err, agent.ErrNoEndpoint):
					fmt.Fprintln(cmd.ErrOrStderr(), "no model endpoint configured: generating offline (a step list or a Mermaid flowchart)")
				case err != nil:
					return err
				default:
					model = agent.NewOpenAI(mcfg)
				}
			}
			var old *dsl.Flow
			if edit != "" {
				if old, err = flowToEdit(ctx, s, ws, edit); err != nil {
					return err
				}
			}
			var f *dsl.Flow
			if model == nil {
				if old != nil {
					return errors.New("--edit needs a model endpoint (set OPENAI_API_KEY or OPENAI_BASE_URL)")
				}
				if f, err = generate.Offline("", args[0], lang); err != nil {
					return err
				}
				if ps, err := checkGenerated(ctx, s, ws, f); err != nil {
					return err
				} else if len(ps) > 0 {
					return fmt.Errorf("the generated flow has problems: %w", ps)
				}
			} else {
				g := &generate.Generator{Model: conversation.FlowGenerator(model), Store: s, WorkspaceID: ws.ID,
					MaxRepairs: maxRepairs, Finish: generateFinish, Production: production()}
				if maxRepairs == 0 {
					g.MaxRepairs = -1
				}
				res, err := g.Generate(ctx, generate.Input{Description: args[0], Lang: lang, Edit: old})
				if err != nil {
					return err
				}
				f = res.Flow
				fmt.Fprintf(cmd.ErrOrStderr(), "flow %q generated (response format %s, %d repair round(s))\n", f.ID, res.Format, res.Repairs())
				if res.Diff != nil {
					fmt.Fprint(cmd.ErrOrStderr(), res.Diff.String())
				}
			}
			data := append(f.JSON(), '\n')
			if output != "" {
				if err := os.WriteFile(output, data, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", output)
			} else {
				cmd.OutOrStdout().Write(data)
			}
			if !apply {
				return nil
			}
			return s.InTx(ctx, func(q store.Queries) error {
				_, op, err := dsl.Apply(ctx, q, ws.ID, f)
				if err == nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s flow %q (%s) in workspace %q\n", op, f.ID, f.Name, ws.Slug)
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&lang, "lang", "", "language of the flow's texts: fr or en (default: the workspace's)")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the flow to FILE (default stdout)")
	cmd.Flags().BoolVar(&apply, "apply", false, "apply the flow to the workspace, as flow apply does")
	cmd.Flags().BoolVar(&offline, "offline", false, "generate without a model, from a step list or a Mermaid flowchart")
	cmd.Flags().IntVar(&maxRepairs, "max-repairs", generate.DefaultMaxRepairs, "repair rounds after the model's first answer")
	cmd.Flags().StringVar(&edit, "edit", "", "change this flow (an id of the workspace, or a file) instead of writing a new one")
	return cmd
}

// flowToEdit reads --edit: a flow file when one exists at that path, else
// a flow id of the workspace.
func flowToEdit(ctx context.Context, s store.Store, ws *store.Workspace, ref string) (*dsl.Flow, error) {
	if _, err := os.Stat(ref); err == nil {
		return dsl.Load(ref, dsl.Options{})
	}
	sf, err := s.GetFlowByKey(ctx, ws.ID, ref)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("--edit %q: no such file, and workspace %q has no flow %q", ref, ws.Slug, ref)
		}
		return nil, err
	}
	return dsl.Check(ref, sf.Document, dsl.Options{})
}

// checkGenerated validates an offline flow and checks it against the
// workspace.
func checkGenerated(ctx context.Context, s store.Store, ws *store.Workspace, f *dsl.Flow) (source.Problems, error) {
	checked, err := dsl.Check("generated.json", f.JSON(), dsl.Options{Production: production()})
	var ps source.Problems
	if errors.As(err, &ps) {
		return ps, nil
	}
	if err != nil {
		return nil, err
	}
	return dsl.CheckWorkspace(ctx, s, ws.ID, checked)
}
