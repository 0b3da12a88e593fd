package workspace_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

var ctx = context.Background()

var examples = []string{"../examples/salon/workspace.yaml", "../examples/support/workspace.yaml"}

func problems(t *testing.T, src string) source.Problems {
	t.Helper()
	_, err := workspace.Parse("ws.yaml", []byte(src))
	var ps source.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse = %v, want Problems", err)
	}
	return ps
}

// Each mistake a new user makes gets exactly one message naming the
// place, the field path and what would be valid.
func TestParseNewUserMistakes(t *testing.T) {
	t.Parallel()
	const head = "workspace:\n  slug: salon\n  name: Salon\n"
	for _, tc := range []struct {
		name, src string
		want      string // the whole message
	}{
		{
			name: "wrong indentation",
			src:  head + "users:\n  - email: marie@salon.fr\n    name: Marie\n   availability: available\n",
			want: `ws.yaml:7:4: invalid YAML: value is not allowed in this context (check the indentation: keys of one mapping line up, nested ones are indented further with spaces, and list items start with "- ")`,
		},
		{
			name: "unknown key",
			src:  head + "users:\n  - email: marie@salon.fr\n    nom: Marie\n",
			want: `ws.yaml:6:5: users[0].nom: unknown key "nom" (did you mean "name"?) (valid: email, name, availability)`,
		},
		{
			name: "misspelt key",
			src:  head + "teams:\n  - name: Ventes\n    member: []\n",
			want: `ws.yaml:6:5: teams[0].member: unknown key "member" (did you mean "members"?) (valid: name, members)`,
		},
		{
			name: "team member who is not a user",
			src:  head + "users:\n  - {email: marie@salon.fr, name: Marie}\nteams:\n  - name: Ventes\n    members: [marie@salon.fr, marie@salon.com]\n",
			want: `ws.yaml:8:31: teams[0].members[1]: "marie@salon.com" is not a user email of this workspace (did you mean "marie@salon.fr"?); valid: "marie@salon.fr"`,
		},
		{
			name: "two fields with one id",
			src:  head + "contact_fields:\n  - {id: budget, name: Budget, type: number}\n  - {id: budget, name: Budget max, type: number}\n",
			want: `ws.yaml:6:10: contact_fields[1].id: field id "budget" is defined twice (also at contact_fields[0].id); ids must be unique`,
		},
		{
			name: "bad field type",
			src:  head + "contact_fields:\n  - id: budget\n    name: Budget\n    type: numeric\n",
			want: `ws.yaml:7:11: contact_fields[0].type: "numeric" is not a field type (did you mean "number"?); use one of text, number, email, phone, date, select`,
		},
		{
			name: "stage referenced but not defined",
			src:  "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    default_lifecycle_stage: Prospect\nlifecycle_stages: [Nouveau Lead, Client]\n",
			want: `ws.yaml:5:30: workspace.settings.default_lifecycle_stage: "Prospect" is not a lifecycle stage of this workspace; valid: "Client", "Nouveau Lead"`,
		},
		{
			name: "a list where a mapping is expected",
			src:  "workspace: [salon]\n",
			want: `ws.yaml:1:12: workspace: expected a mapping (slug, name, language, settings), got a list`,
		},
		{
			name: "a text where a list is expected",
			src:  head + "lifecycle_stages: Client\n",
			want: `ws.yaml:4:19: lifecycle_stages: expected a list of texts, got the text "Client"`,
		},
		{
			name: "unknown action",
			src:  head + "ai_agents:\n  - name: Bot\n    instructions: Aide.\n    actions: [close]\n",
			want: `ws.yaml:7:15: ai_agents[0].actions[0]: "close" is not an action; valid actions: close_conversation, assign, unassign, update_contact_fields, update_lifecycle_stage, tag_contact, http_request, crm_upsert, create_task, send_email, search_knowledge`,
		},
		{
			name: "a widget origin with a path",
			src:  "workspace:\n  slug: s\n  name: S\n  settings:\n    widget_origins: [https://salon.fr/contact]\n",
			want: `ws.yaml:5:22: workspace.settings.widget_origins[0]: "https://salon.fr/contact" is not a web origin; write the scheme and host (and port) of the site, e.g. https://salon.fr or http://localhost:3000`,
		},
		{
			name: "a short identity secret",
			src:  "workspace:\n  slug: s\n  name: S\n  settings:\n    identity_secret: abc\n",
			want: `ws.yaml:5:22: workspace.settings.identity_secret: the identity secret is 3 characters long; use at least 16 random characters (or env:NAME to read it from the environment)`,
		},
		{
			name: "an action only humans take",
			src:  head + "ai_agents:\n  - name: Bot\n    instructions: Aide.\n    actions: [reopen_conversation]\n",
			want: `ws.yaml:7:15: ai_agents[0].actions[0]: "reopen_conversation" is an action only human agents take (from the inbox); an AI agent cannot be given it; valid actions: close_conversation, assign, unassign, update_contact_fields, update_lifecycle_stage, tag_contact, http_request, crm_upsert, create_task, send_email, search_knowledge`,
		},
		{
			name: "temperature above seed 004's range",
			src:  head + "ai_agents:\n  - name: Bot\n    instructions: Aide.\n    model: {temperature: 1.5}\n",
			want: `ws.yaml:7:26: ai_agents[0].model.temperature: 1.5 is out of range; use a number from 0 to 1 (lower is steadier)`,
		},
		{
			name: "too many output tokens",
			src:  head + "ai_agents:\n  - name: Bot\n    instructions: Aide.\n    model: {max_output_tokens: 4000}\n",
			want: `ws.yaml:7:32: ai_agents[0].model.max_output_tokens: 4000 is more than the maximum of 2000 tokens; use 2000 or less`,
		},
		{
			name: "a custom field with a reserved id",
			src:  head + "contact_fields:\n  - {id: email, name: E-mail pro, type: email}\n",
			want: `ws.yaml:5:10: contact_fields[0].id: "email" is the contact's own attribute ($contact.email), so a custom field with that id would never be read; use another id (e.g. email_2, or work_email); reserved ids: id, name, email, phone, lifecycle_stage`,
		},
		{
			name: "unknown fallback team",
			src:  "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    fallback_team: Ventes\nteams:\n  - name: Équipe des Ventes\n",
			want: `ws.yaml:5:20: workspace.settings.fallback_team: "Ventes" is not a team of this workspace; valid: "Équipe des Ventes"`,
		},
		{
			name: "fallback message for a bad language code",
			src:  "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    fallback_messages:\n      french: Un instant.\n",
			want: `ws.yaml:6:15: workspace.settings.fallback_messages.french: "french" is not a language code; use a two-letter code such as fr or en`,
		},
		{
			name: "a rule action's value outside its enum",
			src:  head + "response_rules:\n  - name: Devis\n    keywords: [devis]\n    reply: On vous rappelle.\n    actions:\n      - action: create_task\n        args: {title: Rappeler, priorite: urgente}\n",
			want: `ws.yaml:10:9: response_rules[0].actions[0].args.priorite: "urgente" is not a valid priorite; valid: haute, normale, basse`,
		},
		{
			name: "a rule action naming nobody of the workspace",
			src:  head + "teams:\n  - name: Ventes\nresponse_rules:\n  - name: Devis\n    keywords: [devis]\n    reply: On vous rappelle.\n    actions:\n      - action: create_task\n        args: {title: Rappeler, assignation: Commerciale}\n",
			want: `ws.yaml:12:9: response_rules[0].actions[0].args.assignation: "Commerciale" is not a user or team of this workspace; valid: "Ventes"`,
		},
		{
			name: "an e-mail recipient that is neither an address nor a domain",
			src:  "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    email_recipients: [\"planning@\"]\n",
			want: `ws.yaml:5:24: workspace.settings.email_recipients[0]: "planning@" is neither an e-mail address (planning@salon.fr) nor a domain written @salon.fr`,
		},
		{
			name: "a named HTTP action naming an undeclared parameter",
			src:  "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    http_actions:\n      - name: check_order\n        description: Statut d'une commande.\n        method: GET\n        url: https://api.example.com/orders/{{order}}\n        parameters: [{name: order_id}]\n",
			want: `ws.yaml:9:14: workspace.settings.http_actions[0].url: {{order}} is neither a declared parameter (order_id) nor contact, conversation or workspace`,
		},
		{
			name: "missing slug",
			src:  "workspace:\n  name: Salon\n",
			want: "ws.yaml:1:1: workspace.slug: missing: every workspace file needs `workspace.slug` (lower-case letters, digits and dashes), its key in the store",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := problems(t, tc.src)
			if len(ps) != 1 || ps[0].String() != tc.want {
				t.Errorf("got %d problems:\n%v\nwant exactly:\n%s", len(ps), ps, tc.want)
			}
		})
	}
}

