package tools

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/invopop/jsonschema"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
)

// Channel is where a conversation happens; an action says on which it
// applies.
type Channel string

// Channels.
const (
	Chat  Channel = "chat"  // the widget, the HTTP API, the terminal
	Voice Channel = "voice" // a phone call
)

// Phase is a moment of a conversation; an action says in which it may
// run (workflows run actions before, during and after a conversation).
type Phase string

// Phases.
const (
	Before Phase = "before" // before the conversation exists (e.g. a form)
	During Phase = "during" // while it is open
	After  Phase = "after"  // once it is closed
)

// The registry holds every action a Catalogue executes. Built-in actions
// register in builtin.go; a program adds its own with Register before it
// makes its catalogues.
var registry struct {
	sync.RWMutex
	actions map[string]*Action
	order   []string
}

// nameRe is what an action name may be: the model's tool names allow
// letters, digits, _ and -, up to 64; ours are snake_case.
var nameRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// Register adds an action to the registry: from then on it is among
// Names, offered to AI agents that enable it, accepted in flows and
// response rules, and executed by every new Catalogue. Its argument
// schema is generated from Args (see Action). Register panics on a
// programming error — an empty or taken name, a missing description or
// run function, arguments whose schema a model API would refuse — so a
// broken action fails at start, not on the first call.
func Register(a *Action) {
	if err := prepare(a); err != nil {
		panic("tools.Register: " + err.Error())
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.actions == nil {
		registry.actions = map[string]*Action{}
	}
	if _, dup := registry.actions[a.Name]; dup {
		panic(fmt.Sprintf("tools.Register: action %q is already registered", a.Name))
	}
	registry.actions[a.Name] = a
	registry.order = append(registry.order, a.Name)
}

// Names lists the registered actions AI agents, flows and rules may use,
// in registration order (for the built-in ones, the order an admin reads
// them: conversation, contact, integrations, knowledge). Actions only
// humans may take (Action.HumansOnly) are not among them.
func Names() []string {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]string, 0, len(registry.order))
	for _, n := range registry.order {
		if !registry.actions[n].HumansOnly {
			out = append(out, n)
		}
	}
	return out
}

// Named returns the registered action named name, nil if there is none.
func Named(name string) *Action {
	registry.RLock()
	defer registry.RUnlock()
	return registry.actions[name]
}

// registered returns the registered actions in order.
func registered() []*Action {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]*Action, len(registry.order))
	for i, n := range registry.order {
		out[i] = registry.actions[n]
	}
	return out
}

func prepare(a *Action) error {
	switch {
	case a == nil:
		return fmt.Errorf("nil action")
	case !nameRe.MatchString(a.Name):
		return fmt.Errorf("action name %q: use snake_case letters, digits and _, starting with a letter, at most 64", a.Name)
	case strings.TrimSpace(a.Description) == "":
		return fmt.Errorf("action %s has no Description; the model reads it to decide when to call the action", a.Name)
	case a.Outside == nil && a.Run == nil:
		return fmt.Errorf("action %s has neither Outside nor Run", a.Name)
	case a.Args == nil:
		return fmt.Errorf("action %s has no Args (use struct{}{} for none)", a.Name)
	}
	if len(a.Channels) == 0 {
		a.Channels = []Channel{Chat, Voice}
	}
	if len(a.Phases) == 0 {
		a.Phases = []Phase{During}
	}
	t := reflect.TypeOf(a.Args)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return fmt.Errorf("action %s: Args must be a struct, not %s", a.Name, t)
	}
	s := reflectArgs(t)
	// What a model is offered: the arguments alone.
	modelRaw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("action %s: schema: %v", a.Name, err)
	}
	// Every action also takes action_type (seed 004's blocks carry it);
	// calls are validated against this schema.
	s.Properties.Set("action_type", &jsonschema.Schema{Const: a.Name,
		Description: fmt.Sprintf("Optional; when given, exactly %q.", a.Name)})
	s.Properties.MoveToFront("action_type")
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("action %s: schema: %v", a.Name, err)
	}
	if err := modelSchema(raw); err != nil {
		return fmt.Errorf("action %s: the schema of its Args would be refused by model APIs: %v", a.Name, err)
	}
	compiled, err := compile(a.Name, raw)
	if err != nil {
		return fmt.Errorf("action %s: schema: %v", a.Name, err)
	}
	params, err := paramsOf(t, s)
	if err != nil {
		return fmt.Errorf("action %s: %v", a.Name, err)
	}
	for _, name := range a.OneOf {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.Name == name }) {
			return fmt.Errorf("action %s: OneOf names %q, which is not an argument", a.Name, name)
		}
	}
	a.schemaJSON, a.modelSchemaJSON, a.schema, a.params = raw, modelRaw, compiled, params
	return nil
}

