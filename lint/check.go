package lint

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/tools"
)

// mention is an action the text asks for.
type mention struct {
	action     string
	start, end int // the words, in the folded text
	// targets are the assignees named after an assignment.
	targets []*entity
	// stage is the lifecycle stage named after a stage update.
	stage string
}

// checker lints one text of a workspace.
type checker struct {
	l       *linter
	t       *text
	path    string
	subject string
	// found are the references already reported, by folded start, so
	// that two cues on the same words report once.
	reported map[int]bool
	// stages are the stage names read, by the start of their cue.
	stages map[int]string
	// targets are the assignees read after each assignment, by the
	// mention's end.
	targets map[int][]*entity
	// at places a byte of the text in its file when the text is not the
	// workspace file's (a flow's); nil: the linter's position.
	at func(off int) (string, int, int)
}

func (l *linter) checker(s, path, subject string) *checker {
	return &checker{l: l, t: newText(s), path: path, subject: subject,
		reported: map[int]bool{}, stages: map[int]string{}, targets: map[int][]*entity{}}
}

// add records a finding about the folded span [start,end).
func (c *checker) add(kind Kind, start, end int, msg, fix string, suggestions []string) {
	info := infoOf(kind)
	f := Finding{Kind: kind, Severity: info.Severity, Path: c.path, Subject: c.subject,
		Start: c.t.back[start], End: c.t.back[end], Words: c.t.words(start, end),
		Message: msg, Fix: fix, Suggestions: suggestions}
	if c.at != nil {
		f.File, f.Line, f.Column = c.at(f.Start)
	} else {
		f.File, f.Line, f.Column = c.l.position(c.path, f.Start)
	}
	c.l.out = append(c.l.out, f)
}

// quoteList formats names for a message: "a", "b" or "c".
func quoteList(names []string, or string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " " + or + " " + q[len(q)-1]
}

// unknown reports a name that matches nothing of list.
func (c *checker) unknown(kind Kind, cand candidate, what string, list []entity) {
	if c.reported[cand.start] {
		return
	}
	c.reported[cand.start] = true
	words := strings.TrimSpace(c.t.words(cand.start, cand.end))
	sugg := nearest(words, list)
	msg := fmt.Sprintf("no %s is named %q", what, strings.TrimPrefix(words, "@"))
	fix := fmt.Sprintf("write the exact name of an existing %s", what)
	if len(list) == 0 {
		fix = fmt.Sprintf("the workspace has no %s: declare it first, or remove the instruction", what)
	} else if len(sugg) > 0 {
		fix = fmt.Sprintf("did you mean %s?", quoteList(sugg, "or"))
	}
	c.add(kind, cand.start, cand.end, msg+"; "+infoOf(kind).Rule, fix, sugg)
}

// reference reads a name of list after a cue ending at i, and reports it
// unknown.
func (c *checker) reference(i int, kind Kind, what string, list []entity) (candidate, bool) {
	cand, ok := c.t.nameAt(i, list)
	if !ok {
		return cand, false
	}
	if cand.known != nil {
		return cand, true
	}
	if cand.explicit || closeTo(c.t.fold[cand.start:cand.end], list) {
		c.unknown(kind, cand, what, list)
	}
	return cand, false
}

