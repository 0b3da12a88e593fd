// Package sqlstore implements store.Store once, over a small [Driver]
// interface that store/sqlite and store/postgres provide. The Go logic
// (scanning, JSON columns, transactions, error mapping) lives here; each
// driver brings its connections, its migrations and the queries its
// dialect writes differently (queries.sql in its own folder overrides the
// shared one by name).
package sqlstore
