// Package suggest ranks valid names by closeness to a wrong one, so that
// an error can say "unknown field "budjet" (did you mean "budget"?)" and
// list the valid options nearest first. It lives apart because the
// workspace file, the action catalogue and the flow validator all need it.
package suggest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fold lower-cases s and strips accents: "Équipe" and "equipe" fold alike.
func Fold(s string) string {
	return strings.ToLower(strings.TrimSpace(StripAccents(s)))
}

// StripAccents removes diacritics: "Réserver" becomes "Reserver". Safe
// for concurrent use (a transform chain is not: each call makes its own).
func StripAccents(s string) string {
	if ascii(s) {
		return s // nothing to strip: no transform chain (it allocates ~8 KB)
	}
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Nearest returns options sorted by edit distance to name (ignoring case
// and accents), closest first; ties keep their original order.
func Nearest(name string, options []string) []string {
	n := Fold(name)
	type scored struct {
		s string
		d int
	}
	ss := make([]scored, len(options))
	for i, o := range options {
		f := Fold(o)
		d := levenshtein.ComputeDistance(n, f)
		// A prefix or substring match is closer than its raw distance says.
		if n != "" && (strings.Contains(f, n) || strings.Contains(n, f)) {
			d = min(d, 1)
		}
		ss[i] = scored{o, d}
	}
	slices.SortStableFunc(ss, func(a, b scored) int { return a.d - b.d })
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.s
	}
	return out
}

// Close returns the option that is plausibly a misspelling of name, or ""
// when none is close enough to suggest.
func Close(name string, options []string) string {
	n := Fold(name)
	best, bestD, bestPrefix := "", 1<<30, 0
	for _, o := range options {
		f := Fold(o)
		if d := levenshtein.ComputeDistance(n, f); d < bestD {
			best, bestD, bestPrefix = o, d, commonPrefix(n, f)
		}
	}
	// Close enough: a few typos, or a different ending on a shared stem
	// ("numeric" for "number").
	ok := bestD <= max(2, len([]rune(n))/3) || (bestPrefix >= 3 && bestD <= len([]rune(n))/2)
	if best == "" || !ok {
		return ""
	}
	return best
}

// List formats options for an error message: "a", "b", "c" — at most
// limit of them, then "and N more".
func List(options []string, limit int) string {
	if len(options) == 0 {
		return "(none defined)"
	}
	quoted := make([]string, 0, min(len(options), limit))
	for i, o := range options {
		if i == limit {
			return strings.Join(quoted, ", ") + fmt.Sprintf(" and %d more", len(options)-limit)
		}
		quoted = append(quoted, strconv.Quote(o))
	}
	return strings.Join(quoted, ", ")
}

func commonPrefix(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	n := 0
	for n < len(ra) && n < len(rb) && ra[n] == rb[n] {
		n++
	}
	return n
}
