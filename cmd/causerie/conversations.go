package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/store"
)

func newConversations(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conversations",
		Short: "List a workspace's conversations (ids for chat --conversation and eval capture)",
	}
	var status string
	var last int
	list := &cobra.Command{
		Use:   "list [--status open|closed] [--last N]",
		Short: "List conversations, newest last: id, contact, status, assignee, channel, messages, last update",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if status != "" && status != string(store.StatusOpen) && status != string(store.StatusClosed) {
				return fmt.Errorf("--status %q: use open or closed", status)
			}
			if last < 1 {
				return fmt.Errorf("--last %d: want 1 or more", last)
			}
			ctx := cmd.Context()
			s, ws, err := cfg.readWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			convs, err := s.ListConversations(ctx, ws.ID, store.ConversationFilter{Status: store.ConversationStatus(status)})
			if err != nil {
				return err
			}
			if len(convs) > last {
				convs = convs[len(convs)-last:]
			}
			names, err := assigneeNames(ctx, s, ws.ID)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(convs) == 0 {
				fmt.Fprintf(out, "workspace %q has no conversation yet: start one with `causerie chat`\n", ws.Slug)
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCONTACT\tSTATUS\tASSIGNEE\tCHANNEL\tMESSAGES\tUPDATED")
			for _, c := range convs {
				contact := c.ContactID
				if ct, err := s.GetContact(ctx, ws.ID, c.ContactID); err == nil {
					contact = strings.TrimSpace(ct.Name + " " + bracket(ct.Email))
				}
				msgs, err := s.ListMessages(ctx, ws.ID, c.ID, store.MessageFilter{})
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", c.ID, contact, c.Status, names.of(c.Assignee), c.Channel, len(msgs),
					c.UpdatedAt.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&status, "status", "", "only open or closed conversations")
	list.Flags().IntVar(&last, "last", 20, "how many of the newest conversations")
	cmd.AddCommand(list)
	return cmd
}

func bracket(s string) string {
	if s == "" {
		return ""
	}
	return "<" + s + ">"
}

// names maps users, teams and AI agents to their names, for display.
type names map[string]string

func assigneeNames(ctx context.Context, s store.Store, ws string) (names, error) {
	n := names{}
	users, err := s.ListUsers(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		n[u.ID] = u.Name
	}
	teams, err := s.ListTeams(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		n[t.ID] = "@" + t.Name
	}
	agents, err := s.ListAIAgents(ctx, ws)
	if err != nil {
		return nil, err
	}
	for _, a := range agents {
		n[a.ID] = a.Name + " (AI)"
	}
	return n, nil
}

func (n names) of(a store.Assignee) string {
	if a.IsZero() {
		return "nobody"
	}
	if name, ok := n[a.ID]; ok {
		return name
	}
	return string(a.Type) + " " + a.ID + " (deleted)"
}
