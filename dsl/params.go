package dsl

import (
	"sync"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// ptype is the type of a parameter value. Parameters are text in seed
// 004's blocks ("timeout_seconds": "10"); numbers and booleans are
// accepted as JSON values too.
type ptype int

const (
	pText      ptype = iota // any text
	pTemplate               // text with {{variables}}
	pNumber                 // a number, or a number written as text
	pInt                    // a whole number, or one written as text
	pEnum                   // one of enum
	pJSONText               // JSON written as text ("" for none)
	pURL                    // an http(s) URL, https in production
	pBool                   // true/false, or "true"/"false"
	pIdent                  // a variable name
	pOptions                // a list of option labels
	pFields                 // update_contact_fields' fields: [{field, value}] or {field: value}
	pRegex                  // a regular expression
	pExpr                   // an expr-lang expression
	pCases                  // a list of {label, expression}
	pAddresses              // one e-mail address (or template) or a list
)

// param describes one parameter of a block, after the seed's tables.
type param struct {
	name     string
	typ      ptype
	required bool
	enum     []string
	min, max float64 // bounds of a number, when max > min
	def      string  // the default, for messages
	// self: the action renders the value's {{variables}} itself, with the
	// escaping its place needs; the interpreter renders the others.
	self bool
	// ref is the kind of workspace entity the value names (tools.RefTeam…).
	ref string
}

// block describes the parameters of a node kind or of an action.
type block struct {
	params []param
	// oneOf lists parameters of which exactly one must be set.
	oneOf []string
}

func (b block) param(name string) (param, bool) {
	for _, p := range b.params {
		if p.name == name {
			return p, true
		}
	}
	return param{}, false
}

func (b block) selfRendered(name string) bool {
	p, ok := b.param(name)
	return ok && p.self
}

func (b block) names() []string {
	out := make([]string, len(b.params))
	for i, p := range b.params {
		out[i] = p.name
	}
	return out
}

// Validations of a question's answer.
var validations = []string{"text", "email", "phone", "number", "date", "regex"}

// Seed 004's defaults of ai_reply (its bounds are store's, shared with AI
// agents).
const (
	defaultTemperature = 0.4
	defaultMaxTokens   = 240
	defaultMaxRetries  = 2
)

// Body sources of ai_reply (seed 004): generated, a template, fixed text.
const (
	BodyAI       = "ai"
	BodyTemplate = "template"
	BodyStatic   = "statique"
)

var aiReplyParams = []param{
	{name: "body_source", typ: pEnum, enum: []string{BodyAI, BodyTemplate, BodyStatic}, def: BodyAI},
	{name: "temperature", typ: pNumber, min: store.MinTemperature, max: store.MaxTemperature, def: "0.4"},
	{name: "max_output_tokens", typ: pInt, min: 1, max: store.MaxOutputTokens, def: "240"},
	{name: "system_prompt", typ: pTemplate},
	{name: "model", typ: pText},
	{name: "body", typ: pTemplate},
	{name: "variable", typ: pIdent, def: "ai_reply"},
	{name: "send", typ: pBool, def: "true"},
}

// kinds are the parameters of each node kind; an action node's are those
// of its action (actions).
var kinds = map[string]block{
	KindMessage: {params: []param{{name: "text", typ: pTemplate, required: true}}},
	KindQuestion: {params: []param{
		{name: "text", typ: pTemplate, required: true},
		{name: "variable", typ: pIdent, required: true},
		{name: "validation", typ: pEnum, enum: validations, def: "text"},
		{name: "pattern", typ: pRegex},
		{name: "field", typ: pText},
		{name: "retry_message", typ: pTemplate},
		{name: "max_retries", typ: pInt, min: 0, max: 10, def: "2"},
	}},
	KindChoice: {params: []param{
		{name: "text", typ: pTemplate, required: true},
		{name: "options", typ: pOptions, required: true},
		{name: "variable", typ: pIdent},
		{name: "retry_message", typ: pTemplate},
		{name: "max_retries", typ: pInt, min: 0, max: 10, def: "2"},
	}},
	KindCondition: {params: []param{{name: "expression", typ: pExpr}, {name: "cases", typ: pCases}},
		oneOf: []string{"expression", "cases"}},
	KindSetVariable: {params: []param{{name: "variable", typ: pIdent, required: true}, {name: "value", typ: pTemplate},
		{name: "expression", typ: pExpr}}, oneOf: []string{"value", "expression"}},
	KindAIReply: {params: aiReplyParams},
	KindHandoff: {params: []param{
		{name: "team", typ: pText}, {name: "user", typ: pText},
		{name: "method", typ: pEnum, enum: []string{"round_robin", "least_open"}, def: "round_robin"},
		{name: "text", typ: pTemplate},
	}, oneOf: []string{"team", "user"}},
	KindEnd: {params: []param{{name: "text", typ: pTemplate}}},
}

// Action types an action node runs besides the catalogue's.
const (
	ActionRedirect = "redirect" // send the visitor a link
	ActionAIReply  = "ai_reply" // seed 004 puts ai_reply among the action blocks
)

// actionCommon are parameters every action node has.
var actionCommon = []param{
	{name: "action_type", typ: pText},
	{name: "result_variable", typ: pIdent},
}

// flowActions are the parameters of the action types a flow runs besides
// the registered actions, whose tables come from their declarations
// (actionBlock).
var flowActions = map[string]block{
	ActionRedirect: {params: []param{{name: "url", typ: pURL, required: true}, {name: "text", typ: pTemplate}}},
	ActionAIReply:  {params: aiReplyParams},
}

// derived caches the blocks derived from registered actions.
var derived sync.Map // *tools.Action → block

// actionBlock returns the parameters of an action type: a flow-only one,
// or a registered action's, derived from its argument struct — so an
// action registered by a program is validated, interpreted and applied
// like the built-in ones.
func actionBlock(name string) (block, bool) {
	if b, ok := flowActions[name]; ok {
		return b, true
	}
	a := tools.Named(name)
	if a == nil {
		return block{}, false
	}
	if b, ok := derived.Load(a); ok {
		return b.(block), true
	}
	b := block{oneOf: a.OneOf}
	for _, tp := range a.Params() {
		p := param{name: tp.Name, typ: paramTypes[tp.Kind], required: tp.Required, enum: tp.Enum, def: tp.Default,
			self: tp.SelfRendered, ref: tp.Ref}
		if tp.HasRange {
			p.min, p.max = tp.Min, tp.Max
		}
		b.params = append(b.params, p)
	}
	derived.Store(a, b)
	return b, true
}

// paramTypes maps how an action declares an argument to how a flow
// writes it.
var paramTypes = map[tools.ParamKind]ptype{
	tools.ParamText: pText, tools.ParamTemplate: pTemplate, tools.ParamNumber: pNumber,
	tools.ParamInteger: pInt, tools.ParamEnum: pEnum, tools.ParamBool: pBool, tools.ParamJSONText: pJSONText,
	tools.ParamURL: pURL, tools.ParamFields: pFields, tools.ParamAddresses: pAddresses,
}

// actionTypes lists every action type, catalogue first.
func actionTypes() []string {
	return append(tools.Names(), ActionRedirect, ActionAIReply)
}

// inferAction recognises an action node without action_type — seed 004's
// "Créer une tâche commerciale" block has none — by its parameters: the
// one action whose parameters are all of theirs. "" when none or several.
func inferAction(params map[string]any) string {
	if len(params) == 0 {
		return ""
	}
	found := ""
	for _, name := range actionTypes() {
		b, _ := actionBlock(name)
		all := true
		for k := range params {
			if _, ok := b.param(k); !ok && k != "result_variable" {
				all = false
				break
			}
		}
		if all {
			if found != "" {
				return ""
			}
			found = name
		}
	}
	return found
}
