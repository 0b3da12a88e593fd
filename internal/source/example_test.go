package source_test

import (
	"fmt"

	"github.com/causerie/causerie/internal/source"
)

// A file is decoded into its Go type in one go: every problem of shape is
// collected, semantic checks add theirs at the place of the field, and
// Err lists them all, in file order.
func ExampleDecode() {
	type team struct {
		Name    string   `yaml:"name"`
		Members []string `yaml:"members"`
	}
	var file struct {
		Teams []team `yaml:"teams"`
	}
	src := []byte(`teams:
  - name: Ventes
    membres: [marie@salon.fr]
  - name: ""
    members: marie@salon.fr
`)
	d, err := source.Decode("teams.yaml", src, &file, source.Options{Kind: "a teams file"})
	if err != nil { // a syntax error: nothing was decoded
		fmt.Println(err)
		return
	}
	for i, t := range file.Teams {
		if t.Name == "" {
			d.At(fmt.Sprintf("teams[%d].name", i), "a team needs a name")
		}
		if len(t.Members) == 0 {
			d.Missing(fmt.Sprintf("teams[%d].members", i), "a team needs members")
		}
	}
	fmt.Println(d.Err())
	// Output:
	// 3 problems:
	// teams.yaml:3:5: teams[0].membres: unknown key "membres" (did you mean "members"?) (valid: name, members)
	// teams.yaml:4:11: teams[1].name: a team needs a name
	// teams.yaml:5:14: teams[1].members: expected a list of texts, got the text "marie@salon.fr"
}