// references checks every name the text writes after a cue: @mentions,
// fields, variables, stages, closing notes and tags.
func (c *checker) references() {
	t, cat := c.t, c.l.cat
	c.atMentions()
	c.variables()
	for _, m := range fieldCue.FindAllStringIndex(t.fold, -1) {
		if t.inQuotes(m[0]) {
			continue
		}
		c.fieldList(m[1])
	}
	for _, m := range fieldBeforeCue.FindAllStringSubmatchIndex(t.fold, -1) {
		if t.inQuotes(m[0]) || c.reported[m[2]] {
			continue
		}
		name := t.fold[m[2]:m[3]]
		if _, _, ok := t.longest(m[2], cat.fields); ok || genericFieldWord[name] {
			continue
		}
		cand := candidate{start: m[2], end: m[3], explicit: t.looksLikeName(m[2], m[3])}
		if cand.explicit || closeTo(name, cat.fields) {
			c.unknown(UnknownField, cand, "contact field", cat.fields)
		}
	}
	for _, m := range stageCue.FindAllStringIndex(t.fold, -1) {
		if t.inQuotes(m[0]) {
			continue
		}
		if cand, ok := c.reference(m[1], UnknownStage, "lifecycle stage", cat.stages); ok {
			c.stages[m[0]] = cand.known.name
		} else if cand.end > cand.start && (cand.explicit || closeTo(t.fold[cand.start:cand.end], cat.stages)) {
			c.stages[m[0]] = t.fold[cand.start:cand.end]
		}
	}
	for _, m := range noteCue.FindAllStringIndex(t.fold, -1) {
		if !t.inQuotes(m[0]) {
			c.reference(m[1], UnknownClosingNote, "closing note", cat.notes)
		}
	}
	for _, m := range tagCue.FindAllStringIndex(t.fold, -1) {
		if !t.inQuotes(m[0]) {
			c.reference(m[1], UnknownTag, "tag", cat.tags)
		}
	}
}

// atMentions checks @mentions: a team, a user or an AI agent, exactly.
func (c *checker) atMentions() {
	t, cat := c.t, c.l.cat
	for i := 0; i < len(t.fold); i++ {
		if t.fold[i] != '@' || (i > 0 && isWordRune(t.fold[i-1:])) || (i > 0 && strings.ContainsRune("._-", rune(t.fold[i-1]))) {
			continue
		}
		if i+1 >= len(t.fold) || !isWordRune(t.fold[i+1:]) {
			continue
		}
		cand, ok := t.nameAt(i+1, cat.assignees())
		if !ok || cand.known != nil {
			continue
		}
		cand.start = i
		c.unknown(UnknownMention, cand, "team, user or AI agent", cat.assignees())
	}
}

// Words before "field" that do not name one: "the contact field".
var genericFieldWord = map[string]bool{"contact": true, "custom": true, "same": true, "right": true, "correct": true,
	"appropriate": true, "relevant": true, "following": true, "corresponding": true, "matching": true, "new": true, "text": true}

// Words after a save verb that are places other than fields.
var notFields = map[string]bool{"crm": true, "database": true, "system": true, "inbox": true, "agenda": true, "calendar": true,
	"calendrier": true, "base": true, "systeme": true, "memoire": true, "memory": true, "task": true, "tache": true}

var listSep = regexp.MustCompile(`^(?:\s*,\s*|\s+(?:et|and|ou|or)\s+)`)

// fieldList reads the field names after a field cue: one, or a list
// ("les champs service, bookingdate et bookingtime").
func (c *checker) fieldList(i int) {
	cat := c.l.cat
	for {
		if w := wordRe.FindString(c.t.fold[min(i, len(c.t.fold)):]); notFields[w] {
			return // "save them in the CRM": another action's place
		}
		cand, ok := c.reference(i, UnknownField, "contact field", cat.fields)
		if cand.end <= cand.start || (!ok && !cand.explicit) {
			return
		}
		m := listSep.FindStringIndex(c.t.fold[cand.end:])
		if m == nil {
			return
		}
		i = cand.end + m[1]
	}
}

// placeholderRe is tools' placeholder syntax: {{contact.x}} and $contact.x.
var placeholderRe = regexp.MustCompile(`\{\{\s*contact\.([A-Za-z0-9_]+)[^}]*\}\}|\$contact\.([A-Za-z][A-Za-z0-9_]*)`)

// variables checks $contact.<x> and {{contact.<x>}} against the fields.
func (c *checker) variables() {
	cat := c.l.cat
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(c.t.orig, -1) {
		s, e := m[2], m[3]
		if s < 0 {
			s, e = m[4], m[5]
		}
		key := c.t.orig[s:e]
		if slices.Contains(cat.variables, key) {
			continue
		}
		sugg := suggestList(key, cat.variables)
		fix := "write the id of an existing contact field"
		if len(sugg) > 0 {
			fix = fmt.Sprintf("did you mean %s?", quoteList(sugg, "or"))
		}
		start, end := c.t.foldAt(m[0]), c.t.foldAt(m[1])
		c.reported[start] = true
		c.add(UnknownVariable, start, end, fmt.Sprintf("no contact field has the id %q; %s", key, infoOf(UnknownVariable).Rule), fix, sugg)
	}
}

