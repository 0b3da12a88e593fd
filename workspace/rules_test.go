package workspace_test

import (
	"encoding/json"
	"testing"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
	"github.com/causerie/causerie/workspace"
)

// Response rule mistakes get one message each, with the field path and
// what would be valid.
func TestResponseRuleMistakes(t *testing.T) {
	t.Parallel()
	const head = "workspace:\n  slug: salon\n  name: Salon\n"
	for _, tc := range []struct {
		name, src, want string
	}{
		{
			name: "no keywords",
			src:  head + "response_rules:\n  - name: Horaires\n    reply: De 9 h à 19 h.\n",
			want: "ws.yaml:5:9: response_rules[0].keywords: missing: the words that trigger the reply, e.g. [horaires, ouvert]",
		},
		{
			name: "misspelt match mode",
			src:  head + "response_rules:\n  - name: Horaires\n    keywords: [horaires]\n    match: exacte\n    reply: De 9 h à 19 h.\n",
			want: `ws.yaml:7:12: response_rules[0].match: "exacte" is not a match mode (did you mean "exact"?); use one of: contains, exact, regex`,
		},
		{
			name: "bad regex",
			src:  head + "response_rules:\n  - name: Prix\n    keywords: ['prix (']\n    match: regex\n    reply: 35 €.\n",
			want: "ws.yaml:6:16: response_rules[0].keywords[0]: \"prix (\" is not a valid regular expression: error parsing regexp: missing closing ): `(?i)prix (`",
		},
		{
			name: "unknown action",
			src:  head + "response_rules:\n  - name: Prix\n    keywords: [prix]\n    reply: 35 €.\n    actions:\n      - action: tag\n        args: {tag: vip}\n",
			want: `ws.yaml:9:17: response_rules[0].actions[0].action: "tag" is not an action; valid actions: close_conversation, assign, unassign, update_contact_fields, update_lifecycle_stage, tag_contact, http_request, crm_upsert, create_task, send_email, search_knowledge`,
		},
		{
			name: "unknown argument",
			src:  head + "response_rules:\n  - name: Prix\n    keywords: [prix]\n    reply: 35 €.\n    actions:\n      - action: tag_contact\n        args: {tags: vip}\n",
			want: `ws.yaml:10:9: response_rules[0].actions[0].args.tags: tag_contact has no argument "tags" (did you mean "tag"?); its arguments: remove, tag`,
		},
		{
			name: "two rules with one name",
			src:  head + "response_rules:\n  - {name: Prix, keywords: [prix], reply: 35 €.}\n  - {name: prix, keywords: [tarif], reply: 35 €.}\n",
			want: `ws.yaml:6:12: response_rules[1].name: response rule "prix" is defined twice (also at response_rules[0].name); names must be unique`,
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

// Rules are applied in file order, updated in place, disabled and
// deleted with the file.
func TestApplyResponseRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s store.Store) {
		f := mustLoad(t, examples[0])
		f.Workspace.Slug = storetest.Name("salon")
		if _, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		ws, err := s.GetWorkspaceBySlug(ctx, f.Workspace.Slug)
		if err != nil {
			t.Fatal(err)
		}
		rules, err := s.ListResponseRules(ctx, ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rules) != 3 || rules[0].Name != "Horaires" || rules[1].Match != "regex" || !rules[0].Enabled ||
			len(rules[2].Actions) != 1 || rules[2].Actions[0].Action != "create_task" {
			t.Fatalf("rules = %+v", rules)
		}
		var args map[string]any
		if err := json.Unmarshal(rules[2].Actions[0].Args, &args); err != nil || args["priorite"] != "basse" {
			t.Errorf("rule action args = %s", rules[2].Actions[0].Args)
		}

		off := false
		f.ResponseRules[0].Enabled = &off
		f.ResponseRules[1].Reply = "12 rue des Lilas."
		f.ResponseRules = f.ResponseRules[:2]
		res, err := workspace.Apply(ctx, s, f, workspace.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[workspace.Change]bool{
			{Op: workspace.Deleted, Kind: "response rule", Name: "Carte cadeau"}: true,
			{Op: workspace.Updated, Kind: "response rule", Name: "Horaires"}:     true,
			{Op: workspace.Updated, Kind: "response rule", Name: "Adresse"}:      true,
		}
		if len(res.Changes) != len(want) {
			t.Errorf("changes = %v", res.Changes)
		}
		for _, c := range res.Changes {
			if !want[c] {
				t.Errorf("unexpected change %v", c)
			}
		}
		rules, _ = s.ListResponseRules(ctx, ws.ID)
		if len(rules) != 2 || rules[0].Enabled || rules[1].Reply != "12 rue des Lilas." {
			t.Errorf("rules after the second apply = %+v", rules)
		}
	})
}
