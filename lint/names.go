package lint

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"

	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

// entity is a name of the workspace, and its folded form.
type entity struct {
	name, fold string
	// what: "team", "user", "AI agent", "field"…
	what string
}

// catalogue is what a workspace names.
type catalogue struct {
	teams, users, agents []entity
	fields               []entity // by id and by name
	stages, notes, tags  []entity
	// variables are what $contact.<x> may name.
	variables []string
}

func catalogueOf(f *workspace.File) *catalogue {
	c := &catalogue{}
	add := func(list *[]entity, what string, names ...string) {
		for _, n := range names {
			if strings.TrimSpace(n) != "" {
				*list = append(*list, entity{n, suggest.Fold(n), what})
			}
		}
	}
	for _, t := range f.Teams {
		add(&c.teams, "team", t.Name)
	}
	for _, u := range f.Users {
		add(&c.users, "user", u.Name)
	}
	for _, a := range f.AIAgents {
		add(&c.agents, "AI agent", a.Name)
	}
	c.variables = append(slices.Clone(tools.ReservedFieldIDs), "tags")
	for _, cf := range f.ContactFields {
		add(&c.fields, "field", cf.ID, cf.Name)
		c.variables = append(c.variables, cf.ID)
	}
	// The contact's own attributes are fields too ("champ email").
	add(&c.fields, "field", tools.ReservedFieldIDs...)
	add(&c.stages, "lifecycle stage", f.LifecycleStages...)
	for _, l := range f.ClosingNotes {
		add(&c.notes, "closing note", l.Name)
	}
	for _, l := range f.Tags {
		add(&c.tags, "tag", l.Name)
	}
	return c
}

func (c *catalogue) assignees() []entity {
	return slices.Concat(c.teams, c.users, c.agents)
}

// namesOf lists the names of list once each (a field's id and name that
// fold alike are one).
func namesOf(list []entity) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range list {
		if !seen[e.fold] {
			seen[e.fold] = true
			out = append(out, e.name)
		}
	}
	return out
}

// nearest returns the names of list closest to s: the closest one, and
// up to two more that are about as close (not every name of the list).
func nearest(s string, list []entity) []string {
	s = strings.TrimPrefix(s, "@")
	var out []string
	for i, n := range suggest.Nearest(s, namesOf(list)) {
		if i >= 3 || (i > 0 && levenshtein.ComputeDistance(suggest.Fold(s), suggest.Fold(n)) > max(2, len(s)/3)) {
			break
		}
		out = append(out, n)
	}
	return out
}

// longest returns the longest name of list written at byte i of the
// folded text, ending at a word boundary.
func (t *text) longest(i int, list []entity) (entity, int, bool) {
	var best entity
	end := -1
	for _, e := range list {
		if e.fold == "" || !strings.HasPrefix(t.fold[i:], e.fold) {
			continue
		}
		j := i + len(e.fold)
		if j < len(t.fold) && isWordRune(t.fold[j:]) {
			continue
		}
		if j > end {
			best, end = e, j
		}
	}
	return best, end, end >= 0
}

func isWordRune(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// candidate is a name written at some place of a text.
type candidate struct {
	start, end int // in the folded text
	known      *entity
	// explicit: quoted, capitalised or written like an id (countryCode,
	// booking_date): the writer meant a name.
	explicit bool
}

var wordRe = regexp.MustCompile(`^[\p{L}\p{N}_][\p{L}\p{N}_'-]*`)

// openingMarks are the quotation marks a quoted name starts with.
const openingMarks = "\"“«„"

// nameAt reads the name written at byte i of the folded text: a quoted
// text, the longest name of list, or the words up to a stop word.
func (t *text) nameAt(i int, list []entity) (candidate, bool) {
	for i < len(t.fold) && t.fold[i] == ' ' {
		i++
	}
	if i >= len(t.fold) {
		return candidate{}, false
	}
	if r, n := utf8.DecodeRuneInString(t.fold[i:]); strings.ContainsRune(openingMarks, r) {
		q, ok := t.quoteAt(i + n)
		if !ok || q.end == q.start {
			return candidate{}, false
		}
		c := candidate{start: q.start, end: q.end, explicit: true}
		inside := strings.TrimSpace(t.fold[q.start:q.end])
		for k := range list {
			if list[k].fold == inside {
				c.known = &list[k]
			}
		}
		return c, true
	}
	if e, end, ok := t.longest(i, list); ok && !t.capitalisedAfter(end) {
		return candidate{start: i, end: end, known: &e, explicit: true}, true
	}
	// Words up to a stop word or a punctuation mark, five at most.
	end := i
	words := 0
	for j := i; words < 5 && j < len(t.fold); {
		w := wordRe.FindString(t.fold[j:])
		if w == "" || stopWords[w] {
			break
		}
		if nameConnectors[w] {
			// A connector belongs to the name only between two words.
			k := j + len(w)
			if k+1 >= len(t.fold) || t.fold[k] != ' ' {
				break
			}
			next := wordRe.FindString(t.fold[k+1:])
			if next == "" || stopWords[next] || nameConnectors[next] {
				break
			}
			j = k + 1
			continue
		}
		if words > 0 && !t.looksLikeName(j, j+len(w)) {
			break // a name goes on with capitalised words only: "@Marie Dubois", not "@Marie vous"
		}
		end = j + len(w)
		words++
		if end >= len(t.fold) || t.fold[end] != ' ' {
			break
		}
		j = end + 1
	}
	if end == i {
		return candidate{}, false
	}
	for strings.HasSuffix(t.fold[i:end], "'") || strings.HasSuffix(t.fold[i:end], "-") {
		end--
	}
	return candidate{start: i, end: end, explicit: t.looksLikeName(i, end)}, true
}

// capitalisedAfter reports whether a capitalised word follows byte i:
// "Lead Chaud" is not the stage "Lead".
func (t *text) capitalisedAfter(i int) bool {
	if i+1 >= len(t.fold) || t.fold[i] != ' ' {
		return false
	}
	w := wordRe.FindString(t.fold[i+1:])
	return w != "" && !stopWords[w] && !nameConnectors[w] && t.looksLikeName(i+1, i+1+len(w))
}

// looksLikeName reports whether the words as written start with a capital
// or are written like an id.
func (t *text) looksLikeName(start, end int) bool {
	w := t.words(start, end)
	first, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(first) || strings.ContainsAny(w, "_0123456789") {
		return true
	}
	for _, r := range w[utf8.RuneLen(first):] {
		if unicode.IsUpper(r) {
			return true // countryCode
		}
		if r == ' ' {
			break
		}
	}
	return false
}

// close reports whether a lower-case word is probably a misspelt name of
// list ("budjet" for "budget").
func closeTo(s string, list []entity) bool {
	if len(s) < 5 {
		return false
	}
	for _, e := range list {
		if levenshtein.ComputeDistance(s, e.fold) <= 2 {
			return true
		}
	}
	return false
}
