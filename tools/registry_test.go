package tools_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/invopop/jsonschema"

	"github.com/causerie/causerie/tools"
)

// Every built-in action's schema is what model APIs accept: an object at
// the top with no anyOf there, and arrays that say their items (assign's
// team, one name or a list, is an anyOf).
func TestBuiltinSchemasAreModelValid(t *testing.T) {
	t.Parallel()
	for _, name := range tools.Names() {
		var s map[string]any
		if err := json.Unmarshal(tools.Named(name).Schema(), &s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if s["type"] != "object" || s["additionalProperties"] != false {
			t.Errorf("%s: top level = %v, want a closed object", name, s)
		}
		for _, k := range []string{"anyOf", "oneOf", "allOf", "$schema", "$id", "$ref", "$defs"} {
			if _, ok := s[k]; ok {
				t.Errorf("%s: the schema has %s at its top level", name, k)
			}
		}
	}
	var assign struct {
		Properties map[string]struct {
			AnyOf []map[string]any `json:"anyOf"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(tools.Named(tools.Assign).Schema(), &assign)
	team := assign.Properties["team"].AnyOf
	if len(team) != 2 || team[0]["type"] != "string" || team[1]["type"] != "array" || team[1]["items"] == nil {
		t.Errorf("assign team = %v, want anyOf a string or an array of strings", team)
	}
}

type noItems struct {
	List []string `json:"list"`
}

type topAnyOf struct {
	A string `json:"a"`
}

func (topAnyOf) JSONSchemaExtend(s *jsonschema.Schema) {
	s.AnyOf = []*jsonschema.Schema{{Required: []string{"a"}}}
}

type loose struct {
	List untyped `json:"list"`
}

type untyped struct{}

func (untyped) JSONSchema() *jsonschema.Schema { return &jsonschema.Schema{Type: "array"} }

func run(context.Context, *tools.Exec) tools.Result { return tools.Ok("done", nil) }

// t_voice_only is registered before any test runs, so every catalogue of
// this package's tests has the same actions.
func init() {
	tools.Register(&tools.Action{Name: "t_voice_only", Description: "Press keys on a call.", Args: struct{}{},
		Channels: []tools.Channel{tools.Voice}, Run: run})
}

// Register refuses, at start, what would fail later: a taken or malformed
// name, no description, no run function, arguments a model API refuses,
// a one-of group naming no argument.
func TestRegisterRefusesBrokenDeclarations(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		a    *tools.Action
		want string
	}{
		{"taken", &tools.Action{Name: tools.Assign, Description: "x", Args: struct{}{}, Run: run}, "already registered"},
		{"bad name", &tools.Action{Name: "Award Points", Description: "x", Args: struct{}{}, Run: run}, "snake_case"},
		{"no description", &tools.Action{Name: "t_nodesc", Args: struct{}{}, Run: run}, "no Description"},
		{"no run", &tools.Action{Name: "t_norun", Description: "x", Args: struct{}{}}, "neither Outside nor Run"},
		{"no args", &tools.Action{Name: "t_noargs", Description: "x", Run: run}, "no Args"},
		{"args not a struct", &tools.Action{Name: "t_int", Description: "x", Args: 3, Run: run}, "must be a struct"},
		{"top-level anyOf", &tools.Action{Name: "t_anyof", Description: "x", Args: topAnyOf{}, Run: run}, "anyOf is not allowed at the top level"},
		{"array without items", &tools.Action{Name: "t_items", Description: "x", Args: loose{}, Run: run}, "/properties/list: an array schema must say its items"},
		{"one-of unknown", &tools.Action{Name: "t_oneof", Description: "x", Args: noItems{}, OneOf: []string{"nope"}, Run: run}, `OneOf names "nope"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("Register panicked with %v, want a message containing %q", r, c.want)
				}
			}()
			tools.Register(c.a)
		})
	}
	if tools.Named("t_items") != nil || tools.Named("t_anyof") != nil {
		t.Error("a refused action was registered anyway")
	}
}

// An action says on which channels and in which phases it runs; a call
// from elsewhere is refused with a clear result.
func TestActionChannelsAndPhases(t *testing.T) {
	t.Parallel()
	a := tools.Named("t_voice_only")
	if a.AppliesTo(tools.Chat, tools.During) || !a.AppliesTo(tools.Voice, tools.During) || a.AppliesTo(tools.Voice, tools.After) {
		t.Errorf("t_voice_only applies to %v in %v", a.Channels, a.Phases)
	}
	if b := tools.Named(tools.CloseConversation); !b.AppliesTo(tools.Chat, tools.During) || !b.AppliesTo(tools.Voice, tools.During) {
		t.Errorf("close_conversation: channels %v, phases %v", b.Channels, b.Phases)
	}
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "t_voice_only",
			Args: json.RawMessage(`{}`), Actor: "test", Channel: tools.Chat})
		if err != nil {
			t.Fatal(err)
		}
		if res.OK || res.Error == nil || res.Error.Code != tools.CodeNotAvailable || !strings.Contains(res.Message, "voice") {
			t.Errorf("t_voice_only on chat = %+v, want not_available naming the channels it runs on", res)
		}
		res, err = fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "t_voice_only",
			Args: json.RawMessage(`{}`), Actor: "test", Channel: tools.Voice})
		if err != nil || !res.OK {
			t.Errorf("t_voice_only on voice = %+v, %v", res, err)
		}
	})
}