// Every problem of a file is reported in one go, in file order.
func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	ps := problems(t, `workspace:
  slug: Salon Élégance
  name: Salon
users:
  - email: marie@salon.fr
    name: Marie
    availabilty: away
  - email: not-an-email
    name: Luc
    availability: busy
teams:
  - name: Ventes
    members: [marie@salon.fr, paul@salon.fr]
  - name: ventes
    members: marie@salon.fr
ai_agents:
  - name: Bot
    instructions: ""
    model: {temperature: 3}
    knowledge_bases: [FAQ]
contact_fields:
  - {id: 2budget, name: Budget, type: select}
  - {id: ville, name: Ville, type: text, options: [Paris]}
closing_notes: [Résolu, résolu]
colour: blue
`)
	var paths []string
	for _, p := range ps {
		paths = append(paths, p.Path)
	}
	want := []string{
		"workspace.slug", "users[0].availabilty", "users[1].email", "users[1].availability",
		"teams[0].members[1]", "teams[1].name", "teams[1].members",
		"ai_agents[0].instructions", "ai_agents[0].model.temperature", "ai_agents[0].knowledge_bases[0]",
		"contact_fields[0].options", "contact_fields[0].id", "contact_fields[1].options",
		"closing_notes[1]", "colour",
	}
	if d := cmp.Diff(want, paths); d != "" {
		t.Errorf("problem paths (-want +got):\n%s\nall problems:\n%v", d, ps)
	}
	for _, p := range ps {
		if p.Line == 0 || p.File != "ws.yaml" {
			t.Errorf("problem without a position: %v", p)
		}
	}
}

