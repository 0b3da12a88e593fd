// Package postgres is the production store: PostgreSQL with the pgvector
// extension, on a pgx connection pool (DATABASE_URL).
//
// Migrations run under a PostgreSQL advisory lock, so replicas starting
// together apply them once. pgvector's types are registered on every
// connection. Cross-request invariants are enforced with row locks
// (SELECT … FOR UPDATE) in the queries this package overrides.
package postgres
