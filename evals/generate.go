package evals

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// GenerateCase is a generation case: a flow is generated from
// Description — with the model through the case's cassette like a
// conversation, or Offline from a step list or a Mermaid flowchart —
// against the suite's workspace, then checked against Expect.
type GenerateCase struct {
	Description string `yaml:"description"`
	// Lang is the flow's language, fr (default) or en.
	Lang string `yaml:"lang,omitempty"`
	// Offline generates without a model (generate.Offline): the case
	// needs no cassette.
	Offline bool           `yaml:"offline,omitempty"`
	Expect  GenerateExpect `yaml:"expect"`
}

// GenerateExpect is what the generated flow must be.
type GenerateExpect struct {
	// Valid: the flow passes the validator and the workspace check.
	Valid bool `yaml:"valid,omitempty"`
	// EndsOnEveryPath: every node leads to an end node.
	EndsOnEveryPath bool `yaml:"ends_on_every_path,omitempty"`
	// Asks are variables a question or a choice of the flow asks.
	Asks []string `yaml:"asks,omitempty"`
	// Actions are actions (action_type) an action node of the flow takes.
	Actions []string `yaml:"actions,omitempty"`
	// Triggers are words a trigger of the flow has among its keywords.
	Triggers []string `yaml:"triggers,omitempty"`
	// Scenarios must each be a path of the flow.
	Scenarios []Scenario `yaml:"scenarios,omitempty"`
}

// Scenario is a way through the flow: a path that takes the Choose
// options in this order (other steps may come between) and, after the
// last of them, asks the variable Asks or reaches a node of kind
// Reaches (or both).
type Scenario struct {
	Name    string   `yaml:"name"`
	Choose  []string `yaml:"choose,omitempty"`
	Asks    string   `yaml:"asks,omitempty"`
	Reaches string   `yaml:"reaches,omitempty"`
}

func (s *Suite) validateGenerate(d *source.Decoder, p string, c *Case) {
	g := c.Generate
	gp := p + ".generate"
	if len(c.Turns) > 0 || len(c.HTTP) > 0 || !reflect.ValueOf(c.Setup).IsZero() || !reflect.ValueOf(c.Expect).IsZero() {
		d.At(p, "a generation case has no setup, turns, http or expect of its own: its expectations go in generate.expect")
	}
	if strings.TrimSpace(g.Description) == "" {
		d.Missing(gp+".description", "the description the flow is generated from")
	}
	if g.Lang != "" && g.Lang != "fr" && g.Lang != "en" {
		d.At(gp+".lang", "%q is not a flow language; use fr or en", g.Lang)
	}
	e := g.Expect
	if !e.Valid && !e.EndsOnEveryPath && len(e.Asks) == 0 && len(e.Actions) == 0 && len(e.Triggers) == 0 && len(e.Scenarios) == 0 {
		d.Missing(gp+".expect", "what the generated flow must be: valid, ends_on_every_path, asks, actions, triggers or scenarios")
	}
	for j, a := range e.Actions {
		if !contains(tools.Names(), a) {
			d.At(fmt.Sprintf("%s.expect.actions[%d]", gp, j), "%q is not an action; valid: %s", a, strings.Join(tools.Names(), ", "))
		}
	}
	names := map[string]int{}
	for j, sc := range e.Scenarios {
		sp := fmt.Sprintf("%s.expect.scenarios[%d]", gp, j)
		if sc.Name == "" {
			d.Missing(sp+".name", "every scenario needs a name, such as \"if the visitor chooses Coloration, ask the colour\"")
		} else if k, dup := names[sc.Name]; dup {
			d.At(sp+".name", "scenario %q is defined twice (also scenarios[%d])", sc.Name, k)
		}
		names[sc.Name] = j
		if sc.Asks == "" && sc.Reaches == "" {
			d.Missing(sp, "where the scenario leads: asks (a variable) or reaches (a node kind)")
		}
		if sc.Reaches != "" && !contains(dsl.Kinds, sc.Reaches) {
			d.At(sp+".reaches", "%q is not a node kind; use one of %s", sc.Reaches, strings.Join(dsl.Kinds, ", "))
		}
	}
}

// runGenerate runs a generation case once: the flow is generated on the
// trial's copy of the workspace, the model's traffic through tp.
func runGenerate(ctx context.Context, g *GenerateCase, model generate.Model, q store.Queries, wsID string, res *TrialResult) error {
	lang := g.Lang
	if lang == "" {
		lang = "fr"
	}
	var f *dsl.Flow
	if g.Offline {
		var err error
		if f, err = generate.Offline("", g.Description, lang); err != nil {
			res.Failures = append(res.Failures, Failure{Assertion: "generate", Expected: "a flow", Actual: err.Error()})
			return nil
		}
		res.Transcript = append(res.Transcript, "generated offline")
	} else {
		gen := &generate.Generator{Model: model, Store: q, WorkspaceID: wsID}
		r, err := gen.Generate(ctx, generate.Input{Description: g.Description, Lang: lang})
		var failed *generate.FailedError
		switch {
		case errors.As(err, &failed):
			res.Failures = append(res.Failures, Failure{Assertion: "generate", Expected: "a flow without problems",
				Actual: strings.Join(failed.Problems, "; ")})
			return nil
		case err != nil:
			return err
		}
		f = r.Flow
		res.Transcript = append(res.Transcript, fmt.Sprintf("generated with the model (response format %s, %d repair round(s))", r.Format, r.Repairs()))
	}
	res.Transcript = append(res.Transcript, fmt.Sprintf("flow %q (%s): %d nodes", f.ID, f.Name, len(f.Nodes)))
	fails, paths, err := checkGenerated(ctx, g.Expect, f, q, wsID)
	if err != nil {
		return err
	}
	for _, p := range paths {
		res.Transcript = append(res.Transcript, "   path: "+p.String())
	}
	res.Failures = append(res.Failures, fails...)
	return nil
}

