package dsl

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
	"github.com/causerie/causerie/tools"
)

// Options configure validation.
type Options struct {
	// Production requires https URLs in http_request and redirect
	// (CAUSERIE_ENV=production), as tools does at run time.
	Production bool
}

var (
	flowIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	identRe  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Validate reports every problem of f: the flow's own fields, each node's
// kind and parameters (seed 004's tables: timeout_seconds at most 60,
// max_output_tokens at most 2000, temperature from 0 to 1, priorite and
// http_method among their values…), edges to missing nodes or through
// handles the node does not have, choice options and condition branches
// without an edge, unreachable nodes, loops with no way to an end, unknown
// variables in templates and expressions, and non-https URLs in
// production. Each problem names the node and the field path.
func Validate(f *Flow, opts Options) source.Problems {
	v := &validator{f: f, opts: opts, p: &problems{f: f}, nodeAt: map[string]int{}}
	v.header()
	v.nodes()
	v.known = v.variables()
	v.params()
	v.edges()
	v.graph()
	v.p.out.Sort()
	return v.p.out
}

type validator struct {
	f      *Flow
	opts   Options
	p      *problems
	nodeAt map[string]int // node id → index of its first definition
	known  []string       // variable names templates and expressions may use
	// local holds nodes with a problem of their own about their edges or
	// kind: the graph checks do not blame their neighbours for it.
	local map[string]bool
	// edged indexes the nodes edges start or end at (hasEdges).
	edged map[string]bool
}

func (v *validator) missing(node, path, format string, args ...any) {
	if v.f.src.Reported(path) {
		return
	}
	v.p.add(node, path, "missing: "+format, args...)
}

func (v *validator) header() {
	f := v.f
	switch {
	case strings.TrimSpace(f.ID) == "":
		v.missing("", "id", "a flow needs an id, its key in the workspace (letters, digits, - and _), e.g. \"prise-de-rendez-vous\"")
	case !flowIDRe.MatchString(f.ID):
		v.p.add("", "id", "%q is not a valid flow id: use letters, digits, - and _ (e.g. \"prise-de-rendez-vous\")", f.ID)
	}
	if strings.TrimSpace(f.Name) == "" {
		v.missing("", "name", "give the flow a name people read, e.g. \"Prise de rendez-vous\"")
	}
	for i, t := range f.Triggers {
		p := fmt.Sprintf("triggers[%d]", i)
		if len(t.Keywords) == 0 {
			v.missing("", p+".keywords", "a trigger needs keywords, e.g. [\"rendez-vous\", \"réserver\"]")
		}
		if t.Match != "" && !slices.Contains(MatchModes, t.Match) {
			v.p.add("", p+".match", "%q is not a match mode%s; use one of: %s", t.Match, didYouMean(t.Match, MatchModes),
				strings.Join(MatchModes, ", "))
		}
		for j, k := range t.Except {
			if strings.TrimSpace(k) == "" {
				v.p.add("", fmt.Sprintf("%s.except[%d]", p, j), "an empty except word would stop the trigger on every message; remove it")
			}
		}
		for j, k := range t.Keywords {
			kp := fmt.Sprintf("%s.keywords[%d]", p, j)
			if strings.TrimSpace(k) == "" {
				v.p.add("", kp, "an empty keyword would match every message; remove it")
			} else if t.Match == MatchRegex {
				if _, err := compileKeyword(k, MatchRegex); err != nil {
					v.p.add("", kp, "%q is not a valid regular expression: %v", k, err)
				}
			}
		}
	}
	names := make([]string, 0, len(f.Variables))
	for name := range f.Variables {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		v.ident("", "variables."+name, name)
	}
	for i, w := range f.ExitWords {
		if strings.TrimSpace(w) == "" {
			v.p.add("", fmt.Sprintf("exit_words[%d]", i), "an exit word cannot be empty")
		}
	}
	if len(f.Nodes) == 0 && !v.f.src.Reported("nodes") {
		v.missing("", "nodes", "a flow needs nodes: at least one step and an end node")
	}
}

// ident checks a variable name.
func (v *validator) ident(node, path, name string) bool {
	switch {
	case !identRe.MatchString(name):
		v.p.add(node, path, "%q is not a valid variable name: start with a letter or _, then letters, digits or _ (e.g. bookingdate)", name)
	case slices.Contains(contextRoots, name):
		v.p.add(node, path, "%q is a reserved name ({{%s.…}} is always there); choose another variable name", name, name)
	default:
		return true
	}
	return false
}

func didYouMean(s string, options []string) string {
	if c := suggest.Close(s, options); c != "" && c != s {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// nodes checks ids and kinds.
func (v *validator) nodes() {
	v.local = map[string]bool{}
	for i, n := range v.f.Nodes {
		p := fmt.Sprintf("nodes[%d]", i)
		switch {
		case strings.TrimSpace(n.ID) == "":
			v.missing("", p+".id", "every node needs an id, which edges refer to")
		default:
			if j, dup := v.nodeAt[n.ID]; dup {
				v.p.add(n.ID, p+".id", "two nodes have the id %q (also nodes[%d]); ids must be unique", n.ID, j)
				continue
			}
			v.nodeAt[n.ID] = i
		}
		switch {
		case n.Type == "":
			v.missing(n.ID, p+".type", "a node needs a type, one of: %s", strings.Join(Kinds, ", "))
			v.local[n.ID] = true
		case slices.Contains(actionTypes(), n.Type) && n.Type != KindAIReply:
			v.p.add(n.ID, p+".type", "%q is an action, not a node type: use \"type\": \"action\" with \"action_type\": %q in data.parameters",
				n.Type, n.Type)
			v.local[n.ID] = true
		case !slices.Contains(Kinds, n.Type):
			v.p.add(n.ID, p+".type", "unknown node type %q%s; valid types: %s", n.Type, didYouMean(n.Type, Kinds), strings.Join(Kinds, ", "))
			v.local[n.ID] = true
		}
	}
}

// nodeBlock returns the parameter table of node n and, for an action node,
// its action type ("" when it cannot be told).
func nodeBlock(n *Node) (block, string, bool) {
	if n.Type != KindAction {
		b, ok := kinds[n.Type]
		return b, "", ok
	}
	at, _ := n.Data.Parameters["action_type"].(string)
	if at == "" {
		at = inferAction(n.Data.Parameters)
	}
	b, ok := actionBlock(at)
	if !ok {
		return block{}, at, false
	}
	return block{params: append(append([]param{}, actionCommon...), b.params...), oneOf: b.oneOf}, at, true
}

// resultVariable is the variable an action node's result lands in ("" for
// none): result_variable, else http for http_request and ai_reply's
// variable.
func resultVariable(n *Node, action string) string {
	if rv, _ := n.Data.Parameters["result_variable"].(string); rv != "" {
		return rv
	}
	switch action {
	case "http_request":
		return "http"
	case ActionAIReply:
		return paramText(n.Data.Parameters, "variable", "ai_reply")
	}
	return ""
}

// variables lists the names templates and expressions may use.
func (v *validator) variables() []string {
	known := append([]string{}, contextRoots...)
	for name := range v.f.Variables {
		known = append(known, name)
	}
	for i := range v.f.Nodes {
		n := &v.f.Nodes[i]
		params := n.Data.Parameters
		switch n.Type {
		case KindQuestion, KindChoice, KindSetVariable:
			if name, _ := params["variable"].(string); name != "" {
				known = append(known, name)
			}
		case KindAIReply:
			known = append(known, paramText(params, "variable", "ai_reply"))
		case KindAction:
			_, at, _ := nodeBlock(n)
			if rv := resultVariable(n, at); rv != "" {
				known = append(known, rv)
			}
		}
	}
	slices.Sort(known)
	return slices.Compact(known)
}

// params checks every node's parameters against its table.
func (v *validator) params() {
	for i := range v.f.Nodes {
		n := &v.f.Nodes[i]
		if v.local[n.ID] || (n.ID != "" && v.nodeAt[n.ID] != i) {
			continue
		}
		pp := fmt.Sprintf("nodes[%d].data.parameters", i)
		b, at, ok := nodeBlock(n)
		params := n.Data.Parameters
		if n.Type == KindAction && !ok {
			raw, given := params["action_type"]
			switch {
			case !given || raw == "":
				v.missing(n.ID, pp+".action_type", "an action node needs parameters.action_type, one of: %s",
					strings.Join(actionTypes(), ", "))
			default:
				s, _ := raw.(string)
				v.p.add(n.ID, pp+".action_type", "unknown action_type %q%s; valid: %s", s, didYouMean(s, actionTypes()),
					strings.Join(actionTypes(), ", "))
			}
			v.local[n.ID] = true
			continue
		}
		if n.Type == KindAction {
			if s, _ := params["action_type"].(string); s != "" && s != at {
				v.p.add(n.ID, pp+".action_type", "expected %q", at)
			}
		}
		names := make([]string, 0, len(params))
		for k := range params {
			names = append(names, k)
		}
		slices.Sort(names)
		suggested := map[string]bool{} // a misspelt parameter is not reported missing too
		for _, k := range names {
			spec, ok := b.param(k)
			if !ok {
				valid := b.names()
				what := n.Type
				if at != "" {
					what = at
				}
				if c := suggest.Close(k, valid); c != "" {
					suggested[c] = true
				}
				v.p.add(n.ID, pp+"."+k, "unknown parameter %q for %s%s; its parameters: %s", k, what, didYouMean(k, valid),
					strings.Join(valid, ", "))
				continue
			}
			v.value(n, pp+"."+k, spec, params[k])
		}
		for _, spec := range b.params {
			if _, ok := params[spec.name]; spec.required && !ok && !suggested[spec.name] {
				v.missing(n.ID, pp+"."+spec.name, "%s", requiredHint(n.Type, at, spec.name))
			}
		}
		if len(b.oneOf) > 0 {
			var set []string
			for _, name := range b.oneOf {
				if s, ok := params[name]; ok && s != "" && s != nil {
					set = append(set, name)
				}
			}
			switch {
			case len(set) == 0:
				v.missing(n.ID, pp+"."+b.oneOf[0], "give one of %s", strings.Join(b.oneOf, ", "))
			case len(set) > 1:
				v.p.add(n.ID, pp+"."+set[1], "give only one of %s (this node has %s)", strings.Join(b.oneOf, ", "),
					strings.Join(set, " and "))
			}
		}
		v.kindRules(n, pp, at)
	}
}

func requiredHint(kind, action, name string) string {
	switch {
	case name == "text" && kind == KindQuestion:
		return "the question to ask, e.g. \"Quel jour vous conviendrait ?\""
	case name == "text" && kind == KindChoice:
		return "the question the options answer, e.g. \"Quel service souhaitez-vous ?\""
	case name == "text":
		return "the text to send"
	case name == "variable":
		return "the variable the answer goes into, e.g. \"bookingdate\""
	case name == "options":
		return "the options to choose from, e.g. [\"Coupe\", \"Coloration\"]"
	}
	what := kind
	if action != "" {
		what = action
	}
	return fmt.Sprintf("%s needs %s", what, name)
}

// kindRules checks what depends on several parameters.
func (v *validator) kindRules(n *Node, pp, action string) {
	params := n.Data.Parameters
	switch {
	case n.Type == KindQuestion:
		val := paramText(params, "validation", "text")
		_, hasPattern := params["pattern"]
		if val == "regex" && !hasPattern {
			v.missing(n.ID, pp+".pattern", "validation \"regex\" needs a pattern, e.g. \"^[0-9]{5}$\"")
		}
		if val != "regex" && hasPattern {
			v.p.add(n.ID, pp+".pattern", "a pattern is only used with \"validation\": \"regex\" (this question's validation is %q)", val)
		}
	case n.Type == KindAIReply || action == ActionAIReply:
		src := paramText(params, "body_source", BodyAI)
		if body, _ := params["body"].(string); (src == BodyTemplate || src == BodyStatic) && strings.TrimSpace(body) == "" {
			v.missing(n.ID, pp+".body", "body_source %q sends parameters.body: write the text", src)
		}
	}
}

// value checks one parameter value against its spec.
func (v *validator) value(n *Node, path string, spec param, val any) {
	id := n.ID
	text, isText := val.(string)
	switch spec.typ {
	case pText, pTemplate:
		if !isText {
			if _, num := val.(float64); !num {
				v.p.add(id, path, "expected a text, got %s", describe(val))
				return
			}
		}
		if spec.typ == pTemplate {
			v.templates(id, path, text)
		}
	case pNumber, pInt:
		x, ok := number(val)
		if !ok {
			v.p.add(id, path, "%s is not a number; write it like %q", describe(val), cmpOr(spec.def, "10"))
			return
		}
		if spec.typ == pInt && x != float64(int64(x)) {
			v.p.add(id, path, "%g is not a whole number; write it like %q", x, cmpOr(spec.def, "10"))
			return
		}
		if spec.max > spec.min && (x < spec.min || x > spec.max) {
			name := path[strings.LastIndexByte(path, '.')+1:]
			msg := fmt.Sprintf("%s is %s, but it must be between %g and %g", name, strconv.FormatFloat(x, 'f', -1, 64), spec.min, spec.max)
			if x > spec.max {
				msg = fmt.Sprintf("%s is %s, but the maximum is %g", name, strconv.FormatFloat(x, 'f', -1, 64), spec.max)
			}
			if spec.def != "" {
				msg += fmt.Sprintf(" (default %s)", spec.def)
			}
			v.p.add(id, path, "%s", msg)
		}
	case pEnum:
		if !isText || !slices.Contains(spec.enum, text) {
			hint := didYouMean(tools.Format(val), spec.enum)
			v.p.add(id, path, "%s is not valid%s; use one of: %s", quoteValue(val), hint, strings.Join(spec.enum, ", "))
		}
	case pJSONText:
		if !isText {
			v.p.add(id, path, "expected JSON written as text (a string), got %s", describe(val))
			return
		}
		if strings.TrimSpace(text) == "" {
			return
		}
		var parsed any
		if err := json.Unmarshal([]byte(text), &parsed); err != nil {
			v.p.add(id, path, "this is not valid JSON (%v); write a JSON object as text, e.g. %s, or \"\" for none", err,
				`"{\"event\": \"relance_envoyee\"}"`)
			return
		}
		if strings.HasSuffix(path, "headers_json") {
			m, ok := parsed.(map[string]any)
			if !ok {
				v.p.add(id, path, "headers_json must be a JSON object of header names to texts, e.g. %s", `"{\"Authorization\": \"Bearer …\"}"`)
				return
			}
			for k, hv := range m {
				if _, ok := hv.(string); !ok {
					v.p.add(id, path, "the value of header %q must be a text in double quotes", k)
				}
			}
		}
		v.templates(id, path, text)
	case pURL:
		if !isText || strings.TrimSpace(text) == "" {
			v.p.add(id, path, "expected a URL such as \"https://exemple.com/relance\", got %s", describe(val))
			return
		}
		v.templates(id, path, text)
		if strings.HasPrefix(strings.TrimSpace(text), "{{") {
			return // the whole URL comes from a variable
		}
		u, err := url.Parse(strings.TrimSpace(text))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.p.add(id, path, "%q is not an http(s) URL; write it in full, e.g. \"https://exemple.com/relance\"", text)
			return
		}
		if v.opts.Production && u.Scheme != "https" {
			v.p.add(id, path, "%q is not https: in production (CAUSERIE_ENV=production) URLs must start with https://", text)
		}
	case pBool:
		if _, ok := boolean(val); !ok {
			v.p.add(id, path, "expected true or false, got %s", describe(val))
		}
	case pIdent:
		if !isText {
			v.p.add(id, path, "expected a variable name, got %s", describe(val))
			return
		}
		v.ident(id, path, text)
	case pOptions:
		list, ok := val.([]any)
		if !ok || len(list) == 0 {
			v.p.add(id, path, "expected a list of options, e.g. [\"Coupe\", \"Coloration\"], got %s", describe(val))
			return
		}
		seen := map[string]int{}
		for i, o := range list {
			s, ok := o.(string)
			op := fmt.Sprintf("%s[%d]", path, i)
			if !ok || strings.TrimSpace(s) == "" {
				v.p.add(id, op, "an option is a non-empty text, got %s", describe(o))
				continue
			}
			if j, dup := seen[suggest.Fold(s)]; dup {
				v.p.add(id, op, "option %q is listed twice (also at [%d]); visitors could not tell them apart", s, j)
			}
			seen[suggest.Fold(s)] = i
		}
	case pFields:
		v.fields(id, path, val)
	case pRegex:
		if !isText {
			v.p.add(id, path, "expected a regular expression as text, got %s", describe(val))
			return
		}
		if _, err := regexp.Compile(text); err != nil {
			v.p.add(id, path, "%q is not a valid regular expression: %v", text, err)
		}
	case pExpr:
		if !isText {
			v.p.add(id, path, "expected an expression as text, e.g. \"budget > 100\", got %s", describe(val))
			return
		}
		asBool := n.Type == KindCondition
		if _, err := compileExpr(text, v.known, asBool); err != nil {
			v.p.add(id, path, "invalid expression %q: %v", text, err)
		}
	case pCases:
		v.cases(n, path, val)
	case pAddresses:
		switch x := val.(type) {
		case string:
			v.templates(id, path, x)
		case []any:
			for i, e := range x {
				if s, ok := e.(string); !ok {
					v.p.add(id, fmt.Sprintf("%s[%d]", path, i), "expected an e-mail address, got %s", describe(e))
				} else {
					v.templates(id, path, s)
				}
			}
		default:
			v.p.add(id, path, "expected an e-mail address or a list of them, got %s", describe(val))
		}
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func quoteValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return describe(v)
}

// templates checks the variables of a template.
func (v *validator) templates(node, path, text string) {
	for _, root := range templateRoots(text) {
		if !slices.Contains(v.known, root) {
			v.p.add(node, path, "unknown variable {{%s}}%s; known variables: %s", root, didYouMean(root, v.known),
				suggest.List(suggest.Nearest(root, v.known), 10))
			return
		}
	}
}

func (v *validator) fields(node, path string, val any) {
	switch x := val.(type) {
	case map[string]any:
		if len(x) == 0 {
			v.p.add(node, path, "no field to update; write {\"bookingdate\": \"{{date}}\"}")
		}
		for k, fv := range x {
			if s, ok := fv.(string); ok {
				v.templates(node, path+"."+k, s)
			}
		}
	case []any:
		if len(x) == 0 {
			v.p.add(node, path, "no field to update; write [{\"field\": \"bookingdate\", \"value\": \"{{date}}\"}]")
		}
		for i, e := range x {
			ep := fmt.Sprintf("%s[%d]", path, i)
			m, ok := e.(map[string]any)
			if !ok {
				v.p.add(node, ep, "expected {\"field\": …, \"value\": …}, got %s", describe(e))
				continue
			}
			if f, _ := m["field"].(string); f == "" {
				v.missing(node, ep+".field", "the field's id or name, e.g. \"bookingdate\"")
			}
			if _, ok := m["value"]; !ok {
				v.missing(node, ep+".value", "the value, e.g. \"{{date}}\"")
			}
			for k := range m {
				if k != "field" && k != "value" {
					v.p.add(node, ep+"."+k, "unknown key %q; a field update has field and value", k)
				}
			}
			if s, ok := m["value"].(string); ok {
				v.templates(node, ep+".value", s)
			}
		}
	default:
		v.p.add(node, path, "expected the fields to update, e.g. {\"bookingdate\": \"{{date}}\"}, got %s", describe(val))
	}
}

func (v *validator) cases(n *Node, path string, val any) {
	list, ok := val.([]any)
	if !ok || len(list) == 0 {
		v.p.add(n.ID, path, "expected a list of cases, e.g. [{\"label\": \"vip\", \"expression\": \"budget > 500\"}], got %s", describe(val))
		return
	}
	seen := map[string]bool{}
	for i, e := range list {
		cp := fmt.Sprintf("%s[%d]", path, i)
		m, ok := e.(map[string]any)
		if !ok {
			v.p.add(n.ID, cp, "expected {\"label\": …, \"expression\": …}, got %s", describe(e))
			continue
		}
		label, _ := m["label"].(string)
		switch {
		case label == "":
			v.missing(n.ID, cp+".label", "each case needs a label, which its edge's sourceHandle names")
		case label == HandleElse || isDefaultHandle(label) || label == HandleError:
			v.p.add(n.ID, cp+".label", "%q is reserved for the edge taken when no case matches; name the case otherwise", label)
		case seen[label]:
			v.p.add(n.ID, cp+".label", "two cases are labelled %q", label)
		}
		seen[label] = true
		src, _ := m["expression"].(string)
		if src == "" {
			v.missing(n.ID, cp+".expression", "each case needs an expression, e.g. \"budget > 500\"")
		} else if _, err := compileExpr(src, v.known, true); err != nil {
			v.p.add(n.ID, cp+".expression", "invalid expression %q: %v", src, err)
		}
		for k := range m {
			if k != "label" && k != "expression" {
				v.p.add(n.ID, cp+"."+k, "unknown key %q; a case has label and expression", k)
			}
		}
	}
}

// number reads a number or a number written as text ("10", "0,4").
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		s := strings.TrimSpace(x)
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.Replace(s, ",", ".", 1)
		}
		f, err := strconv.ParseFloat(s, 64)
		return f, err == nil
	}
	return 0, false
}

func boolean(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "oui", "yes", "1":
			return true, true
		case "false", "non", "no", "0", "":
			return false, true
		}
	}
	return false, false
}

// paramText returns a parameter as text, def when absent or empty.
func paramText(params map[string]any, name, def string) string {
	v, ok := params[name]
	if !ok || v == nil {
		return def
	}
	s := tools.Format(v)
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// unknownNames is the error for names an expression reads but no one
// defines.
func unknownNames(unknown, known []string) error {
	u := unknown[0]
	return fmt.Errorf("unknown variable %q%s; known: %s", u, didYouMean(u, known), suggest.List(suggest.Nearest(u, known), 10))
}

// describe says what a parameter value is, in JSON's words.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the text %q", x)
	case float64:
		return fmt.Sprintf("the number %g", x)
	case bool:
		return fmt.Sprintf("%t", x)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
