package sqlite

import (
	"context"
	"database/sql"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// NearestCodes runs the first pass over codes, whose rowids are their
// indexes plus one.
func NearestCodes(q []uint64, codes [][]uint64, n int) []int64 {
	s := &codeSnapshot{words: len(q)}
	for i, c := range codes {
		s.rowids = append(s.rowids, int64(i+1))
		s.codes = append(s.codes, c...)
	}
	return nearestCodes(q, []*codeSnapshot{s}, n)
}

// SignCode is the binary quantisation of v.
func SignCode(v []float32) []uint64 { return signCode(v) }

// MigrateDownTo rolls the store at path back to version.
func MigrateDownTo(ctx context.Context, path string, version int64) error {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return err
	}
	defer db.Close()
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub, goose.WithGoMigrations(goMigrations()...))
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// ReadShadowTables sets whether migration 10 reads vec0's shadow tables
// (the default) or the vec0 tables themselves.
func ReadShadowTables(on bool) { readShadowTables = on }