// checkGenerated checks a generated flow against the expectations, one
// failure per unmet expectation.
func checkGenerated(ctx context.Context, e GenerateExpect, f *dsl.Flow, q store.Queries, wsID string) ([]Failure, []dsl.Path, error) {
	var out []Failure
	fail := func(assertion, expected, actual string) {
		out = append(out, Failure{Assertion: assertion, Expected: expected, Actual: actual})
	}
	if e.Valid {
		var problems []string
		_, err := dsl.Check("generated.json", f.JSON(), dsl.Options{})
		var ps source.Problems
		switch {
		case errors.As(err, &ps):
			for _, p := range ps {
				problems = append(problems, p.String())
			}
		case err != nil:
			problems = append(problems, err.Error())
		}
		if q != nil {
			wps, err := dsl.CheckWorkspace(ctx, q, wsID, f)
			if err != nil {
				return nil, nil, err
			}
			for _, p := range wps {
				problems = append(problems, p.String())
			}
		}
		if len(problems) > 0 {
			fail("valid", "no problem from the validator and the workspace", strings.Join(problems, "; "))
		}
	}
	prog, err := dsl.Compile(f, dsl.Options{})
	var paths []dsl.Path
	if err == nil {
		paths = prog.Paths(2)
	}
	kinds := map[string]dsl.Node{}
	for _, n := range f.Nodes {
		kinds[n.ID] = n
	}
	if e.EndsOnEveryPath {
		if dead := deadEnds(f); len(dead) > 0 {
			fail("ends_on_every_path", "every node leads to an end", "no end after "+strings.Join(dead, ", "))
		} else if err != nil {
			fail("ends_on_every_path", "a flow that compiles", err.Error())
		}
	}
	var asked, acted, words []string
	for _, n := range f.Nodes {
		switch n.Type {
		case dsl.KindQuestion, dsl.KindChoice:
			if v, _ := n.Data.Parameters["variable"].(string); v != "" {
				asked = append(asked, v)
			}
		case dsl.KindAction:
			if a, _ := n.Data.Parameters["action_type"].(string); a != "" {
				acted = append(acted, a)
			}
		}
	}
	for _, t := range f.Triggers {
		words = append(words, t.Keywords...)
	}
	for _, v := range e.Asks {
		if !slices.Contains(asked, v) {
			fail("asks "+v, "a question or a choice saving "+v, "asked: "+list(asked))
		}
	}
	for _, a := range e.Actions {
		if !slices.Contains(acted, a) {
			fail("actions "+a, "an action node taking "+a, "actions: "+list(acted))
		}
	}
	for _, w := range e.Triggers {
		if !slices.ContainsFunc(words, func(k string) bool { return suggest.Fold(k) == suggest.Fold(w) }) {
			fail("triggers "+w, "a trigger keyword "+w, "keywords: "+list(words))
		}
	}
	for _, sc := range e.Scenarios {
		if err != nil {
			fail("scenario "+sc.Name, "a path of the flow", "the flow does not compile: "+err.Error())
			continue
		}
		if !slices.ContainsFunc(paths, func(p dsl.Path) bool { return follows(p, sc, kinds) }) {
			fail("scenario "+sc.Name, scenarioString(sc), fmt.Sprintf("no such path among the flow's %d", len(paths)))
		}
	}
	return out, paths, nil
}

// follows says whether a path takes the scenario's options in order and
// then asks its variable or reaches its kind.
func follows(p dsl.Path, sc Scenario, nodes map[string]dsl.Node) bool {
	i := 0
	for ; i < len(p.Steps) && len(sc.Choose) > 0; i++ {
		if suggest.Fold(p.Steps[i].Way) == suggest.Fold(sc.Choose[0]) && p.Steps[i].Way != "" {
			sc.Choose = sc.Choose[1:]
		}
	}
	if len(sc.Choose) > 0 {
		return false
	}
	asks, reaches := sc.Asks == "", sc.Reaches == ""
	for _, st := range p.Steps[i:] {
		n := nodes[st.Node]
		if n.Type == sc.Reaches {
			reaches = true
		}
		if v, _ := n.Data.Parameters["variable"].(string); v == sc.Asks && (n.Type == dsl.KindQuestion || n.Type == dsl.KindChoice) {
			asks = true
		}
	}
	return asks && reaches
}

func scenarioString(sc Scenario) string {
	var parts []string
	if len(sc.Choose) > 0 {
		parts = append(parts, "choosing "+strings.Join(sc.Choose, " then "))
	}
	if sc.Asks != "" {
		parts = append(parts, "then asking "+sc.Asks)
	}
	if sc.Reaches != "" {
		parts = append(parts, "then reaching a "+sc.Reaches+" node")
	}
	return "a path " + strings.Join(parts, ", ")
}

// deadEnds lists the nodes from which no edge leads to an end node.
func deadEnds(f *dsl.Flow) []string {
	ok := map[string]bool{}
	for _, n := range f.Nodes {
		if n.Type == dsl.KindEnd {
			ok[n.ID] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, e := range f.Edges {
			if ok[e.Target] && !ok[e.Source] {
				ok[e.Source], changed = true, true
			}
		}
	}
	var dead []string
	for _, n := range f.Nodes {
		if !ok[n.ID] {
			dead = append(dead, n.ID)
		}
	}
	return dead
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// generationModel adapts the trial's model for generation.
var generationModel = conversation.FlowGenerator
