package generate_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

const (
	salonWS   = "../../examples/salon/workspace.yaml"
	supportWS = "../../examples/support/workspace.yaml"
)

// question is what a test expects of a question or choice node.
type question struct{ variable, validation string }

var offlineCases = []struct {
	file, name, lang string
	workspace        string // the reference check's workspace
	triggers         []string
	questions        map[string]question // node id → variable, validation ("choice" for a choice)
	actions          []string            // action types, in node order
	trails           []string
}{
	{file: "rendez-vous.fr.txt", lang: "fr", workspace: salonWS,
		triggers: []string{"rendez-vous", "réserver", "planifier"},
		questions: map[string]question{"service": {"service", "text"}, "nom": {"nom", "text"}, "email": {"email", "email"},
			"telephone": {"telephone", "phone"}, "date": {"date", "date"}},
		actions: []string{"send_email"},
		trails: []string{
			"service nom email telephone date notification-courriel-equipe confirmer-demande",
			"service nom email telephone date[error] sortie",
			"service nom email telephone[error] sortie",
			"service nom email[error] sortie",
			"service nom[error] sortie",
			"service[error] sortie",
		}},
	{file: "rendez-vous.en.txt", lang: "en", workspace: salonWS,
		triggers: []string{"appointment", "book", "schedule"},
		questions: map[string]question{"service": {"service", "text"}, "name": {"name", "text"}, "email": {"email", "email"},
			"phone": {"phone", "phone"}, "date": {"date", "date"}},
		actions: []string{"send_email"},
		trails: []string{
			"service name email phone date email-notification-team confirm-request",
			"service name email phone date[error] exit",
			"service name email phone[error] exit",
			"service name email[error] exit",
			"service name[error] exit",
			"service[error] exit",
		}},
	{file: "prospects.fr.txt", lang: "fr", workspace: salonWS,
		triggers: []string{"tarifs", "soumission", "intéressé"},
		questions: map[string]question{"taille-entreprise": {"taille_entreprise", "text"}, "budget": {"budget", "text"},
			"echeancier": {"echeancier", "text"}, "email": {"email", "email"}, "telephone": {"telephone", "phone"}},
		actions: []string{"crm_upsert"},
		trails: []string{
			"taille-entreprise budget echeancier email telephone envoyer-prospect-qualifie fin",
			"taille-entreprise budget echeancier email telephone[error] sortie",
			"taille-entreprise budget echeancier email[error] sortie",
			"taille-entreprise budget echeancier[error] sortie",
			"taille-entreprise budget[error] sortie",
			"taille-entreprise[error] sortie",
		}},
	{file: "prospects.en.txt", lang: "en", workspace: supportWS,
		triggers: []string{"pricing", "quote", "interested"},
		questions: map[string]question{"size-company": {"size_company", "text"}, "budget": {"budget", "text"},
			"timeline": {"timeline", "text"}, "email": {"email", "email"}, "phone": {"phone", "phone"}},
		actions: []string{"crm_upsert"},
		trails: []string{
			"size-company budget timeline email phone send-qualified-lead end",
			"size-company budget timeline email phone[error] exit",
			"size-company budget timeline email[error] exit",
			"size-company budget timeline[error] exit",
			"size-company budget[error] exit",
			"size-company[error] exit",
		}},
	// The salon has no support team: support triage is checked against
	// the support workspace, whose team is "Support".
	{file: "support.fr.txt", lang: "fr", workspace: supportWS,
		triggers:  []string{"problème", "aide", "souci"},
		questions: map[string]question{"produit": {"produit", "text"}, "probleme": {"probleme", "text"}, "connect": {"connect", "choice"}},
		actions:   []string{"handoff:Support"},
		trails: []string{
			"produit probleme fournir-depannage-pertinent connect[Oui] offrir-connecter-equipe fin-2",
			"produit probleme fournir-depannage-pertinent connect[Non] fin",
			"produit probleme fournir-depannage-pertinent connect[error] sortie",
			"produit probleme[error] sortie",
			"produit[error] sortie",
		}},
	{file: "support.en.txt", lang: "en", workspace: supportWS,
		triggers:  []string{"problem", "help", "issue"},
		questions: map[string]question{"product": {"product", "text"}, "problem": {"problem", "text"}, "connect": {"connect", "choice"}},
		actions:   []string{"handoff:Support"},
		trails: []string{
			"product problem provide-relevant-troubleshooting connect[Yes] offer-connect-support end-2",
			"product problem provide-relevant-troubleshooting connect[No] end",
			"product problem provide-relevant-troubleshooting connect[error] exit",
			"product problem[error] exit",
			"product[error] exit",
		}},
	{file: "salon.mmd", name: "Prise de rendez-vous", lang: "fr", workspace: salonWS,
		triggers: []string{"prise de rendez-vous"},
		questions: map[string]question{"service": {"service", "choice"}, "details": {"details", "text"},
			"couleur": {"couleur", "text"}, "date": {"date", "date"}},
		trails: []string{
			"accueil service[Coupe] details date confirmer-fin",
			"accueil service[Coupe] details date[error] sortie",
			"accueil service[Coupe] details[error] sortie",
			"accueil service[Coloration] couleur date confirmer-fin",
			"accueil service[Coloration] couleur date[error] sortie",
			"accueil service[Coloration] couleur[error] sortie",
			"accueil service[error] sortie",
		}},
}

