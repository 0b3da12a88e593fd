package evals_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/evals"
)

var update = flag.Bool("update", false, "record the example suites' cassettes again, against the scripted model")

var exampleSuites = []string{"../examples/salon/evals/salon.yaml", "../examples/support/evals/support.yaml", "../examples/salon/evals/flows.yaml",
	"../examples/salon/evals/generation.yaml"}

func call(name, args string) agenttest.ToolCall { return agenttest.Call(name, args) }

func calls(cs ...agenttest.ToolCall) agenttest.Step { return agenttest.Step{ToolCalls: cs} }

func reply(text string) agenttest.Step { return agenttest.Step{Reply: text} }

// exampleScript is what the model answers, in case order, when the
// example cassettes are recorded with -update. No model endpoint is
// reachable where the project is built, so the examples were recorded
// against this scripted OpenAI-compatible server through the real client;
// record them against a real model with `causerie eval --record`.
func exampleScript() []agenttest.Step {
	return []agenttest.Step{
		// Salon: prix d'une coloration
		calls(call("search_knowledge", `{"query":"prix coloration complète"}`)),
		reply("Une coloration complète coûte 60 € [1]. Souhaitez-vous prendre rendez-vous ?"),
		// réservation complète
		calls(call("update_contact_fields", `{"fields":[{"field":"service","value":"Coupe"},{"field":"bookingdate","value":"2026-12-05"},{"field":"bookingtime","value":"14h30"}]}`),
			call("tag_contact", `{"tag":"nouveau-client"}`)),
		reply("Merci pour ta réservation. Nous sommes impatients de te voir le $contact.bookingdate à $contact.bookingtime."),
		// emploi du temps
		calls(call("assign", `{"team":"Équipe de Planification","method":"round_robin"}`)),
		// intérêt confirmé
		calls(call("update_lifecycle_stage", `{"stage":"Lead Qualifié"}`),
			call("create_task", `{"title":"Rappeler Inès pour son projet de balayage","assignation":"Commercial","priorite":"haute"}`)),
		reply("C'est noté ! Notre équipe commerciale vous rappellera très vite."),
		// fermeture
		calls(call("close_conversation", `{"closing_note":"Problème Résolu"}`)),
		reply(`{"summary":"La cliente voulait savoir si le salon ouvre le lundi ; il est fermé le dimanche et le lundi.","closing_note":""}`),
		reply("Merci à vous et bonne journée !"),
		reply(`{"pass": true, "reason": "The agent closed only after the contact said she had no more questions and said goodbye in French."}`),
		// désassignation
		calls(call("unassign", `{}`)),
		// message vocal
		{Transcript: "Bonjour, je voudrais prendre rendez-vous pour une coloration."},
		calls(call("update_contact_fields", `{"fields":[{"field":"service","value":"Coloration"}]}`)),
		reply("Avec plaisir ! Quel jour vous conviendrait ?"),

		// Support: pricing → Sales
		{Reply: "The Team plan costs $12 per seat per month billed annually [1]. I'm connecting you with Sales for the demo.",
			ToolCalls: []agenttest.ToolCall{call("assign", `{"team":"Sales"}`)}},
		// refund → Billing
		calls(call("assign", `{"team":"Billing","method":"least_open"}`)),
		// outage → status API
		calls(call("http_request", `{"http_method":"GET","url":"https://status.acme.example/api/v2/status.json","content_type":"json"}`)),
		reply("Our status page reports: Partial outage of file uploads. The team is on it."),
		// invoice copy
		calls(call("send_email", `{"to":"billing@acme.example","subject":"Invoice copy for {{contact.email}}","body":"The customer asks for a copy of their March invoice."}`)),
		reply("I've asked our Billing team: they will email you a copy of your March invoice shortly."),
		// CRM
		calls(call("update_contact_fields", `{"fields":[{"field":"company","value":"Globex"},{"field":"email","value":"dana@example.org"}]}`),
			call("crm_upsert", `{"crm_champ_email":"email","crm_champ_telephone":"phone"}`)),
		reply("Done! We'll keep you posted at dana@example.org."),
		// incident
		calls(call("update_contact_fields", `{"fields":[{"field":"company","value":"Initech"}]}`),
			call("tag_contact", `{"tag":"incident"}`), call("assign", `{"team":"Support"}`)),
		// demo → Qualified
		calls(call("update_lifecycle_stage", `{"stage":"Qualified"}`)),
		reply("Great, I've noted your interest: our team will schedule the demo with you."),

		// Generation: the model's draft of a booking flow (Finish adds the
		// exits and the layout).
		reply(generationDraft),
	}
}

