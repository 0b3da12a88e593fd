package sqlstore

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// The shared queries: queries.sql and one queries_<feature>.sql per
// feature (flows, knowledge…).
//
//go:embed queries*.sql
var sharedFiles embed.FS

// SQL holds the queries of one dialect, by name.
type SQL map[string]string

// LoadSQL returns the shared queries with a dialect's own (the files
// queries*.sql of dialect, same format) applied over them. A dialect query
// must replace a shared one or be one of extraNames (queries only that
// dialect has), so that a typo in a name cannot go unseen.
func LoadSQL(dialect fs.FS, extraNames ...string) (SQL, error) {
	shared, err := parseFiles(sharedFiles)
	if err != nil {
		return nil, err
	}
	own, err := parseFiles(dialect)
	if err != nil {
		return nil, err
	}
	for name, q := range own {
		if _, ok := shared[name]; !ok && !slices.Contains(extraNames, name) {
			return nil, fmt.Errorf("dialect query %q overrides no shared query", name)
		}
		shared[name] = q
	}
	for _, name := range extraNames {
		if _, ok := shared[name]; !ok {
			return nil, fmt.Errorf("dialect queries.sql lacks query %q", name)
		}
	}
	return shared, nil
}

// Get returns the named query; a missing name is a programming error.
func (s SQL) Get(name string) string {
	q, ok := s[name]
	if !ok {
		panic("sqlstore: no query named " + name)
	}
	return q
}

// parseFiles parses every queries*.sql file of fsys into one set.
func parseFiles(fsys fs.FS) (SQL, error) {
	names, err := fs.Glob(fsys, "queries*.sql")
	if err != nil {
		return nil, err
	}
	out := SQL{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		qs, err := parseSQL(name, string(b))
		if err != nil {
			return nil, err
		}
		for n, q := range qs {
			if _, dup := out[n]; dup {
				return nil, fmt.Errorf("%s: query %q is also defined in another file", name, n)
			}
			out[n] = q
		}
	}
	return out, nil
}

func parseSQL(file, text string) (SQL, error) {
	out := SQL{}
	var name string
	var body strings.Builder
	flush := func() {
		if name != "" {
			out[name] = strings.TrimSpace(body.String())
		}
		body.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		if n, ok := strings.CutPrefix(l, "-- name: "); ok {
			flush()
			name = strings.TrimSpace(n)
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("%s:%d: query %q defined twice", file, line, name)
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		if name != "" {
			body.WriteString(l)
			body.WriteByte('\n')
		}
	}
	flush()
	return out, nil
}
