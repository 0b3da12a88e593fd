package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/store"
)

func newKey(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Create, list and revoke a workspace's API keys (admin keys, and agent keys bound to one user)",
	}
	var role, email, name string
	create := &cobra.Command{
		Use:   "create --role admin|agent [--user EMAIL] [--name NAME] [-w SLUG]",
		Short: "Create an API key; its secret is printed once, and only its hash is stored",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			r := store.KeyRole(role)
			if !slices.Contains(store.KeyRoles, r) {
				return fmt.Errorf("--role %q: use admin (everything in the workspace) or agent (one user's inbox, with --user)", role)
			}
			if r == store.KeyAdmin && email != "" {
				return errors.New("--user is for agent keys: an admin key acts for the whole workspace")
			}
			if r == store.KeyAgent && email == "" {
				return errors.New("an agent key acts as one user: give --user EMAIL, a user of the workspace")
			}
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			k := &store.APIKey{WorkspaceID: ws.ID, Role: r, Name: name}
			if r == store.KeyAgent {
				users, err := s.ListUsers(ctx, ws.ID)
				if err != nil {
					return err
				}
				var emails []string
				for _, u := range users {
					emails = append(emails, u.Email)
					if strings.EqualFold(u.Email, email) {
						k.UserID = u.ID
					}
				}
				if k.UserID == "" {
					return fmt.Errorf("--user %q is not a user of workspace %q; its users: %s", email, ws.Slug, strings.Join(emails, ", "))
				}
			}
			secret, hash := store.NewAPIKeySecret()
			k.Hash, k.Prefix = hash, secret[:len(store.APIKeyPrefix)+8]
			if err := s.CreateAPIKey(ctx, k); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "created %s key %s for workspace %q\n", r, k.ID, ws.Slug)
			fmt.Fprintf(out, "secret (shown once, only its hash is stored): %s\n", secret)
			fmt.Fprintln(out, "send it as: Authorization: Bearer <secret>")
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", "", "admin or agent")
	create.Flags().StringVar(&email, "user", "", "the user (by email) an agent key acts as")
	create.Flags().StringVar(&name, "name", "", "what the key is for, e.g. website or CI")
	_ = create.MarkFlagRequired("role")
	list := &cobra.Command{
		Use:   "list [-w SLUG]",
		Short: "List a workspace's API keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, ws, err := cfg.readWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			keys, err := s.ListAPIKeys(ctx, ws.ID)
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "workspace %q has no API key; create one with `causerie key create --role admin`\n", ws.Slug)
				return nil
			}
			users, err := s.ListUsers(ctx, ws.ID)
			if err != nil {
				return err
			}
			email := map[string]string{}
			for _, u := range users {
				email[u.ID] = u.Email
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tROLE\tUSER\tNAME\tSECRET STARTS\tCREATED\tSTATUS")
			for _, k := range keys {
				status := "active"
				if k.RevokedAt != nil {
					status = "revoked " + k.RevokedAt.Format(time.RFC3339)
				}
				user := email[k.UserID]
				if k.UserID != "" && user == "" {
					user = "(deleted user)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s…\t%s\t%s\n", k.ID, k.Role, user, k.Name, k.Prefix, k.CreatedAt.Format(time.RFC3339), status)
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID... [-w SLUG]",
		Short: "Revoke API keys: requests with them are refused from then on",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, ids []string) error {
			ctx := cmd.Context()
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			for _, id := range ids {
				if err := s.RevokeAPIKey(ctx, ws.ID, id); errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("workspace %q has no active API key %q; see causerie key list", ws.Slug, id)
				} else if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked API key %s\n", id)
			}
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
