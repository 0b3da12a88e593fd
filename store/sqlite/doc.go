// Package sqlite is the embedded store: one SQLite file in a data
// directory (default ./data/causerie.db), on modernc.org/sqlite (pure Go).
//
// It runs in WAL mode with a busy timeout, one writer connection whose
// transactions begin IMMEDIATE (so they never deadlock upgrading a read
// lock) and a pool of read-only connections for reads outside
// transactions. Writers are serialised by SQLite itself, which is what
// makes row-level guarantees (no lost contact update, message sequence
// numbers) hold here without explicit row locks.
package sqlite
