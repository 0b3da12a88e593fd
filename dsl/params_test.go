package dsl

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/causerie/causerie/tools"
)

// The parameter tables follow the catalogue: every action has one, with
// no parameter its schema lacks and every parameter its schema requires.
func TestActionSpecsMatchCatalogue(t *testing.T) {
	t.Parallel()
	cat := tools.New(nil, tools.Options{})
	for _, name := range tools.Names {
		spec, ok := actions[name]
		if !ok {
			t.Errorf("no parameter table for action %s", name)
			continue
		}
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal([]byte(cat.Action(name).Schema), &schema); err != nil {
			t.Fatal(err)
		}
		for _, p := range spec.params {
			if _, ok := schema.Properties[p.name]; !ok {
				t.Errorf("%s: parameter %q is not in the action's schema", name, p.name)
			}
		}
		for _, r := range schema.Required {
			p, ok := spec.param(r)
			if !ok || (!p.required && !slices.Contains(spec.oneOf, r)) {
				t.Errorf("%s: the schema requires %q, the table does not", name, r)
			}
		}
	}
}
