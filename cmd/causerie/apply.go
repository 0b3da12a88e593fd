package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/lint"
	"github.com/causerie/causerie/workspace"
)

func newApply(cfg *config) *cobra.Command {
	var file string
	var opts workspace.ApplyOptions
	var strict bool
	cmd := &cobra.Command{
		Use:   "apply -f workspace.yaml",
		Short: "Create or update a whole workspace from a YAML file, all or nothing",
		Long: `Apply makes the workspace named in the file (workspace.slug) match the file: it creates
what is new, updates what changed and deletes what the file no longer lists, in one
transaction. Every problem in the file is reported at once, with file:line:column.

Deleting what an enabled flow, an AI agent's instructions or an open conversation still
uses is refused with the list of what uses it; --force deletes it anyway and reports what
it left dangling. --dry-run prints the changes without applying them.

The findings of 'causerie lint' on the file are printed after the changes; they do not
block the apply unless --strict (then any error or warning refuses the file).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := workspace.Load(file)
			if err != nil {
				return err
			}
			findings := lint.Workspace(f)
			if strict && findings.Fails(true) {
				if err := printFindings(cmd.OutOrStdout(), findings, "text"); err != nil {
					return err
				}
				return fmt.Errorf("nothing applied: --strict refuses lint errors and warnings (%s)", findings.Summary())
			}
			s, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := workspace.Apply(cmd.Context(), s, f, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, c := range res.Changes {
				if res.DryRun {
					fmt.Fprint(out, "would be ")
				}
				fmt.Fprintln(out, c)
			}
			for _, w := range res.Warnings {
				fmt.Fprintf(out, "warning: %s\n", w)
			}
			for _, d := range res.Dangling {
				fmt.Fprintf(out, "warning: %s\n", d)
			}
			if len(findings) > 0 {
				if err := printFindings(out, findings, "text"); err != nil {
					return err
				}
			}
			if res.Refused != nil {
				fmt.Fprintf(out, "this apply would be refused: %v\n", res.Refused)
			}
			switch {
			case res.DryRun:
				fmt.Fprintf(out, "dry run: %d changes to workspace %q, none applied\n", len(res.Changes), res.Workspace.Slug)
			case len(res.Changes) == 0:
				fmt.Fprintf(out, "workspace %q is up to date (%s store)\n", res.Workspace.Slug, s.Dialect())
			default:
				fmt.Fprintf(out, "workspace %q applied: %d changes (%s store)\n", res.Workspace.Slug, len(res.Changes), s.Dialect())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "workspace file (YAML)")
	_ = cmd.MarkFlagRequired("file")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the changes without applying them")
	cmd.Flags().BoolVar(&strict, "strict", false, "refuse the file when causerie lint finds an error or a warning in it")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "delete what the file no longer lists even if something still uses it")
	return cmd
}
