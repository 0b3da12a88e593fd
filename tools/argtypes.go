package tools

import (
	"bytes"
	"encoding/json"

	"github.com/invopop/jsonschema"
)

// oneOrMore is an argument given as one name or as a list of names;
// list says which, so an action can refuse a list it cannot honour with a
// clear message.
type oneOrMore struct {
	values []string
	list   bool
}

func (o *oneOrMore) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*o = oneOrMore{}
		return nil
	case len(b) > 0 && b[0] == '[':
		o.list = true
		return json.Unmarshal(b, &o.values)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*o = oneOrMore{values: []string{s}}
	return nil
}

// JSONSchema: a string, or an array of strings.
func (oneOrMore) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		{Type: "string"},
		{Type: "array", Items: &jsonschema.Schema{Type: "string"}},
	}}
}
