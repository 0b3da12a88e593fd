package generate

import (
	"encoding/json"
	"slices"

	"github.com/causerie/causerie/dsl"
)

// Schema is the JSON Schema of the flow format that binds the model's
// answer (response_format json_schema). It is built from dsl.FormatSpec,
// the tables validation uses: node kinds, action types and the type,
// enum and bounds of every parameter. It is not strict (parameters
// differ by kind), so validation still has the last word.
func Schema() json.RawMessage {
	spec := dsl.FormatSpec()
	params := map[string]any{}
	add := func(ps []dsl.ParamSpec) {
		for _, p := range ps {
			s := paramSchema(p)
			if old, ok := params[p.Name]; ok {
				if b1, _ := json.Marshal(old); string(b1) != string(mustJSON(s)) {
					s = map[string]any{} // the same name typed differently by two blocks
				}
			}
			params[p.Name] = s
		}
	}
	for _, k := range spec.Kinds {
		add(k.Params)
	}
	add(spec.ActionCommon)
	var actions []string
	for _, a := range spec.Actions {
		add(a.Params)
		actions = append(actions, a.Name)
	}
	if p, ok := params["action_type"].(map[string]any); ok {
		p["enum"] = actions
	}
	str := map[string]any{"type": "string"}
	strs := map[string]any{"type": "array", "items": str}
	node := map[string]any{
		"type": "object", "required": []string{"id", "type", "data"},
		"properties": map[string]any{
			"id":   str,
			"type": map[string]any{"type": "string", "enum": slices.Clone(dsl.Kinds)},
			"position": map[string]any{"type": "object", "required": []string{"x", "y"},
				"properties": map[string]any{"x": map[string]any{"type": "number"}, "y": map[string]any{"type": "number"}}},
			"data": map[string]any{"type": "object", "properties": map[string]any{
				"label": str, "description": str,
				"parameters": map[string]any{"type": "object", "properties": params, "additionalProperties": false},
			}},
		},
	}
	edge := map[string]any{"type": "object", "required": []string{"id", "source", "target"},
		"properties": map[string]any{"id": str, "source": str, "sourceHandle": str, "target": str, "label": str}}
	flow := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"type":    "object", "required": []string{"id", "name", "triggers", "nodes", "edges"},
		"properties": map[string]any{
			"id": str, "name": str, "description": str, "enabled": map[string]any{"type": "boolean"},
			"priority": map[string]any{"type": "integer"},
			"triggers": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"keywords"},
				"properties": map[string]any{"keywords": strs, "match": map[string]any{"type": "string", "enum": dsl.MatchModes},
					"except": strs}}},
			"variables":  map[string]any{"type": "object"},
			"exit_words": strs, "exit_message": str, "fallback_message": str, "start": str,
			"nodes": map[string]any{"type": "array", "items": node},
			"edges": map[string]any{"type": "array", "items": edge},
		},
	}
	return mustJSON(flow)
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// paramSchema is the JSON Schema of one parameter's value.
func paramSchema(p dsl.ParamSpec) map[string]any {
	s := map[string]any{}
	switch p.Type {
	case "number", "integer":
		s["type"] = p.Type
		if p.HasRange {
			s["minimum"], s["maximum"] = p.Min, p.Max
		}
	case "bool":
		s["type"] = "boolean"
	case "enum":
		s["type"], s["enum"] = "string", p.Enum
	case "options":
		s["type"], s["items"] = "array", map[string]any{"type": "string"}
	case "cases":
		s["type"], s["items"] = "array", map[string]any{"type": "object", "required": []string{"label", "expression"},
			"properties": map[string]any{"label": map[string]any{"type": "string"}, "expression": map[string]any{"type": "string"}}}
	case "fields":
		s["anyOf"] = []any{
			map[string]any{"type": "object"},
			map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []string{"field", "value"}}},
		}
	case "addresses":
		s["anyOf"] = []any{map[string]any{"type": "string"}, map[string]any{"type": "array", "items": map[string]any{"type": "string"}}}
	default:
		s["type"] = "string"
	}
	return s
}
