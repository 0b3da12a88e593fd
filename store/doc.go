// Package store owns persistence: the workspace model (workspaces, users,
// teams, AI agents, contact fields, lifecycle stages, labels, knowledge
// bases, contacts, conversations, messages, events, tasks) and the one
// interface, [Store], through which every other package reads and writes it.
//
// Two implementations satisfy [Store]:
//
//   - store/sqlite: the embedded default, one file in a data directory,
//     built on modernc.org/sqlite (pure Go, no cgo);
//   - store/postgres: PostgreSQL with pgvector, built on pgx.
//
// Both share their Go logic (store/internal/sqlstore) and differ only in
// their SQL dialect, migrations and locking. store/storetest holds the
// conformance suite that runs the same behavioural tests against each.
//
// Every entity is scoped by workspace: every read and write takes the
// workspace ID, and nothing of workspace A is visible through workspace B.
// Errors callers branch on are [ErrNotFound], [ErrConflict] and
// [ErrDuplicate], matched with errors.Is.
package store
