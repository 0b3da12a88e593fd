package sqlstore

import (
	"bufio"
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

//go:embed queries.sql
var sharedQueries string

// SQL holds the queries of one dialect, by name.
type SQL map[string]string

// LoadSQL returns the shared queries with overrides (a dialect's own
// queries.sql, same format) applied. An override must replace a shared
// query or be one of extraNames, so that a typo in a name cannot go unseen.
func LoadSQL(overrides string, extraNames ...string) (SQL, error) {
	shared, err := parseSQL("sqlstore/queries.sql", sharedQueries)
	if err != nil {
		return nil, err
	}
	own, err := parseSQL("dialect queries.sql", overrides)
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
