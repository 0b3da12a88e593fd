package agent

import (
	"regexp"
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Reply variables: $contact.bookingdate and {{contact.bookingdate}}.
var replyVar = regexp.MustCompile(`\$contact\.([A-Za-z][A-Za-z0-9_]*)|\{\{\s*contact\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}`)

// replyVars are the contact's values a reply may show.
func replyVars(c *store.Contact) map[string]string {
	v := map[string]string{"name": c.Name, "email": c.Email, "phone": c.Phone}
	for k, x := range c.Fields {
		v[k] = tools.Format(x)
	}
	return v
}

// renderReply replaces reply variables with the contact's values; a
// variable the contact has no value for stays as written, so that the
// gap shows.
func renderReply(text string, vars map[string]string) string {
	return replyVar.ReplaceAllStringFunc(text, func(m string) string {
		sub := replyVar.FindStringSubmatch(m)
		key := sub[1] + sub[2]
		if v, ok := vars[key]; ok && v != "" {
			return v
		}
		return m
	})
}

// varStream renders reply variables in streamed text: it holds back the
// tail that could be the start of a variable until it is complete.
type varStream struct {
	vars    map[string]string
	emit    func(string)
	pending strings.Builder
}

func newVarStream(vars map[string]string, emit func(string)) *varStream {
	return &varStream{vars: vars, emit: emit}
}

func (s *varStream) write(delta string) {
	s.pending.WriteString(delta)
	text := s.pending.String()
	cut := holdFrom(text)
	if cut > 0 {
		s.emit(renderReply(text[:cut], s.vars))
	}
	s.pending.Reset()
	s.pending.WriteString(text[cut:])
}

// flush emits what is held back.
func (s *varStream) flush() {
	if s.pending.Len() > 0 {
		s.emit(renderReply(s.pending.String(), s.vars))
		s.pending.Reset()
	}
}

// holdFrom returns where the text may still be inside a variable: the last
// "$" or "{{" that is not yet followed by the end of a variable.
func holdFrom(text string) int {
	i := strings.LastIndexAny(text, "${")
	if i < 0 {
		return len(text)
	}
	tail := text[i:]
	if tail[0] == '{' {
		// "{{ contact.x }}" ends with "}}"; a lone "{" may start "{{".
		if j := strings.LastIndex(text, "{{"); j >= 0 && !strings.Contains(text[j:], "}}") {
			return j
		}
		if tail == "{" {
			return i
		}
		return len(text)
	}
	// "$contact.x" ends at the first character that cannot be in a name.
	if strings.HasPrefix("$contact.", tail) || (strings.HasPrefix(tail, "$contact.") && isName(tail[len("$contact."):])) {
		return i
	}
	return len(text)
}

func isName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
