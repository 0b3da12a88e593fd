package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/causerie/causerie/tools"
)

// actionWords names an action in messages.
var actionWords = map[string]string{
	tools.CloseConversation:    "close the conversation",
	tools.Assign:               "assign",
	tools.Unassign:             "unassign",
	tools.UpdateContactFields:  "update contact fields",
	tools.UpdateLifecycleStage: "update the lifecycle stage",
	tools.TagContact:           "tag the contact",
	tools.CreateTask:           "create a task",
	tools.SendEmail:            "send an e-mail",
	tools.HTTPRequest:          "call an HTTP API",
	tools.CRMUpsert:            "upsert the CRM contact",
	tools.SearchKnowledge:      "search the knowledge bases",
	reply:                      "reply",
}

// MaxChainedActions is seed 002's bound on the actions of one scenario
// ("reste à 2-3 actions max").
const MaxChainedActions = 3

// scenario checks one instruction: its actions in order, its branches.
func (c *checker) scenario(s scenario) []mention {
	t := c.t
	all := c.mentions(s.span)
	var actions []mention
	for _, m := range all {
		if m.action != reply && m.action != tools.SearchKnowledge {
			actions = append(actions, m)
		}
	}
	if len(actions) > MaxChainedActions {
		first, last := actions[0], actions[len(actions)-1]
		names := make([]string, len(actions))
		for i, m := range actions {
			names[i] = actionWords[m.action]
		}
		c.add(OverloadedScenario, first.start, last.end,
			fmt.Sprintf("one scenario chains %d actions (%s); %s", len(actions), strings.Join(names, " → "), infoOf(OverloadedScenario).Rule),
			fmt.Sprintf("keep to %d actions per scenario: split it into scenarios that follow the conversation's order (first ask, then save, then qualify…)", MaxChainedActions), nil)
	}
	// Branches: "Si X, assigne à @A ; sinon, assigne à @B" is two.
	bounds := []int{s.start}
	for _, m := range branchRe.FindAllStringIndex(t.fold[s.start:s.end], -1) {
		if !t.inQuotes(s.start + m[0]) {
			bounds = append(bounds, s.start+m[0])
		}
	}
	bounds = append(bounds, s.end)
	for i := 0; i+1 < len(bounds); i++ {
		var branch []mention
		for _, m := range all {
			if m.start >= bounds[i] && m.start < bounds[i+1] {
				branch = append(branch, m)
			}
		}
		c.branch(span{bounds[i], bounds[i+1]}, branch)
	}
	c.timing(s.span, all)
	return all
}

// branch checks the actions of one condition of a scenario.
func (c *checker) branch(b span, ms []mention) {
	t := c.t
	var assign, unassign, closed, handoff *mention
	stages := map[string]*mention{}
	for i := range ms {
		m := &ms[i]
		switch m.action {
		case tools.Assign:
			if unassign != nil {
				c.contradiction(*unassign, *m, "unassigns then assigns the conversation")
			} else if closed != nil {
				c.contradiction(*closed, *m, "closes the conversation then assigns it")
			} else if assign != nil && differ(assign.targets, m.targets) {
				c.contradiction(*assign, *m, "assigns the conversation to "+targetNames(assign.targets)+", then to "+targetNames(m.targets))
			}
			c.roundRobin(b, *m)
			if availabilityRe.MatchString(t.fold[m.start:min(b.end, m.end+80)]) || availabilityRe.MatchString(t.fold[b.start:m.start]) {
				loc := availabilityRe.FindStringIndex(t.fold[b.start:b.end])
				c.add(Availability, b.start+loc[0], b.start+loc[1], "the assignment depends on who is online or available; "+infoOf(Availability).Rule,
					"name the team (@Team) and let round robin or least open choose among its members", nil)
			}
			assign, handoff = m, m
		case tools.Unassign:
			if assign != nil {
				c.contradiction(*assign, *m, "assigns then unassigns the conversation")
			}
			unassign, handoff = m, m
		case tools.CloseConversation:
			closed = m
		case tools.UpdateLifecycleStage:
			if m.stage == "" {
				break
			}
			for name, prev := range stages {
				if !strings.EqualFold(name, m.stage) {
					c.contradiction(*prev, *m, fmt.Sprintf("moves the contact to two lifecycle stages (%q and %q) for one condition", name, m.stage))
				}
			}
			stages[m.stage] = m
		case reply:
			if handoff != nil {
				what := "assigned to someone else"
				if handoff.action == tools.Unassign {
					what = "unassigned"
				}
				c.add(ReplyAfterHandoff, m.start, m.end,
					fmt.Sprintf("a reply after the conversation is %s (%q); %s", what, t.words(handoff.start, handoff.end), infoOf(ReplyAfterHandoff).Rule),
					"put what the agent says before the hand-off in the scenario, or leave the reply to the team", nil)
				handoff = nil // once per hand-off
			}
		}
	}
	if m := vagueRe.FindStringIndex(t.fold[b.start:b.end]); m != nil && len(ms) > 0 && !t.inQuotes(b.start+m[0]) {
		hasAction := false
		for _, x := range ms {
			hasAction = hasAction || x.action != reply
		}
		if hasAction {
			c.add(VagueScenario, b.start+m[0], b.start+m[1], "a vague condition; "+infoOf(VagueScenario).Rule,
				"state the condition the contact's words meet, and the exact value to use (\"if the customer confirms the problem is solved, update the lifecycle stage to Resolved\")", nil)
		}
	}
}

