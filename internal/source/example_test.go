package source_test

import (
	"fmt"
	"strings"

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

// A word found in a decoded text is pointed at in the file: here inside
// a literal block, on the line and at the column of its "@" (columns in
// characters: the "à" before it is one).
func ExampleDecoder_TextPosition() {
	var file struct {
		Agents []struct {
			Name         string `yaml:"name"`
			Instructions string `yaml:"instructions"`
		} `yaml:"ai_agents"`
	}
	src := []byte(`ai_agents:
  - name: A
    instructions: |
      Tu es l'assistante.
      - Si le contact demande des prix, assigne à @Équipe des Ventes.
`)
	d, err := source.Decode("workspace.yaml", src, &file, source.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	text := file.Agents[0].Instructions
	offset := strings.Index(text, "@Équipe")
	line, col, ok := d.TextPosition("ai_agents[0].instructions", offset)
	fmt.Println(line, col, ok)
	// Output:
	// 5 51 true
}
