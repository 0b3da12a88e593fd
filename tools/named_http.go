package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/causerie/causerie/store"
)

// NamedHTTPSchema is the JSON Schema of a named HTTP action's parameters,
// as the model is offered them: text values, the declared ones only.
func NamedHTTPSchema(a *store.HTTPAction) json.RawMessage {
	s := &jsonschema.Schema{Type: "object", Properties: jsonschema.NewProperties(), AdditionalProperties: jsonschema.FalseSchema}
	for _, p := range a.Parameters {
		ps := &jsonschema.Schema{Type: "string", Description: p.Description}
		for _, e := range p.Enum {
			ps.Enum = append(ps.Enum, e)
		}
		s.Properties.Set(p.Name, ps)
		if p.Required {
			s.Required = append(s.Required, p.Name)
		}
	}
	b, _ := json.Marshal(s)
	return b
}

// executeNamedHTTP runs a workspace's named HTTP action: the model's
// arguments are checked against the declared parameters, then the
// declaration's URL, headers and body are rendered with them (escaped for
// their place) and sent as an http_request would be.
func (c *Catalogue) executeNamedHTTP(ctx context.Context, call Call, a *store.HTTPAction) (Result, error) {
	schema, err := namedSchema(a)
	if err != nil {
		return Result{}, fmt.Errorf("named HTTP action %s: %w", a.Name, err)
	}
	if problems := validateArgs(schema, call.Args); len(problems) > 0 {
		return c.audit(ctx, &call, Failf(CodeInvalidArguments, nil, "invalid arguments for %s: %s", a.Name, strings.Join(problems, "; ")))
	}
	var params map[string]any
	if len(call.Args) > 0 {
		if err := json.Unmarshal(call.Args, &params); err != nil {
			return c.audit(ctx, &call, Failf(CodeInvalidArguments, nil, "%s: %v", a.Name, err))
		}
	}
	for _, p := range a.Parameters { // an absent optional parameter renders empty
		if _, ok := params[p.Name]; !ok {
			if params == nil {
				params = map[string]any{}
			}
			params[p.Name] = ""
		}
	}
	args := map[string]any{"http_method": a.Method, "url": a.URL}
	if len(a.Headers) > 0 {
		h, _ := json.Marshal(a.Headers)
		args["headers_json"] = string(h)
	}
	if a.Body != "" {
		args["body_json"] = a.Body
	}
	raw, _ := json.Marshal(args)
	inner := call
	inner.Action, inner.Args, inner.Enabled, inner.named = HTTPRequest, raw, nil, a.Name
	inner.Vars = map[string]any{}
	for k, v := range call.Vars {
		inner.Vars[k] = v
	}
	for k, v := range params {
		inner.Vars[k] = v
	}
	return c.Execute(ctx, inner)
}

// namedHTTP returns the workspace's named HTTP action called name when
// the call may run it, nil otherwise.
func (c *Catalogue) namedHTTP(ctx context.Context, call Call) *store.HTTPAction {
	if c.store == nil || (call.Enabled != nil && !slices.Contains(call.Enabled, call.Action)) {
		return nil
	}
	ws, err := c.store.GetWorkspace(ctx, call.WorkspaceID)
	if err != nil {
		return nil
	}
	return ws.Settings.HTTPAction(call.Action)
}

// namedSchemas caches compiled parameter schemas by their text: a named
// action is declared once and called many times.
var namedSchemas sync.Map // string → *jsonschema.Schema (santhosh-tekuri)

func namedSchema(a *store.HTTPAction) (*sjs.Schema, error) {
	raw := NamedHTTPSchema(a)
	if s, ok := namedSchemas.Load(string(raw)); ok {
		return s.(*sjs.Schema), nil
	}
	s, err := compile("http_action_"+a.Name, raw)
	if err == nil {
		namedSchemas.Store(string(raw), s)
	}
	return s, err
}