func TestExamplesParse(t *testing.T) {
	t.Parallel()
	for _, path := range examples {
		if _, err := workspace.Load(path); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}

func mustLoad(t *testing.T, path string) *workspace.File {
	t.Helper()
	f, err := workspace.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func export(t *testing.T, q store.Queries, slug string) []byte {
	t.Helper()
	f, err := workspace.Export(ctx, q, slug)
	if err != nil {
		t.Fatal(err)
	}
	data, err := workspace.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ignoreDecoder leaves out of comparisons what a parsed File keeps of its
// source file (the positions TextPosition and Locate give): the file and
// its export are the same workspace written differently.
var ignoreDecoder = cmpopts.IgnoreUnexported(workspace.File{})

// normalise orders what the store keeps unordered, and fills defaults,
// so a file compares equal to its export.
func normalise(f *workspace.File) *workspace.File {
	g := *f
	g.Users = slices.Clone(f.Users)
	for i := range g.Users {
		if g.Users[i].Availability == string(store.Available) {
			g.Users[i].Availability = ""
		}
	}
	byName := func(a, b string) int { return strings.Compare(a, b) }
	slices.SortFunc(g.Users, func(a, b workspace.User) int { return byName(a.Email, b.Email) })
	g.Teams = slices.Clone(f.Teams)
	slices.SortFunc(g.Teams, func(a, b workspace.Team) int { return byName(a.Name, b.Name) })
	g.AIAgents = slices.Clone(f.AIAgents)
	slices.SortFunc(g.AIAgents, func(a, b workspace.AIAgent) int { return byName(a.Name, b.Name) })
	g.KnowledgeBases = slices.Clone(f.KnowledgeBases)
	slices.SortFunc(g.KnowledgeBases, func(a, b workspace.KnowledgeBase) int { return byName(a.Name, b.Name) })
	for _, l := range []*[]workspace.Label{&g.ClosingNotes, &g.Tags, &g.Classifications} {
		*l = slices.Clone(*l)
		slices.SortFunc(*l, func(a, b workspace.Label) int { return byName(a.Name, b.Name) })
	}
	return &g
}

// apply → export gives back the file; applying the export changes nothing
// and exports the same bytes: on both stores.
func TestApplyExportRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		for _, path := range examples {
			f := mustLoad(t, path)
			res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) == 0 || res.Changes[0] != (workspace.Change{Op: workspace.Created, Kind: "workspace", Name: f.Workspace.Slug}) {
				t.Fatalf("first apply: %v", res.Changes)
			}
			first := export(t, s, f.Workspace.Slug)
			back, err := workspace.Parse("export.yaml", first)
			if err != nil {
				t.Fatalf("export does not parse: %v\n%s", err, first)
			}
			if d := cmp.Diff(normalise(f), normalise(back), cmpopts.EquateEmpty(), ignoreDecoder); d != "" {
				t.Errorf("%s: export differs from the file (-file +export):\n%s", path, d)
			}
			res, err = workspace.Apply(ctx, s, back, workspace.ApplyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != 0 {
				t.Errorf("applying the export changed %v", res.Changes)
			}
			if second := export(t, s, f.Workspace.Slug); string(second) != string(first) {
				t.Errorf("second export differs:\n%s\n---\n%s", first, second)
			}
		}
	})
}

