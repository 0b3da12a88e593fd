package dsl

import "slices"

// ParamSpec describes one parameter of a node kind or an action, as
// validation reads it.
type ParamSpec struct {
	Name string `json:"name"`
	// Type is how the value is written: text, template, number, integer,
	// enum, json_text, url, bool, identifier, options, fields, regex,
	// expression, cases, addresses.
	Type     string   `json:"type"`
	Required bool     `json:"required,omitempty"`
	Enum     []string `json:"enum,omitempty"`
	// Min and Max bound a number, when HasRange.
	HasRange bool    `json:"-"`
	Min      float64 `json:"min,omitempty"`
	Max      float64 `json:"max,omitempty"`
	Default  string  `json:"default,omitempty"`
	// Ref is the kind of workspace entity the value names ("team",
	// "tag"…), "" for none.
	Ref string `json:"ref,omitempty"`
}

// BlockSpec describes the parameters of a node kind or an action type.
type BlockSpec struct {
	Name   string      `json:"name"`
	Params []ParamSpec `json:"params"`
	// OneOf lists parameters of which exactly one must be set.
	OneOf []string `json:"one_of,omitempty"`
}

// Spec is the flow format's node kinds and action types with their
// parameters: the very tables validation uses.
type Spec struct {
	Kinds []BlockSpec `json:"kinds"`
	// Actions are the action types of an action node (action_type), the
	// catalogue's first; every action node also takes ActionCommon.
	Actions      []BlockSpec `json:"actions"`
	ActionCommon []ParamSpec `json:"action_common"`
	// Validations are a question's answer checks.
	Validations []string `json:"validations"`
}

var ptypeNames = map[ptype]string{
	pText: "text", pTemplate: "template", pNumber: "number", pInt: "integer", pEnum: "enum", pJSONText: "json_text",
	pURL: "url", pBool: "bool", pIdent: "identifier", pOptions: "options", pFields: "fields", pRegex: "regex",
	pExpr: "expression", pCases: "cases", pAddresses: "addresses",
}

func specParams(ps []param) []ParamSpec {
	out := make([]ParamSpec, len(ps))
	for i, p := range ps {
		out[i] = ParamSpec{Name: p.name, Type: ptypeNames[p.typ], Required: p.required, Enum: slices.Clone(p.enum),
			Default: p.def, Ref: p.ref}
		if p.max > p.min {
			out[i].HasRange, out[i].Min, out[i].Max = true, p.min, p.max
		}
	}
	return out
}

// FormatSpec lists the node kinds (in Kinds' order) and the action types
// (actionTypes' order) with their parameters, types, enums and limits,
// derived from the declarations validation uses — the registered
// actions' included.
func FormatSpec() Spec {
	s := Spec{ActionCommon: specParams(actionCommon), Validations: slices.Clone(validations)}
	for _, k := range Kinds {
		b := kinds[k]
		s.Kinds = append(s.Kinds, BlockSpec{Name: k, Params: specParams(b.params), OneOf: slices.Clone(b.oneOf)})
	}
	for _, a := range actionTypes() {
		b, _ := actionBlock(a)
		s.Actions = append(s.Actions, BlockSpec{Name: a, Params: specParams(b.params), OneOf: slices.Clone(b.oneOf)})
	}
	return s
}
