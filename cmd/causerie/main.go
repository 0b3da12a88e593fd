// Command causerie is the one binary of Causerie: it applies workspace
// files, migrates the store and (as later commands arrive) serves the API,
// chats, ingests knowledge and runs evaluation suites.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/postgres"
	"github.com/causerie/causerie/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx); err != nil {
		printError(os.Stderr, err)
		os.Exit(1)
	}
}

// printError prints a command's error, redacted: it may quote a token or
// a database URL's password.
func printError(w io.Writer, err error) { fmt.Fprintln(w, "causerie:", redact.String(err.Error())) }

// config is what every command shares: where the store is, and which
// workspace the commands that work on one use.
type config struct {
	dataDir     string
	databaseURL string
	workspace   string
	quiet       bool
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	cfg := &config{}
	root := &cobra.Command{
		Use:   "causerie",
		Short: "Causerie: an LLM agent runtime for customer conversations",
		Long: `Causerie runs AI agents that converse with your contacts and take platform actions
(close, assign, update contact fields, call APIs…) driven by prose instructions.

The store is SQLite in --data-dir by default; set --database-url or DATABASE_URL
to use PostgreSQL (with pgvector).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&cfg.dataDir, "data-dir", envOr("CAUSERIE_DATA_DIR", "data"),
		"directory of the embedded SQLite store (env CAUSERIE_DATA_DIR)")
	root.PersistentFlags().StringVar(&cfg.databaseURL, "database-url", os.Getenv("DATABASE_URL"),
		"PostgreSQL URL; when set, used instead of SQLite (env DATABASE_URL)")
	root.PersistentFlags().StringVarP(&cfg.workspace, "workspace", "w", os.Getenv("CAUSERIE_WORKSPACE"),
		"slug of the workspace to work on (default: the only one; env CAUSERIE_WORKSPACE)")
	root.PersistentFlags().BoolVarP(&cfg.quiet, "quiet", "q", false, "no progress bars or notes on stderr")
	root.AddCommand(newMigrate(cfg), newApply(cfg), newExport(cfg), newChat(cfg), newKB(cfg), newFlow(cfg), newEval(cfg), newConversations(cfg), newKey(cfg), newServe(cfg), newLint(cfg))
	refuseUnknownSubcommands(root)
	return root
}

// refuseUnknownSubcommands makes every command that only groups others
// (kb, flow…) fail on an unknown subcommand, with "did you mean", and a
// non-zero exit — cobra does so for the root only.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		refuseUnknownSubcommands(c)
	}
	if !cmd.HasSubCommands() || cmd.Run != nil || cmd.RunE != nil || cmd == cmd.Root() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
		}
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		return fmt.Errorf("%s\n\nits commands: %s", msg, strings.Join(names, ", "))
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// open opens the configured store, applying pending migrations.
func (c *config) open(ctx context.Context) (store.Store, error) {
	if c.databaseURL != "" {
		return postgres.Open(ctx, c.databaseURL)
	}
	s, err := sqlite.Open(ctx, c.sqlitePath())
	if err != nil && cannotWrite(err) {
		return nil, fmt.Errorf("the store in %s cannot be written (read-only media or permissions): this command changes it and needs write access; "+
			"commands that only read (export, flow list, kb list, kb search, conversations list) still work: %w", c.dataDir, err)
	}
	return s, err
}

// openWorkspace opens the store and picks the workspace of --workspace
// (the only one when it is empty); the caller closes the store.
func (c *config) openWorkspace(ctx context.Context) (store.Store, *store.Workspace, error) {
	return c.pickIn(ctx, c.open)
}

// readWorkspace is openWorkspace for commands that only read: a SQLite
// store that cannot be written (read-only media or permissions) is opened
// read-only.
func (c *config) readWorkspace(ctx context.Context) (store.Store, *store.Workspace, error) {
	return c.pickIn(ctx, c.openRead)
}

// openRead opens the store, read-only when it cannot be written.
func (c *config) openRead(ctx context.Context) (store.Store, error) {
	s, err := c.open(ctx)
	if err == nil || c.databaseURL != "" || !cannotWrite(err) {
		return s, err
	}
	if _, statErr := os.Stat(c.sqlitePath()); statErr != nil {
		return nil, err
	}
	ro, rerr := sqlite.OpenReadOnly(ctx, c.sqlitePath())
	if rerr != nil {
		return nil, fmt.Errorf("%w (and read-only: %v)", err, rerr)
	}
	return ro, nil
}

// cannotWrite reports whether opening failed because the store's files
// or directory cannot be written.
func cannotWrite(err error) bool {
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return true
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") ||
		strings.Contains(msg, "permission denied") || strings.Contains(msg, "unable to open database file")
}

func (c *config) pickIn(ctx context.Context, open func(context.Context) (store.Store, error)) (store.Store, *store.Workspace, error) {
	s, err := open(ctx)
	if err != nil {
		return nil, nil, err
	}
	ws, err := pickWorkspace(ctx, s, c.workspace)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, ws, nil
}

func (c *config) sqlitePath() string { return filepath.Join(c.dataDir, "causerie.db") }