// reflectArgs generates the JSON Schema of an argument struct: every
// schema inlined (some model APIs do not follow $ref in tool schemas), no
// unknown properties, required only where a field's jsonschema tag says
// so.
func reflectArgs(t reflect.Type) *jsonschema.Schema {
	r := &jsonschema.Reflector{
		DoNotReference:             true,
		ExpandedStruct:             true,
		RequiredFromJSONSchemaTags: true,
		Anonymous:                  true,
	}
	s := r.ReflectFromType(t)
	s.Version, s.ID = "", ""
	return s
}

// modelSchema checks what model APIs (OpenAI's function calling first)
// refuse in a tool's parameters: a top level other than an object with
// properties, top-level anyOf/oneOf/allOf/not/enum, and arrays without
// items anywhere.
func modelSchema(raw []byte) error {
	var top map[string]any
	if err := json.Unmarshal(raw, &top); err != nil {
		return err
	}
	if top["type"] != "object" {
		return fmt.Errorf("the top level must be {\"type\": \"object\"}")
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf", "not", "enum"} {
		if _, ok := top[k]; ok {
			return fmt.Errorf("%s is not allowed at the top level; move it into a property", k)
		}
	}
	var walk func(path string, v any) error
	walk = func(path string, v any) error {
		switch x := v.(type) {
		case map[string]any:
			if ty, _ := x["type"].(string); ty == "array" {
				if _, ok := x["items"]; !ok {
					return fmt.Errorf("%s: an array schema must say its items", cmpOr(path, "/"))
				}
			}
			if tys, ok := x["type"].([]any); ok && slices.Contains(tys, any("array")) {
				if _, ok := x["items"]; !ok {
					return fmt.Errorf("%s: an array schema must say its items (use anyOf for one value or a list)", cmpOr(path, "/"))
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if err := walk(path+"/"+k, x[k]); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range x {
				if err := walk(path+"/"+strconv.Itoa(i), e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk("", top)
}

func joinAs[S ~string](list []S, sep string) string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return strings.Join(out, sep)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ParamKind is how a flow block writes an argument (seed 004 writes most
// values as text: "timeout_seconds": "10").
type ParamKind int

// Kinds of parameter.
const (
	ParamText      ParamKind = iota // plain text, used as written
	ParamTemplate                   // text with {{variables}}
	ParamNumber                     // a number, or a number written as text
	ParamInteger                    // a whole number, or one written as text
	ParamEnum                       // one of Enum
	ParamBool                       // true/false, or "true"/"false"
	ParamJSONText                   // JSON written as text ("" for none)
	ParamURL                        // an http(s) URL, https in production
	ParamFields                     // [{field, value}] or {field: value}
	ParamAddresses                  // one e-mail address (or template) or a list
)

var paramKinds = map[string]ParamKind{
	"text": ParamText, "template": ParamTemplate, "number": ParamNumber, "integer": ParamInteger,
	"enum": ParamEnum, "bool": ParamBool, "json": ParamJSONText, "url": ParamURL,
	"fields": ParamFields, "addresses": ParamAddresses,
}

// Param describes one argument of an action as flows and response rules
// write it. It is derived from the argument struct: the JSON name, the
// generated schema (required, enum, minimum, maximum, default) and the
// field's `ref` tag (the workspace entity it names: team, user,
// user_or_team, ai_agent, stage, tag, closing_note, contact_field), and its
// `param` tag, which names the kind when the schema's type does
// not say it ("url", "json", "fields", "addresses", "text"; strings are
// templates otherwise) and adds "self" when the action renders the
// field's {{variables}} itself, with the escaping its place needs.
type Param struct {
	Name     string
	Kind     ParamKind
	Required bool
	Enum     []string
	// Min and Max bound a number when HasRange.
	Min, Max float64
	HasRange bool
	// Default is the default value as text, for messages ("" for none).
	Default string
	// SelfRendered: the action renders the value's placeholders itself.
	SelfRendered bool
	// Ref is the kind of workspace entity the value names (RefTeam…), ""
	// for none; a fields parameter names contact fields. Flows and response
	// rules are checked against the workspace with it at apply.
	Ref string
}

// Kinds of workspace entity an argument names, as the `ref` tag of an
// argument field says.
const (
	RefTeam         = "team"
	RefUser         = "user"
	RefUserOrTeam   = "user or team"
	RefAIAgent      = "AI agent"
	RefStage        = "lifecycle stage"
	RefTag          = "tag"
	RefClosingNote  = "closing note"
	RefContactField = "contact field"
)

var refTags = map[string]string{
	"team": RefTeam, "user": RefUser, "user_or_team": RefUserOrTeam, "ai_agent": RefAIAgent,
	"stage": RefStage, "tag": RefTag, "closing_note": RefClosingNote, "contact_field": RefContactField,
}

func paramsOf(t reflect.Type, s *jsonschema.Schema) ([]Param, error) {
	var out []Param
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		prop, ok := s.Properties.Get(name)
		if !ok {
			continue
		}
		p := Param{Name: name, Required: slices.Contains(s.Required, name), Kind: ParamTemplate}
		for _, e := range prop.Enum {
			p.Enum = append(p.Enum, fmt.Sprint(e))
		}
		switch {
		case len(p.Enum) > 0:
			p.Kind = ParamEnum
		case prop.Type == "integer":
			p.Kind = ParamInteger
		case prop.Type == "number", prop.Type == "" && hasType(prop, "number"):
			p.Kind = ParamNumber
		case prop.Type == "boolean":
			p.Kind = ParamBool
		}
		if prop.Minimum != "" && prop.Maximum != "" {
			lo, err1 := prop.Minimum.Float64()
			hi, err2 := prop.Maximum.Float64()
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("argument %s: bad bounds %s..%s", name, prop.Minimum, prop.Maximum)
			}
			p.Min, p.Max, p.HasRange = lo, hi, true
		}
		if prop.Default != nil {
			p.Default = fmt.Sprint(prop.Default)
		}
		if tag := f.Tag.Get("ref"); tag != "" {
			if p.Ref = refTags[tag]; p.Ref == "" {
				return nil, fmt.Errorf("argument %s: unknown ref %q", name, tag)
			}
		}
		if tag := f.Tag.Get("param"); tag != "" {
			for _, opt := range strings.Split(tag, ",") {
				if opt == "self" {
					p.SelfRendered = true
					continue
				}
				k, ok := paramKinds[opt]
				if !ok {
					return nil, fmt.Errorf("argument %s: unknown param kind %q", name, opt)
				}
				p.Kind = k
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func hasType(s *jsonschema.Schema, ty string) bool {
	for _, alt := range s.AnyOf {
		if alt.Type == ty {
			return true
		}
	}
	return false
}

// Schema is the JSON Schema of the action's arguments, generated from
// Args when it was registered.
func (a *Action) Schema() json.RawMessage { return a.schemaJSON }

// ModelSchema is the JSON Schema of the arguments a model is offered:
// Schema without the action_type that flows' blocks may carry (a call
// that sends it anyway is still accepted).
func (a *Action) ModelSchema() json.RawMessage { return a.modelSchemaJSON }

// Params describes the action's arguments as flows write them.
func (a *Action) Params() []Param { return slices.Clone(a.params) }

// AppliesTo reports whether the action may run on channel ch in phase ph.
func (a *Action) AppliesTo(ch Channel, ph Phase) bool {
	return slices.Contains(a.Channels, ch) && slices.Contains(a.Phases, ph)
}

// compile compiles an action's argument schema for validation.
func compile(name string, raw []byte) (*sjs.Schema, error) {
	doc, err := sjs.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		return nil, err
	}
	c := sjs.NewCompiler()
	url := "mem://tools/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// ArgProblem is one thing wrong in arguments given ahead of a run (a
// response rule's, at apply): the argument's path ("priorite",
// "fields/0/value"), what is wrong and, when known, the valid values.
type ArgProblem struct {
	Path    string
	Message string
	Valid   []string
}

// Check validates args against the action's schema as Execute will, so a
// response rule's arguments are refused at apply rather than at the
// visitor's message. An enum names its valid values.
func (a *Action) Check(args map[string]any) []ArgProblem {
	var out []ArgProblem
	reported := map[string]bool{}
	for _, p := range a.params {
		v, ok := args[p.Name]
		s, isText := v.(string)
		if !ok || len(p.Enum) == 0 || !isText || slices.Contains(p.Enum, s) || strings.Contains(s, "{{") {
			continue
		}
		out = append(out, ArgProblem{Path: p.Name, Message: fmt.Sprintf("%q is not a valid %s", s, p.Name), Valid: p.Enum})
		reported[p.Name] = true
	}
	raw, err := json.Marshal(args)
	if err != nil {
		return append(out, ArgProblem{Message: err.Error()})
	}
	for _, line := range validateArgs(a.schema, raw) {
		path, msg, _ := strings.Cut(line, ": ")
		path = strings.TrimPrefix(path, "/")
		if top, _, _ := strings.Cut(path, "/"); reported[top] {
			continue
		}
		out = append(out, ArgProblem{Path: path, Message: msg})
	}
	return out
}
