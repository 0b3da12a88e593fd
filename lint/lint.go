package lint

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

// linter holds one lint's workspace and findings.
type linter struct {
	f   *workspace.File
	cat *catalogue
	out Findings
	// draft is set when the text under lint is not the file's (an editor's
	// draft): positions are lines and columns of the text itself.
	draft string
}

// position returns where byte off of the text at path is.
func (l *linter) position(path string, off int) (string, int, int) {
	if l.draft != "" || l.f == nil {
		line, col := 1, 1
		for _, r := range l.draft[:min(off, len(l.draft))] {
			if r == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		return "", line, col
	}
	if file, line, col, ok := l.f.TextPosition(path, off); ok {
		return file, line, col
	}
	p := l.f.Locate(source.Problem{Path: path})
	return p.File, p.Line, p.Column
}

// addAt records a finding about a whole value (an enabled action).
func (l *linter) addAt(kind Kind, path, subject, words, msg, fix string) {
	p := l.f.Locate(source.Problem{Path: path})
	l.out = append(l.out, Finding{Kind: kind, Severity: infoOf(kind).Severity, File: p.File, Line: p.Line, Column: p.Column,
		Path: path, Subject: subject, Words: words, Message: msg, Fix: fix})
}

// Workspace lints every text of a workspace file: each AI agent's
// instructions and each response rule's reply.
func Workspace(f *workspace.File) Findings {
	l := &linter{f: f, cat: catalogueOf(f)}
	for i, a := range f.AIAgents {
		l.agent(i, a, a.Instructions)
	}
	for i, r := range f.ResponseRules {
		c := l.checker(r.Reply, fmt.Sprintf("response_rules[%d].reply", i), fmt.Sprintf("response rule %q", r.Name))
		c.references()
	}
	l.out.sort()
	return l.out
}

// Flows lints the texts of flows that name entities of the workspace f:
// an @mention in a message, a question or an AI reply's prompt must name a
// team, a user or an AI agent. (What a flow's actions name, and its
// $contact variables, are checked by `flow validate` against the
// workspace.)
func Flows(f *workspace.File, flows ...*dsl.Flow) Findings {
	l := &linter{f: f, cat: catalogueOf(f)}
	for _, fl := range flows {
		for i, n := range fl.Nodes {
			var walk func(path string, v any)
			walk = func(path string, v any) {
				switch x := v.(type) {
				case string:
					c := l.checker(x, path, fmt.Sprintf("flow %q: node %q", fl.ID, n.ID))
					c.at = func(off int) (string, int, int) {
						if file, line, col, ok := fl.TextPosition(path, off); ok {
							return file, line, col
						}
						return "", 0, 0
					}
					c.atMentions()
				case map[string]any:
					keys := slices.Sorted(maps.Keys(x))
					for _, k := range keys {
						walk(path+"."+k, x[k])
					}
				case []any:
					for j, e := range x {
						walk(fmt.Sprintf("%s[%d]", path, j), e)
					}
				}
			}
			walk(fmt.Sprintf("nodes[%d].data.parameters", i), n.Data.Parameters)
		}
	}
	l.out.sort()
	return l.out
}

// Instructions lints a draft of the instructions of the AI agent named
// agent (an editor's text, not yet saved) against the workspace f.
// Positions are lines and columns of the draft itself.
func Instructions(f *workspace.File, agent, instructions string) (Findings, error) {
	i := slices.IndexFunc(f.AIAgents, func(a workspace.AIAgent) bool { return a.Name == agent })
	if i < 0 {
		names := make([]string, len(f.AIAgents))
		for k, a := range f.AIAgents {
			names[k] = a.Name
		}
		return nil, fmt.Errorf("workspace %q has no AI agent named %q (AI agents: %s)", f.Workspace.Slug, agent, strings.Join(names, ", "))
	}
	l := &linter{f: f, cat: catalogueOf(f), draft: instructions}
	if instructions == "" {
		l.draft = "\x00" // positions of an empty draft are 1:1
	}
	l.agent(i, f.AIAgents[i], instructions)
	l.out.sort()
	return l.out, nil
}

// agent lints an AI agent's instructions.
func (l *linter) agent(i int, a workspace.AIAgent, instructions string) {
	subject := fmt.Sprintf("AI agent %q", a.Name)
	c := l.checker(instructions, fmt.Sprintf("ai_agents[%d].instructions", i), subject)
	c.references()
	var all []mention
	for _, s := range c.t.scenarios() {
		all = append(all, c.scenario(s)...)
	}
	c.summaries()
	// Actions asked for that the agent does not have, once per action.
	named := false // a named HTTP action stands for http_request
	for _, name := range a.Actions {
		if !slices.Contains(tools.Names(), name) {
			named = true
		}
	}
	asked := map[string]bool{}
	for _, m := range all {
		if m.action == reply || asked[m.action] {
			continue
		}
		asked[m.action] = true
		if slices.Contains(a.Actions, m.action) || (m.action == tools.HTTPRequest && named) {
			continue
		}
		c.add(ActionNotEnabled, m.start, m.end,
			fmt.Sprintf("the instructions ask to %s, but %s is not among the actions of %s; %s", actionWords[m.action], m.action, subject, infoOf(ActionNotEnabled).Rule),
			fmt.Sprintf("add %s to ai_agents[%d].actions, or remove the instruction", m.action, i), nil)
	}
	if l.draft != "" {
		return // a draft's unused actions are the saved file's business
	}
	for j, name := range a.Actions {
		if asked[name] || name == tools.SearchKnowledge || !slices.Contains(tools.Names(), name) {
			continue
		}
		l.addAt(ActionUnused, fmt.Sprintf("ai_agents[%d].actions[%d]", i, j), subject, name,
			fmt.Sprintf("%s is enabled but no instruction says when to %s; %s", name, actionWords[name], infoOf(ActionUnused).Rule),
			fmt.Sprintf("say in the instructions when to %s, or remove it from the actions", actionWords[name]))
	}
}

// summaries reports instructions that both forbid and ask for a summary.
func (c *checker) summaries() {
	t := c.t
	negs := noSummaryRe.FindAllStringIndex(t.fold, -1)
	if len(negs) == 0 {
		return
	}
	for _, m := range summaryRe.FindAllStringIndex(t.fold, -1) {
		inNeg := false
		for _, n := range negs {
			inNeg = inNeg || (m[0] >= n[0] && m[0] < n[1])
		}
		if inNeg || t.inQuotes(m[0]) || negatedRe.MatchString(t.fold[max(0, m[0]-24):m[0]]) {
			continue
		}
		_, line, _ := c.l.position(c.path, t.back[negs[0][0]])
		c.add(SummaryConflict, m[0], m[1],
			fmt.Sprintf("a summary is asked for here, while %q (line %d) forbids one; %s", t.words(negs[0][0], negs[0][1]), line, infoOf(SummaryConflict).Rule),
			"keep one: either no summary, or the summary where it is wanted", nil)
		return
	}
}