func suggestList(s string, options []string) []string {
	n := suggest.Nearest(s, options)
	return n[:min(3, len(n))]
}

// foldAt returns the byte of the folded text that holds the original
// byte off.
func (t *text) foldAt(off int) int {
	return sort.SearchInts(t.back, off)
}

// mentions returns the actions the span asks for, in order: not those
// inside quotes, nor negated ones ("ne ferme pas la conversation").
func (c *checker) mentions(s span) []mention {
	t := c.t
	var out []mention
	taken := func(a, b int) bool {
		for _, m := range out {
			if a < m.end && b > m.start {
				return true
			}
		}
		return false
	}
	for _, p := range actionPatterns {
		for _, m := range p.re.FindAllStringIndex(t.fold[s.start:s.end], -1) {
			a, b := s.start+m[0], s.start+m[1]
			if t.inQuotes(a) || taken(a, b) || negatedRe.MatchString(t.fold[max(s.start, a-24):a]) {
				continue
			}
			out = append(out, mention{action: p.action, start: a, end: b})
		}
	}
	slices.SortFunc(out, func(x, y mention) int { return x.start - y.start })
	// "Enregistre-le comme champ Budget" is one field update, not two.
	var merged []mention
	for _, m := range out {
		if n := len(merged); n > 0 && m.action == tools.UpdateContactFields && merged[n-1].action == m.action &&
			!clauseEnd.MatchString(t.fold[merged[n-1].end:m.start]) && !strings.Contains(t.fold[merged[n-1].end:m.start], ",") {
			merged[n-1].end = m.end
			continue
		}
		merged = append(merged, m)
	}
	for i := range merged {
		m := &merged[i]
		switch m.action {
		case tools.Assign:
			limit := s.end
			if i+1 < len(merged) {
				limit = merged[i+1].start
			}
			m.targets = c.assignTargets(m.end, limit)
		case tools.UpdateLifecycleStage:
			for at, name := range c.stages {
				if at >= m.start && at < m.end+4 {
					m.stage = name
				}
			}
		}
	}
	return merged
}

// assignTargets reads who an assignment ending at i names: the words
// after "à", "to"… and every @mention of the clause.
func (c *checker) assignTargets(i, limit int) []*entity {
	t, cat := c.t, c.l.cat
	clause := limit
	if m := clauseEnd.FindStringIndex(t.fold[i:limit]); m != nil {
		clause = i + m[0]
	}
	var out []*entity
	addTarget := func(e *entity) {
		for _, x := range out {
			if x.name == e.name && x.what == e.what {
				return
			}
		}
		out = append(out, e)
	}
	if m := assignTo.FindStringIndex(t.fold[i:clause]); m != nil {
		p := i + m[1]
		list, kind, what := cat.assignees(), UnknownAssignee, "team, user or AI agent"
		if e, _, ok := t.longest(p, list); ok {
			addTarget(&e)
		} else if k := targetKind.FindStringSubmatchIndex(t.fold[p:clause]); k != nil {
			switch {
			case k[2] >= 0:
				list, kind, what = cat.teams, UnknownTeam, "team"
			case k[4] >= 0:
				list, kind, what = cat.agents, UnknownAIAgent, "AI agent"
			default:
				list, kind, what = cat.users, UnknownUser, "user"
			}
			p += k[1]
		}
		if p < len(t.fold) && t.fold[p] != '@' {
			if cand, ok := t.nameAt(p, list); ok && cand.known != nil {
				addTarget(cand.known)
			} else if ok && cand.explicit && !c.reported[cand.start] {
				c.unknown(kind, cand, what, list)
			}
		}
	}
	for j := i; j < clause; j++ {
		if t.fold[j] != '@' {
			continue
		}
		if e, _, ok := t.longest(j+1, cat.assignees()); ok {
			addTarget(&e)
		}
	}
	return out
}