// generationDraft is the flow the scripted model drafts for the salon's
// generation suite.
const generationDraft = `{"id": "rendez-vous-coiffure", "name": "Rendez-vous coiffure",
 "triggers": [{"keywords": ["rendez-vous", "réserver"]}],
 "nodes": [
  {"id": "service", "type": "choice", "data": {"label": "Quel service ?", "parameters": {
    "text": "Quel service souhaitez-vous ?", "options": ["Coupe", "Coloration"], "variable": "service"}}},
  {"id": "couleur", "type": "question", "data": {"label": "Demander la couleur", "parameters": {
    "text": "Quelle couleur souhaitez-vous ?", "variable": "couleur"}}},
  {"id": "date", "type": "question", "data": {"label": "Demander la date", "parameters": {
    "text": "Quel jour vous conviendrait ? (par exemple 05/12/2026)", "variable": "date", "validation": "date"}}},
  {"id": "notifier", "type": "action", "data": {"label": "Prévenir l'équipe", "parameters": {
    "action_type": "send_email", "to": "planning@salon-elegance.fr",
    "subject": "Nouveau rendez-vous : {{service}} le {{date}}", "body": "{{contact.name}} : {{service}} {{couleur}} le {{date}}."}}},
  {"id": "confirmer", "type": "end", "data": {"label": "Confirmer", "parameters": {
    "text": "Merci ! Votre rendez-vous du {{date}} est bien noté."}}}
 ],
 "edges": [
  {"source": "service", "sourceHandle": "Coupe", "target": "date"},
  {"source": "service", "sourceHandle": "Coloration", "target": "couleur"},
  {"source": "couleur", "target": "date"},
  {"source": "date", "target": "notifier"},
  {"source": "notifier", "target": "confirmer"}
 ]}`

func loadExamples(t testing.TB) []*evals.Suite {
	t.Helper()
	var suites []*evals.Suite
	for _, p := range exampleSuites {
		s, err := evals.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		suites = append(suites, s)
	}
	return suites
}

// The example suites pass in replay mode, from their committed cassettes,
// and together cover every action of the catalogue.
func TestExampleSuites(t *testing.T) {
	t.Parallel()
	if *update {
		srv := agenttest.New(t, exampleScript()...)
		rep, err := evals.Run(ctx, loadExamples(t), evals.Options{Mode: evals.Record, Parallel: 1, Model: agent.OpenAIConfig{BaseURL: srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed() > 0 || srv.Remaining() != 0 {
			t.Fatalf("recording failed (%d steps left):\n%s", srv.Remaining(), report(rep))
		}
	}
	rep, err := evals.Run(ctx, loadExamples(t), evals.Options{Mode: evals.Replay})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() > 0 {
		t.Fatalf("example suites fail in replay:\n%s", report(rep))
	}
	used := map[string]bool{}
	for _, s := range rep.Suites {
		for _, c := range s.Cases {
			for _, line := range c.Trials[0].Transcript {
				for _, name := range []string{"close_conversation", "assign", "unassign", "update_contact_fields",
					"update_lifecycle_stage", "tag_contact", "http_request", "crm_upsert", "create_task", "send_email", "search_knowledge"} {
					if len(line) > 3+len(name) && line[3:3+len(name)+1] == name+" " {
						used[name] = true
					}
				}
			}
		}
	}
	if len(used) != 11 {
		t.Errorf("the example suites use %d of the 11 actions: %v", len(used), used)
	}
}

// A deliberately broken flow (the booking step saves the time as the
// date) makes the right case fail, with a readable difference, and
// leaves the others passing.
func TestBrokenFlowFailsWithDiffs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flow, err := os.ReadFile("../examples/salon/flows/prise-de-rendez-vous.json")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(flow), `"bookingdate": "{{date}}"`, `"bookingdate": "{{heure}}"`, 1)
	if broken == string(flow) {
		t.Fatal("the flow no longer saves bookingdate from {{date}}: update this test")
	}
	os.WriteFile(filepath.Join(dir, "flow.json"), []byte(broken), 0o644)
	suite, _ := os.ReadFile("../examples/salon/evals/flows.yaml")
	ws, _ := filepath.Abs("../examples/salon/workspace.yaml")
	text := strings.Replace(string(suite), "workspace: ../workspace.yaml", "workspace: "+ws, 1)
	text = strings.Replace(text, "flows: [../flows/prise-de-rendez-vous.json]", "flows: [flow.json]", 1)
	os.WriteFile(filepath.Join(dir, "flows.yaml"), []byte(text), 0o644)
	// No model is involved: replay from (empty) cassettes recorded here.
	s, err := evals.Load(filepath.Join(dir, "flows.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srv := agenttest.New(t)
	rep, err := evals.Run(ctx, []*evals.Suite{s}, evals.Options{Mode: evals.Live, Model: agent.OpenAIConfig{BaseURL: srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range rep.Suites[0].Cases {
		if !c.Passed() {
			failed = append(failed, c.Name)
		}
	}
	if !slices.Equal(failed, []string{"coupe, de bout en bout", "coloration, avec étiquette"}) {
		t.Fatalf("failed cases: %v\n%s", failed, report(rep))
	}
	out := report(rep)
	if !strings.Contains(out, "state.contact.fields.bookingdate\n      expected: \"2026-12-05\"\n      actual:   ") {
		t.Errorf("no readable difference on bookingdate:\n%s", out)
	}
}
