package conversation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/tools"
	"github.com/causerie/causerie/workspace"
)

// awardPoints is an action declared outside package tools, the way a
// program embedding Causerie adds its own: one struct, one registration.
const awardPoints = "award_points"

type pointsArgs struct {
	Points int    `json:"points" jsonschema:"required,minimum=1,maximum=500" jsonschema_description:"How many loyalty points to award."`
	Reason string `json:"reason" jsonschema_description:"Why, in a few words."`
}

func init() {
	tools.Register(&tools.Action{
		Name:         awardPoints,
		Description:  "Award loyalty points to the contact.",
		Args:         pointsArgs{},
		NeedsContact: true,
		Run: func(ctx context.Context, x *tools.Exec) tools.Result {
			var a pointsArgs
			if err := x.Args(&a); err != nil {
				return tools.Fail(tools.CodeInvalidArguments, err.Error())
			}
			reason, err := tools.Render(a.Reason, x.Vars(ctx), tools.EscapeNone)
			if err != nil {
				return tools.Fail(tools.CodeInvalidArguments, "reason: "+err.Error())
			}
			x.Emit("loyalty.awarded", map[string]any{"contact_id": x.Contact.ID, "points": a.Points, "reason": reason})
			return tools.Ok(fmt.Sprintf("%d points awarded", a.Points), nil)
		},
	})
}

// An action registered from another package is offered to the model with
// its generated schema, executed when the model calls it, validated in
// flows (its bounds from its struct tags, seed 004's numbers-as-text
// accepted) and run by an applied flow.
func TestActionRegisteredOutsideTools(t *testing.T) {
	t.Parallel()
	var schema struct {
		Properties map[string]map[string]any `json:"properties"`
		Required   []string                  `json:"required"`
	}
	if err := json.Unmarshal(tools.Named(awardPoints).Schema(), &schema); err != nil {
		t.Fatal(err)
	}
	if p := schema.Properties["points"]; p["type"] != "integer" || p["minimum"] != 1.0 || p["maximum"] != 500.0 {
		t.Errorf("generated schema of points = %v, want an integer from 1 to 500", p)
	}
	if !slices.Equal(schema.Required, []string{"points"}) {
		t.Errorf("required = %v, want [points]", schema.Required)
	}
	if !slices.Contains(tools.Names(), awardPoints) {
		t.Errorf("tools.Names() = %v lacks %s", tools.Names(), awardPoints)
	}

	s := storetest.OpenSQLite(t)
	srv := agenttest.New(t, agenttest.Step{ToolCalls: []agenttest.ToolCall{
		agenttest.Call(awardPoints, `{"points": 20, "reason": "anniversaire"}`),
	}}, agenttest.Step{Reply: "C'est fait, 20 points vous attendent."})
	e := newEnvEdited(t, s, srv, func(f *workspace.File) {
		f.AIAgents[0].Actions = append(f.AIAgents[0].Actions, awardPoints)
	})

	// The model is offered the action and calls it.
	e.send("C'est mon anniversaire !")
	reqs := srv.Requests()
	if len(reqs) == 0 || !slices.Contains(reqs[0].ToolNames(), awardPoints) {
		t.Fatalf("the model was not offered %s: %v", awardPoints, reqs)
	}
	if got := e.events("loyalty.awarded"); len(got) != 1 || !strings.Contains(string(got[0].Payload), `"points":20`) {
		t.Fatalf("loyalty.awarded events = %v, want one of 20 points", got)
	}

	// A flow that uses it: checked against the declaration…
	flow := func(points string) []byte {
		return fmt.Appendf(nil, `{"id": "fidelite", "name": "Fidélité", "triggers": [{"keywords": ["fidélité"]}],
  "nodes": [
    {"id": "points", "type": "action", "position": {"x": 0, "y": 0},
     "data": {"label": "Points", "parameters": {"action_type": "award_points", "points": %q, "reason": "programme fidélité"}}},
    {"id": "merci", "type": "message", "position": {"x": 200, "y": 0}, "data": {"label": "Merci", "parameters": {"text": "Points ajoutés !"}}},
    {"id": "fin", "type": "end", "position": {"x": 400, "y": 0}, "data": {"label": "Fin"}}
  ],
  "edges": [{"id": "e1", "source": "points", "target": "merci"}, {"id": "e2", "source": "merci", "target": "fin"}]}`, points)
	}
	_, err := dsl.Check("fidelite.json", flow("900"), dsl.Options{})
	if err == nil || !strings.Contains(err.Error(), "points") || !strings.Contains(err.Error(), "500") {
		t.Fatalf("a flow awarding 900 points: err = %v, want a problem at points naming the maximum 500", err)
	}
	f, err := dsl.Check("fidelite.json", flow("50"), dsl.Options{})
	if err != nil {
		t.Fatalf("a valid flow using %s: %v", awardPoints, err)
	}
	// …applied, and run: "50" is written as text, as seed 004 does.
	if _, _, err := dsl.Apply(context.Background(), s, e.Workspace.ID, f); err != nil {
		t.Fatal(err)
	}
	out := e.send("je veux mes points fidélité")
	if out.Via != "flow:fidelite" {
		t.Fatalf("handled via %q, want the flow", out.Via)
	}
	got := e.events("loyalty.awarded")
	if len(got) != 2 || !strings.Contains(string(got[1].Payload), `"points":50`) {
		t.Fatalf("loyalty.awarded events after the flow = %v, want a second one of 50 points", payloads(got))
	}
}

func payloads(evs []*store.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Payload)
	}
	return out
}
