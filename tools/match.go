package tools

import (
	"strings"

	"github.com/causerie/causerie/internal/suggest"
)

// named is an entity a model refers to by name (or id, or email).
type named struct {
	id   string
	keys []string // what it may be called: name, id, email…
	name string   // what to call it in messages
}

// match finds the entity called ref: an exact match of one of its keys
// first, else a unique match ignoring case, accents and a leading "@"
// ("@equipe de planification"). It returns false when there is none, or
// when the relaxed match is ambiguous.
func match(ref string, entities []named) (named, bool) {
	ref = strings.TrimSpace(ref)
	for _, e := range entities {
		for _, k := range e.keys {
			if k == ref {
				return e, true
			}
		}
	}
	folded := suggest.Fold(strings.TrimPrefix(ref, "@"))
	var found []named
	for _, e := range entities {
		for _, k := range e.keys {
			if suggest.Fold(k) == folded {
				found = append(found, e)
				break
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return named{}, false
}

// Known reports whether v names one of names as the actions match them:
// exactly, or ignoring case, accents and a leading @.
func Known(v string, names []string) bool {
	folded := suggest.Fold(strings.TrimPrefix(strings.TrimSpace(v), "@"))
	for _, n := range names {
		if n == v || suggest.Fold(n) == folded {
			return true
		}
	}
	return false
}

// names lists entities' display names nearest to ref first, for "valid
// options" in a failure.
func names(ref string, entities []named) []string {
	out := make([]string, len(entities))
	for i, e := range entities {
		out[i] = e.name
	}
	return suggest.Nearest(strings.TrimPrefix(ref, "@"), out)
}

// unknown is the failure for a reference to nothing.
func unknown(code, kind, ref string, entities []named) Result {
	valid := names(ref, entities)
	msg := "there is no " + kind + " called \"" + ref + "\" in this workspace"
	if len(valid) > 0 {
		if c := suggest.Close(strings.TrimPrefix(ref, "@"), valid); c != "" {
			msg += "; did you mean \"" + c + "\"?"
		} else {
			msg += "."
		}
		msg += " Use one of the exact names listed in error.valid."
	} else {
		msg += " (none is defined)."
	}
	return Fail(code, msg, valid...)
}