func (c *checker) contradiction(a, b mention, what string) {
	c.add(ContradictoryActions, a.start, b.end, "this scenario "+what+"; "+infoOf(ContradictoryActions).Rule,
		"keep one outcome per condition; if two are needed, give each its own condition", nil)
}

func differ(a, b []*entity) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) != len(b) || len(a) == 0 // "assign…, assign again…" with no names is still two
	}
	return targetNames(a) != targetNames(b)
}

func targetNames(es []*entity) string {
	if len(es) == 0 {
		return "someone"
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = fmt.Sprintf("%q", e.name)
	}
	return strings.Join(names, " and ")
}

// roundRobin checks a round robin assignment: within one team only.
func (c *checker) roundRobin(b span, m mention) {
	t := c.t
	loc := roundRobinRe.FindStringIndex(t.fold[b.start:b.end])
	if loc == nil {
		return
	}
	var teams, others []string
	for _, e := range m.targets {
		if e.what == "team" {
			teams = append(teams, e.name)
		} else {
			others = append(others, fmt.Sprintf("%s %q", e.what, e.name))
		}
	}
	rr := span{b.start + loc[0], b.start + loc[1]}
	switch {
	case len(teams) > 1:
		c.add(RoundRobinScope, m.start, max(rr.end, m.end), fmt.Sprintf("round robin across %d teams (%s); %s", len(teams), quoteList(teams, "and"), infoOf(RoundRobinScope).Rule),
			"give each team its own condition, or assign to one team", nil)
	case len(others) > 0 && len(teams) == 0:
		c.add(RoundRobinScope, m.start, max(rr.end, m.end), fmt.Sprintf("round robin to the %s; %s", strings.Join(others, " and "), infoOf(RoundRobinScope).Rule),
			"assign to the user directly (no method), or round robin within a team the user belongs to", nil)
	}
}

// timing reports an action the scenario asks to take later.
func (c *checker) timing(s span, ms []mention) {
	t := c.t
	if len(ms) == 0 {
		return
	}
	type hit struct {
		start, end int
		always     bool // a delay needs a timer even inside a condition
	}
	var hits []hit
	for _, p := range []struct {
		re     *regexp.Regexp
		always bool
	}{{clockRe, false}, {dayRe, false}, {delayRe, true}} {
		for _, m := range p.re.FindAllStringIndex(t.fold[s.start:s.end], -1) {
			hits = append(hits, hit{s.start + m[0], s.start + m[1], p.always})
		}
	}
	for _, h := range hits {
		if t.inQuotes(h.start) {
			continue
		}
		if !h.always && c.inCondition(s, h.start) {
			continue
		}
		near := ms[0]
		for _, m := range ms {
			if m.start < h.start {
				near = m
			}
		}
		c.add(ScheduledAction, h.start, h.end,
			fmt.Sprintf("%q is a time later than the reply, for %q; %s", t.words(h.start, h.end), t.words(near.start, near.end), infoOf(ScheduledAction).Rule),
			"act now on a condition the agent can check (\"if within business hours\"), or schedule it with a workflow timer", nil)
		return // once per scenario
	}
}

// inCondition reports whether the words at i are part of a condition:
// a condition word comes before them in the same clause.
func (c *checker) inCondition(s span, i int) bool {
	t := c.t
	start := s.start
	for _, sep := range []string{",", ";", ":"} {
		if j := strings.LastIndex(t.fold[s.start:i], sep); j >= 0 && s.start+j+1 > start {
			start = s.start + j + 1
		}
	}
	// "Assign to Sales if within business hours": a condition may also
	// follow the action, in the same clause.
	return conditionRe.MatchString(t.fold[start:i])
}
