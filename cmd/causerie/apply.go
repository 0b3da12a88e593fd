package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/workspace"
)

func newApply(cfg *config) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "apply -f workspace.yaml",
		Short: "Create or update a whole workspace from a YAML file, all or nothing",
		Long: `Apply makes the workspace named in the file (workspace.slug) match the file: it creates
what is new, updates what changed and deletes what the file no longer lists, in one
transaction. Every problem in the file is reported at once, with file:line:column.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := workspace.Load(file)
			if err != nil {
				return err
			}
			s, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := workspace.Apply(cmd.Context(), s, f)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, c := range res.Changes {
				fmt.Fprintln(out, c)
			}
			if len(res.Changes) == 0 {
				fmt.Fprintf(out, "workspace %q is up to date (%s store)\n", res.Workspace.Slug, s.Dialect())
			} else {
				fmt.Fprintf(out, "workspace %q applied: %d changes (%s store)\n", res.Workspace.Slug, len(res.Changes), s.Dialect())
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "workspace file (YAML)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}
