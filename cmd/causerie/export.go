package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/workspace"
)

func newExport(cfg *config) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [--workspace SLUG] [-o FILE]",
		Short: "Write a workspace back as a YAML file (applying it changes nothing)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, ws, err := cfg.readWorkspace(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			f, err := workspace.Export(cmd.Context(), s, ws.Slug)
			if err != nil {
				return err
			}
			data, err := workspace.Marshal(f)
			if err != nil {
				return err
			}
			if output == "" || output == "-" {
				_, err = cmd.OutOrStdout().Write(data)
				return err
			}
			return os.WriteFile(output, data, 0o644)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	return cmd
}
