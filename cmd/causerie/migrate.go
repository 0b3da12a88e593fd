package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
)

func newMigrate(cfg *config) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (every command also does this on start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var applied []string
			var err error
			target := cfg.sqlitePath()
			if cfg.databaseURL != "" {
				target = "PostgreSQL"
				applied, err = postgres.Migrate(cmd.Context(), cfg.databaseURL)
			} else {
				applied, err = sqlite.Migrate(cmd.Context(), target)
			}
			if err != nil {
				return fmt.Errorf("migrate %s: %w", target, err)
			}
			if len(applied) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "%s is up to date\n", target)
			}
			for _, m := range applied {
				fmt.Fprintf(cmd.OutOrStdout(), "applied %s\n", m)
			}
			return nil
		},
	}
}
