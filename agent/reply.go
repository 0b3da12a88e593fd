package agent

import (
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// replyVars are the contact's values a reply may show: $contact.field and
// {{contact.field}}.
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
	out, _ := tools.Template{Missing: tools.MissingKept, Lookup: func(path string) (any, bool) {
		key, ok := strings.CutPrefix(path, "contact.")
		if !ok {
			return nil, false
		}
		v, ok := vars[key]
		return v, ok
	}}.Render(text)
	return out
}

// varStream renders reply variables in streamed text: it holds back the
// tail that could be the start of a variable until it is complete.
type varStream struct {
	vars    map[string]string
	out     func(string)
	pending strings.Builder
	// shown is what reached the visitor so far.
	shown strings.Builder
}

func newVarStream(vars map[string]string, emit func(string)) *varStream {
	return &varStream{vars: vars, out: emit}
}

func (s *varStream) emit(text string) {
	s.shown.WriteString(text)
	s.out(text)
}

func (s *varStream) write(delta string) {
	s.pending.WriteString(delta)
	text := s.pending.String()
	cut := tools.HoldBack(text)
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