func read(t testing.TB, file string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Seed 001's three example flows and its Mermaid salon graph generate
// offline into valid flows that name only what their workspace has, whose
// paths, questions, actions and triggers are the description's.
func TestOffline(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	wsID := map[string]string{}
	for _, path := range []string{salonWS, supportWS} {
		wf, err := workspace.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		res, err := workspace.Apply(ctx, s, wf, workspace.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		wsID[path] = res.Workspace.ID
	}
	for _, c := range offlineCases {
		t.Run(c.file, func(t *testing.T) {
			f, err := generate.Offline(c.name, read(t, c.file), "")
			if err != nil {
				t.Fatal(err)
			}
			// As the CLI reads it: the validator passes on the JSON.
			if _, err := dsl.Check(c.file+".json", f.JSON(), dsl.Options{Production: true}); err != nil {
				t.Fatal(err)
			}
			p, err := dsl.Compile(f, dsl.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := dsl.CheckWorkspace(ctx, s, wsID[c.workspace], f)
			if err != nil || len(ps) > 0 {
				t.Fatalf("reference check: %v %v", err, ps)
			}
			if got := trails(p); !slices.Equal(got, c.trails) {
				t.Errorf("trails:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.trails, "\n"))
			}
			if len(f.Triggers) != 1 || !slices.Equal(f.Triggers[0].Keywords, c.triggers) {
				t.Errorf("triggers %+v, want %v", f.Triggers, c.triggers)
			}
			var actions []string
			got := map[string]question{}
			for _, n := range f.Nodes {
				pp := n.Data.Parameters
				switch n.Type {
				case dsl.KindQuestion:
					v, _ := pp["validation"].(string)
					got[n.ID] = question{pp["variable"].(string), cmp(v, "text")}
				case dsl.KindChoice:
					got[n.ID] = question{pp["variable"].(string), "choice"}
				case dsl.KindAction:
					actions = append(actions, pp["action_type"].(string))
				case dsl.KindHandoff:
					actions = append(actions, "handoff:"+pp["team"].(string))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.questions) {
				t.Errorf("questions %v, want %v", got, c.questions)
			}
			if !slices.Equal(actions, c.actions) {
				t.Errorf("actions %v, want %v", actions, c.actions)
			}
			if f.Name == "" || f.ID == "" {
				t.Errorf("no name or id: %q %q", f.Name, f.ID)
			}
			overlaps(t, f)
			// Finished already: Finish changes nothing.
			before := string(f.JSON())
			if err := generate.Finish(f, generate.FinishOptions{Lang: c.lang}); err != nil || string(f.JSON()) != before {
				t.Errorf("Finish changed a generated flow (%v)", err)
			}
		})
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// shape is a flow's paths with node kinds for ids and option numbers for
// option labels: what French and English variants share.
func shape(t *testing.T, f *dsl.Flow) []string {
	t.Helper()
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]dsl.Node{}
	for _, n := range f.Nodes {
		at[n.ID] = n
	}
	var out []string
	for _, path := range p.Paths(2) {
		var b strings.Builder
		for _, st := range path.Steps {
			n := at[st.Node]
			b.WriteString(n.Type)
			if opts, ok := n.Data.Parameters["options"].([]any); ok && st.Way != dsl.HandleError {
				fmt.Fprintf(&b, "[%d]", slices.Index(opts, any(st.Way)))
			} else if st.Way != "" {
				fmt.Fprintf(&b, "[%s]", st.Way)
			}
			if n.Type == dsl.KindQuestion {
				fmt.Fprintf(&b, "(%v)", n.Data.Parameters["validation"])
			}
			b.WriteString(" ")
		}
		out = append(out, b.String())
	}
	return out
}

// French and English variants of a description give the same graph.
func TestOfflineLanguagesSameShape(t *testing.T) {
	for _, base := range []string{"rendez-vous", "prospects", "support"} {
		fr, err := generate.Offline("", read(t, base+".fr.txt"), "fr")
		if err != nil {
			t.Fatal(err)
		}
		en, err := generate.Offline("", read(t, base+".en.txt"), "en")
		if err != nil {
			t.Fatal(err)
		}
		if a, b := shape(t, fr), shape(t, en); !slices.Equal(a, b) {
			t.Errorf("%s: French and English shapes differ:\n%s\n---\n%s", base, strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	}
}

// Options after a colon make a choice; the language is told from the
// text; a bare numbered list works.
func TestOfflineChoiceAndActions(t *testing.T) {
	src := `1. Demander quel service : Coupe ou Coloration
2. Demander votre courriel
3. Taguer le contact « coloration »
4. Assigner à l'Équipe de Planification
5. Remercier le visiteur`
	f, err := generate.Offline("Réservation", src, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := dsl.Compile(f, dsl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"service[Coupe] email taguer-contact-coloration assigner-equipe-planification remercier-visiteur",
		"service[Coupe] email[error] sortie",
		"service[Coloration] email taguer-contact-coloration assigner-equipe-planification remercier-visiteur",
		"service[Coloration] email[error] sortie",
		"service[error] sortie",
	}
	if got := trails(p); !slices.Equal(got, want) {
		t.Errorf("trails:\n%s", strings.Join(got, "\n"))
	}
	params := map[string]map[string]any{}
	for _, n := range f.Nodes {
		params[n.ID] = n.Data.Parameters
	}
	if params["email"]["validation"] != "email" || params["taguer-contact-coloration"]["tag"] != "coloration" ||
		params["assigner-equipe-planification"]["team"] != "Équipe de Planification" {
		t.Errorf("params %v", params)
	}
	if len(f.Triggers) != 1 || f.Triggers[0].Keywords[0] != "réservation" {
		t.Errorf("triggers from the name: %+v", f.Triggers)
	}
}

// A line the generator cannot map is a problem at its line that says why
// and points to the model path.
func TestOfflineUnmappable(t *testing.T) {
	for _, c := range []struct {
		src   string
		lines []int
		says  string
	}{
		{read(t, "unmappable.fr.txt"), []int{3, 4}, "cannot"},
		{"graph TD\nA[Accueil] --> B{Quel service ?}\nB --> C[Coupe]\nB --> D[Coloration]\n", []int{2}, "label each"},
		{"graph TD\nA[Accueil] ==x B\n", []int{2}, "Mermaid edge"},
		{"Titre\n- Déclencheur : \n", []int{2}, "no keyword"},
	} {
		_, err := generate.Offline("t", c.src, "")
		ps, ok := err.(source.Problems)
		if !ok || len(ps) != len(c.lines) {
			t.Fatalf("%q: %v, want %d problems", c.src, err, len(c.lines))
		}
		for i, p := range ps {
			if p.Line != c.lines[i] || !strings.Contains(p.Message, c.says) && i == 0 || !strings.Contains(p.Message, "causerie flow generate") {
				t.Errorf("problem %d: %s", i, p)
			}
		}
	}
}

// BenchmarkOffline measures offline generation (parse, map, Finish and
// its validation) per description.
func BenchmarkOffline(b *testing.B) {
	for _, c := range offlineCases {
		src := read(b, c.file)
		b.Run(c.file, func(b *testing.B) {
			for b.Loop() {
				if _, err := generate.Offline(c.name, src, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