func TestApplyUpdatesAndDeletes(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		f := mustLoad(t, examples[0])
		if _, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		ws, err := s.GetWorkspaceBySlug(ctx, "salon")
		if err != nil {
			t.Fatal(err)
		}
		teamsBefore, _ := s.ListTeams(ctx, ws.ID)

		g := mustLoad(t, examples[0])
		g.Users = g.Users[:3] // karim leaves
		g.Teams[0].Members = []string{"luc@salon-elegance.fr", "marie@salon-elegance.fr"}
		g.ContactFields = g.ContactFields[:5] // countryCode goes
		g.ContactFields[1].Name = "Budget (€)"
		g.LifecycleStages = append(g.LifecycleStages, "Client Fidèle")
		g.ClosingNotes[2].Name = "Abandon"
		g.Workspace.Settings.DefaultLifecycleStage = "Lead Qualifié"
		res, err := workspace.Apply(ctx, s, g, workspace.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range res.Changes {
			got = append(got, c.String())
		}
		want := []string{
			`deleted user "karim@salon-elegance.fr"`,
			`updated team "Équipe de Planification"`,
			`deleted contact field "countryCode"`,
			`updated contact field "budget"`,
			`created lifecycle stage "Client Fidèle"`,
			`deleted closing note "Sans Suite"`,
			`created closing note "Abandon"`,
			`updated workspace "salon"`,
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("changes (-want +got):\n%s", d)
		}
		back, err := workspace.Parse("export.yaml", export(t, s, "salon"))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(normalise(g), normalise(back), cmpopts.EquateEmpty(), ignoreDecoder); d != "" {
			t.Errorf("export after update (-file +export):\n%s", d)
		}
		// Updating a team keeps its identity and round-robin cursor.
		teamsAfter, _ := s.ListTeams(ctx, ws.ID)
		if teamsAfter[0].ID != teamsBefore[0].ID {
			t.Errorf("team was recreated instead of updated")
		}
	})
}

// failingStore injects a failure into the last write of an apply, inside
// the real transaction: everything before it must roll back.
type failingStore struct{ store.Store }

func (f failingStore) InTx(ctx context.Context, fn func(store.Queries) error) error {
	return f.Store.InTx(ctx, func(q store.Queries) error { return fn(failingQueries{q}) })
}

type failingQueries struct{ store.Queries }

var errInjected = errors.New("injected failure")

func (failingQueries) CreateLabel(context.Context, *store.Label) error { return errInjected }

func TestApplyIsAllOrNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		// A new workspace: nothing of it may remain.
		_, err := workspace.Apply(ctx, failingStore{s}, mustLoad(t, examples[1]), workspace.ApplyOptions{})
		if !errors.Is(err, errInjected) {
			t.Fatalf("apply = %v, want the injected failure", err)
		}
		if _, err := s.GetWorkspaceBySlug(ctx, "support"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("workspace exists after a failed apply: %v", err)
		}
		// An existing workspace: it stays as it was.
		if _, err := workspace.Apply(ctx, s, mustLoad(t, examples[0]), workspace.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		before := export(t, s, "salon")
		g := mustLoad(t, examples[0])
		g.Users = g.Users[:1]
		g.Teams = g.Teams[:0]
		g.Tags = append(g.Tags, workspace.Label{Name: "nouveau"})
		if _, err := workspace.Apply(ctx, failingStore{s}, g, workspace.ApplyOptions{}); !errors.Is(err, errInjected) {
			t.Fatalf("apply = %v, want the injected failure", err)
		}
		if after := export(t, s, "salon"); string(after) != string(before) {
			t.Errorf("a failed apply changed the workspace:\n%s\n---\n%s", before, after)
		}
	})
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := workspace.Load("does-not-exist.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load = %v, want a not-exist error", err)
	}
}

