package dsl_test

import (
	"context"
	"fmt"

	"github.com/causerie/causerie/dsl"
)

// A flow is a JSON (or YAML) document of nodes and edges. Check validates
// it, Compile prepares it, and a Program walks it with an Env: here a
// Simulation, which executes no action; the Router runs flows against
// the store.
func Example() {
	src := `{
  "id": "rdv", "name": "Rendez-vous",
  "triggers": [{"keywords": ["rendez-vous"]}],
  "nodes": [
    {"id": "service", "type": "choice", "data": {"parameters": {
      "text": "Quel service ?", "options": ["Coupe", "Coloration"], "variable": "service"}}},
    {"id": "date", "type": "question", "data": {"parameters": {
      "text": "Quel jour ?", "variable": "date", "validation": "date"}}},
    {"id": "save", "type": "action", "data": {"parameters": {
      "action_type": "update_contact_fields", "fields": {"service": "{{service}}", "bookingdate": "{{date}}"}}}},
    {"id": "end", "type": "end", "data": {"parameters": {"text": "À bientôt le {{date}} pour votre {{service}} !"}}}
  ],
  "edges": [
    {"id": "e1", "source": "service", "sourceHandle": "Coupe", "target": "date"},
    {"id": "e2", "source": "service", "sourceHandle": "Coloration", "target": "date"},
    {"id": "e3", "source": "date", "target": "save"},
    {"id": "e4", "source": "save", "target": "end"}
  ]
}`
	f, err := dsl.Check("rdv.json", []byte(src), dsl.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := dsl.Compile(f, dsl.Options{})
	fmt.Println(p.Triggered("Je voudrais un rendez-vous"))

	env := &dsl.Simulation{Lang: "fr",
		OnSay: func(_ *dsl.Node, text string) { fmt.Println("bot:", text) },
		OnAct: func(n *dsl.Node, action string, args map[string]any) { fmt.Println("action:", action, args["fields"]) }}
	st := p.NewState("run_1")
	ctx := context.Background()
	_ = p.Start(ctx, env, st)
	for _, answer := range []string{"une coloration", "le 5 décembre", "05/12/2026"} {
		fmt.Println("visitor:", answer)
		_ = p.Resume(ctx, env, st, answer)
	}
	fmt.Println(st.Status, st.Trail)
	// Output:
	// true
	// bot: Quel service ?
	// 1. Coupe
	// 2. Coloration
	// visitor: une coloration
	// bot: Quel jour ?
	// visitor: le 5 décembre
	// bot: Je n'ai pas compris la date. Pouvez-vous l'écrire comme 05/12/2026 ?
	// visitor: 05/12/2026
	// action: update_contact_fields [map[field:bookingdate value:2026-12-05] map[field:service value:Coloration]]
	// bot: À bientôt le 2026-12-05 pour votre Coloration !
	// completed [service[Coloration] date save end]
}
