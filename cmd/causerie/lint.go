package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/workspace"
)

func newLint(cfg *config) *cobra.Command {
	var file, format string
	var strict bool
	cmd := &cobra.Command{
		Use:   "lint [-f WORKSPACE_FILE | -w SLUG] [--format text|json] [--strict] [FLOW_FILE...]",
		Short: "Check AI agents' instructions and replies against the workspace, without a model",
		Long: `Lint reads every AI agent's instructions and every response rule's reply, French or
English, and reports what seed 002 says goes wrong: names that match no team, user, AI
agent, contact field, lifecycle stage, closing note or tag exactly; actions asked for but
not enabled (and, as info, enabled ones no instruction mentions); actions scheduled for
later; contradictory or overloaded scenarios; round robin across teams or to one user; a
reply after a hand-off; vague conditions; a summary both forbidden and asked for.

Each finding gives file:line:column inside the instructions, its kind, the words, why, and
a fix with the nearest valid names. With -f it lints a workspace file; otherwise the stored
workspace (-w), positioned in what 'causerie export' writes for it, and its stored flows.
The @mentions of flow files given as arguments are checked against the workspace too.

The exit status is 1 when there is an error (or, with --strict, a warning).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("--format %q: valid formats are text and json", format)
			}
			f, flows, err := lintTarget(cmd.Context(), cfg, file)
			if err != nil {
				return err
			}
			for _, path := range args {
				fl, err := dsl.Load(path, dsl.Options{})
				if err != nil {
					return err
				}
				flows = append(flows, fl)
			}
			findings := append(lint.Workspace(f), lint.Flows(f, flows...)...)
			if err := printFindings(cmd.OutOrStdout(), findings, format); err != nil {
				return err
			}
			if findings.Fails(strict) {
				return fmt.Errorf("lint: %s", findings.Summary())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "workspace file (YAML) to lint; default: the stored workspace (-w)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on warnings too")
	return cmd
}

// lintTarget reads the workspace file, or exports the stored workspace
// and reads that, so that findings have positions (those of what
// `causerie export` writes), with its stored flows.
func lintTarget(ctx context.Context, cfg *config, file string) (*workspace.File, []*dsl.Flow, error) {
	if file != "" {
		f, err := workspace.Load(file)
		return f, nil, err
	}
	s, ws, err := cfg.readWorkspace(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	f, err := workspace.ExportPositioned(ctx, s, ws.Slug)
	if err != nil {
		return nil, nil, err
	}
	stored, err := s.ListFlows(ctx, ws.ID, store.FlowFilter{})
	if err != nil {
		return nil, nil, err
	}
	var flows []*dsl.Flow
	for _, sf := range stored {
		fl, err := dsl.Parse(fmt.Sprintf("flow %s (stored)", sf.Key), sf.Document)
		if err != nil {
			continue // a stored flow that no longer parses is flow validate's to report
		}
		flows = append(flows, fl)
	}
	return f, flows, nil
}

// printFindings writes findings as text (one a line, then a summary) or
// as a JSON array.
func printFindings(w io.Writer, findings lint.Findings, format string) error {
	if format == "json" {
		if findings == nil {
			findings = lint.Findings{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(findings)
	}
	for _, f := range findings {
		fmt.Fprintln(w, f)
	}
	fmt.Fprintf(w, "lint: %s\n", findings.Summary())
	return nil
}