// Instructions too long for every turn are applied, with a warning at
// their position.
func TestApplyWarnsAboutHugeInstructions(t *testing.T) {
	t.Parallel()
	src := "workspace:\n  slug: " + storetest.Name("big") + "\n  name: Big\nai_agents:\n  - name: Bot\n    instructions: |\n" +
		strings.Repeat("      Réponds poliment aux questions des clients sur nos horaires et nos tarifs.\n", 800)
	f, err := workspace.Parse("ws.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Warnings) != 1 || f.Warnings[0].Line != 6 || !strings.Contains(f.Warnings[0].String(), `ai_agents[0].instructions: the instructions of "Bot" are about`) {
		t.Fatalf("warnings = %v", f.Warnings)
	}
	res, err := workspace.Apply(ctx, storetest.OpenSQLite(t), f, workspace.ApplyOptions{})
	if err != nil || len(res.Warnings) != 1 {
		t.Fatalf("apply: %v, warnings %v", err, res)
	}
}

// Allow-list entries that mean nothing are refused at apply, each at its
// position, with what would be valid.
func TestInvalidAllowListEntries(t *testing.T) {
	t.Parallel()
	ps := problems(t, "workspace:\n  slug: salon\n  name: Salon\n  settings:\n    http_allowlist: [127.0.0.1/33, \"not a host!\", \"crm.internal:99999\", crm.internal:8443, 10.0.0.5:8080, .example.com]\n")
	want := []string{
		`ws.yaml:5:22: workspace.settings.http_allowlist[0]: "127.0.0.1/33" is not a valid CIDR range`,
		`ws.yaml:5:36: workspace.settings.http_allowlist[1]: "not a host!" is not a host name, an IP address or a CIDR range; valid entries look like crm.internal`,
		`ws.yaml:5:51: workspace.settings.http_allowlist[2]: "crm.internal:99999": the port "99999" is not a number from 1 to 65535`,
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		if !strings.HasPrefix(ps[i].String(), w) {
			t.Errorf("problem %d = %s\nwant %s…", i, ps[i], w)
		}
	}
}

// A parsed file places a word of an AI agent's instructions at its line
// and column; a File built in Go places nothing.
func TestTextPosition(t *testing.T) {
	t.Parallel()
	src := "workspace:\n  slug: salon\n  name: Salon\nteams:\n  - name: Équipe des Ventes\n    members: []\n" +
		"ai_agents:\n  - name: A\n    instructions: |\n      Tu es l'assistante.\n      Réponds en français.\n" +
		"      - Si le contact demande des prix, assigne à @Équipe des Ventes.\n"
	f, err := workspace.Parse("salon.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	const path = "ai_agents[0].instructions"
	off := strings.Index(f.AIAgents[0].Instructions, "@Équipe")
	file, line, col, ok := f.TextPosition(path, off)
	if file != "salon.yaml" || line != 12 || col != 51 || !ok {
		t.Errorf("TextPosition(%s, %d) = %s:%d:%d %t, want salon.yaml:12:51", path, off, file, line, col, ok)
	}
	if _, _, _, ok := f.TextPosition(path, len(f.AIAgents[0].Instructions)); ok {
		t.Error("offset past the text: ok")
	}
	if _, _, _, ok := f.TextPosition("ai_agents[1].instructions", 0); ok {
		t.Error("no such agent: ok")
	}
	// A copy places as the original does.
	g := *f
	if file, line, col, _ := g.TextPosition("teams[0].name", 0); file != "salon.yaml" || line != 5 || col != 11 {
		t.Errorf("copy: teams[0].name at %s:%d:%d, want salon.yaml:5:11", file, line, col)
	}
	p := f.Locate(source.Problem{Path: "ai_agents[0].name", Message: "m"})
	if p.File != "salon.yaml" || p.Line != 8 || p.Column != 11 {
		t.Errorf("Locate = %v, want salon.yaml:8:11", p)
	}

	built := &workspace.File{AIAgents: []workspace.AIAgent{{Name: "A", Instructions: "@Équipe"}}}
	if file, line, col, ok := built.TextPosition(path, 0); ok || file != "" || line != 0 || col != 0 {
		t.Errorf("built in Go: TextPosition = %s:%d:%d %t", file, line, col, ok)
	}
	q := source.Problem{Path: path, Message: "m"}
	if got := built.Locate(q); !cmp.Equal(got, q) {
		t.Errorf("built in Go: Locate = %v, want %v", got, q)
	}

	// What the File keeps of its source is neither a key of the file nor
	// written back.
	ps := problems(t, "workspace:\n  slug: salon\n  name: Salon\ndecoder: x\n")
	if len(ps) != 1 || !strings.Contains(ps[0].Message, `unknown key "decoder"`) || slices.Contains(ps[0].Valid, "decoder") {
		t.Errorf("a decoder key: %v", ps)
	}
	data, err := workspace.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "decoder") {
		t.Errorf("Marshal writes the decoder:\n%s", data)
	}
}
