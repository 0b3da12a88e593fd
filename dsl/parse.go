package dsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/causerie/causerie/internal/suggest"
)

// Load reads the flow file at path (JSON, or YAML for .yaml / .yml) and
// checks it; on failure the error is Problems, every problem with its
// file:line:column.
func Load(path string, opts Options) (*Flow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read flow file: %w", err)
	}
	return Check(path, data, opts)
}

// Check parses and validates a flow document: it returns the flow, or
// Problems listing everything wrong, decoding and validation together.
func Check(name string, data []byte, opts Options) (*Flow, error) {
	f, err := Parse(name, data)
	var ps Problems
	switch {
	case errors.As(err, &ps):
	case err != nil:
		return nil, err
	}
	if f == nil { // a syntax error: nothing else can be trusted
		return nil, ps
	}
	all := append(ps, Validate(f, opts)...)
	if len(all) > 0 {
		all.sort()
		return nil, all
	}
	return f, nil
}

// Parse decodes a flow document: JSON, or YAML when name ends in .yaml or
// .yml or the text does not start with "{". It reports every problem of
// shape (unknown keys, values of the wrong kind) as Problems, and returns
// the flow decoded as far as possible with them, for Validate to check
// the rest; after a syntax error it returns no flow.
func Parse(name string, data []byte) (*Flow, error) {
	f := &Flow{file: name}
	var tree any
	var err error
	if isYAML(name, data) {
		tree, f.pos, err = yamlTree(data)
	} else {
		tree, f.pos, err = jsonTree(data)
	}
	if err != nil {
		var p Problem
		if !errors.As(err, &p) {
			p = Problem{Message: err.Error()}
		}
		p.File = name
		return nil, Problems{p}
	}
	d := &decoder{p: &problems{f: f}, f: f}
	d.flow(tree)
	f.broken = d.broken
	if len(d.p.out) > 0 {
		d.p.out.sort()
		return f, d.p.out
	}
	return f, nil
}

func isYAML(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return true
	case ".json":
		return false
	}
	return !bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}

// jsonTree decodes JSON into maps, lists and scalars (numbers as
// float64), and locates every path: a member at its key, an item at its
// first character.
func jsonTree(data []byte) (any, map[string]Pos, error) {
	var tree any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, nil, jsonSyntax(data, err)
	}
	if dec.More() {
		off := int(dec.InputOffset())
		l, c := lineCol(data, skipSpace(data, off))
		return nil, nil, Problem{Line: l, Column: c, Message: "invalid JSON: more than one value; a flow file holds one object"}
	}
	pos := map[string]Pos{}
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(path string, at int) error
	walk = func(path string, at int) error {
		l, c := lineCol(data, at)
		pos[path] = Pos{l, c}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				keyAt := skipSpace(data, int(dec.InputOffset()))
				k, err := dec.Token()
				if err != nil {
					return err
				}
				if err := walk(join(path, fmt.Sprint(k)), keyAt); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, i), skipSpace(data, int(dec.InputOffset()))); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	if err := walk("", skipSpace(data, 0)); err != nil {
		return nil, nil, jsonSyntax(data, err)
	}
	return normalize(tree), pos, nil
}

// skipSpace returns the offset of the next token at or after off.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n:,", data[off]) >= 0 {
		off++
	}
	return off
}

func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func jsonSyntax(data []byte, err error) error {
	p := Problem{Message: "invalid JSON: " + err.Error()}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		p.Line, p.Column = lineCol(data, int(se.Offset)-1)
		p.Message = "invalid JSON: " + se.Error() + " (check for a missing comma or quote, or a comma before } or ])"
	}
	if strings.Contains(err.Error(), "unexpected EOF") {
		p.Line, p.Column = lineCol(data, len(data))
		p.Message = "invalid JSON: the document ends too early (a } or ] is missing)"
	}
	return p
}

// Error lets a Problem travel as an error inside this package.
func (p Problem) Error() string { return p.String() }

// yamlTree decodes YAML like jsonTree decodes JSON.
func yamlTree(data []byte) (any, map[string]Pos, error) {
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		p := Problem{Message: "invalid YAML: " + err.Error()}
		var ye yaml.Error
		if errors.As(err, &ye) {
			p.Message = "invalid YAML: " + ye.GetMessage() + " (check the indentation: keys of one mapping line up, with spaces)"
			if tk := ye.GetToken(); tk != nil {
				p.Line, p.Column = tk.Position.Line, tk.Position.Column
			}
		}
		return nil, nil, p
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return nil, nil, Problem{Message: "the file is empty; a flow has an id, a name, nodes and edges"}
	}
	pos := map[string]Pos{}
	var walk func(n ast.Node, path string)
	walk = func(n ast.Node, path string) {
		for {
			switch v := n.(type) {
			case *ast.AnchorNode:
				n = v.Value
				continue
			case *ast.TagNode:
				n = v.Value
				continue
			}
			break
		}
		if n == nil {
			return
		}
		if tk := n.GetToken(); tk != nil {
			if _, ok := pos[path]; !ok {
				pos[path] = Pos{tk.Position.Line, tk.Position.Column}
			}
		}
		switch v := n.(type) {
		case *ast.MappingNode:
			for _, mv := range v.Values {
				walk(mv, path)
			}
		case *ast.MappingValueNode:
			p := join(path, mv(v))
			tk := v.Key.GetToken()
			pos[p] = Pos{tk.Position.Line, tk.Position.Column}
			walk(v.Value, p)
		case *ast.SequenceNode:
			for i, item := range v.Values {
				walk(item, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(file.Docs[0].Body, "")
	var tree any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		return nil, nil, Problem{Message: "invalid YAML: " + err.Error()}
	}
	// Through JSON, so that both formats give the same kinds of values.
	b, err := json.Marshal(jsonable(tree))
	if err != nil {
		return nil, nil, Problem{Message: "the YAML holds values JSON cannot: " + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&tree); err != nil {
		return nil, nil, Problem{Message: err.Error()}
	}
	return normalize(tree), pos, nil
}

func mv(v *ast.MappingValueNode) string { return v.Key.GetToken().Value }

// jsonable turns YAML's map[any]any (non-text keys) into map[string]any.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonable(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonable(e)
		}
		return x
	}
	return v
}

// normalize turns json.Numbers into float64, recursively.
func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	}
	return v
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// decoder fills a Flow from a decoded tree, recording every problem.
type decoder struct {
	f *Flow
	p *problems
	// broken holds paths whose value had the wrong kind: Validate does
	// not report them missing on top.
	broken map[string]bool
}

// React Flow's own keys, which an editor export carries: accepted and
// ignored.
var (
	reactFlowKeys     = []string{"viewport"}
	reactFlowNodeKeys = []string{"width", "height", "selected", "dragging", "positionAbsolute", "sourcePosition",
		"targetPosition", "style", "className", "hidden", "zIndex", "measured", "deletable", "draggable", "selectable",
		"connectable", "parentId", "extent", "origin", "resizing", "focusable"}
	reactFlowEdgeKeys = []string{"targetHandle", "type", "animated", "style", "markerEnd", "markerStart", "data",
		"selected", "hidden", "deletable", "focusable", "zIndex", "className", "labelStyle", "interactionWidth"}
)

var (
	flowKeys    = []string{"id", "name", "description", "enabled", "priority", "triggers", "variables", "exit_words", "exit_message", "fallback_message", "start", "nodes", "edges"}
	triggerKeys = []string{"keywords", "match"}
	nodeKeys    = []string{"id", "type", "position", "data"}
	dataKeys    = []string{"label", "subtitle", "channel", "description", "parameters"}
	edgeKeys    = []string{"id", "source", "sourceHandle", "target", "label"}
)

func (d *decoder) mismatch(node, path, want string, v any) {
	if d.broken == nil {
		d.broken = map[string]bool{}
	}
	d.broken[path] = true
	d.p.add(node, path, "expected %s, got %s", want, describe(v))
}

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

// object checks that v is an object with only keys (and ignored ones).
func (d *decoder) object(node, path string, v any, keys, ignored []string) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		d.mismatch(node, path, "an object ("+strings.Join(keys, ", ")+")", v)
		return nil
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if slices.Contains(keys, k) || slices.Contains(ignored, k) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q", k)
		if c := suggest.Close(k, keys); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		d.p.add(node, join(path, k), "%s; valid keys here: %s", msg, strings.Join(keys, ", "))
	}
	return m
}

func (d *decoder) str(node, path string, m map[string]any, key string) string {
	v, ok := m[key]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if key == "id" || key == "source" || key == "target" || key == "sourceHandle" || key == "label" {
			return fmt.Sprint(x) // ids written as numbers, as editors sometimes do
		}
	}
	d.mismatch(node, join(path, key), "a text", v)
	return ""
}

func (d *decoder) strs(node, path string, m map[string]any, key string) []string {
	v, ok := m[key]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		d.mismatch(node, join(path, key), "a list of texts", v)
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			d.mismatch(node, fmt.Sprintf("%s.%s[%d]", path, key, i), "a text", e)
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) number(node, path string, m map[string]any, key string) float64 {
	v, ok := m[key]
	if !ok || v == nil {
		return 0
	}
	x, ok := v.(float64)
	if !ok {
		d.mismatch(node, join(path, key), "a number", v)
	}
	return x
}

func (d *decoder) flow(tree any) {
	f := d.f
	m := d.object("", "", tree, flowKeys, reactFlowKeys)
	if m == nil {
		return
	}
	f.ID = d.str("", "", m, "id")
	f.Name = d.str("", "", m, "name")
	f.Description = d.str("", "", m, "description")
	if v, ok := m["enabled"]; ok && v != nil {
		b, ok := v.(bool)
		if !ok {
			d.mismatch("", "enabled", "true or false", v)
		} else {
			f.Enabled = &b
		}
	}
	if p := d.number("", "", m, "priority"); p != float64(int(p)) {
		d.p.add("", "priority", "%g is not a whole number; use an integer such as 10", p)
	} else {
		f.Priority = int(p)
	}
	f.ExitWords = d.strs("", "", m, "exit_words")
	f.ExitMessage = d.str("", "", m, "exit_message")
	f.FallbackMessage = d.str("", "", m, "fallback_message")
	f.Start = d.str("", "", m, "start")
	if v, ok := m["variables"]; ok && v != nil {
		vars, ok := v.(map[string]any)
		if !ok {
			d.mismatch("", "variables", "an object of variable names to initial values", v)
		} else {
			f.Variables = vars
		}
	}
	if v, ok := m["triggers"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			d.mismatch("", "triggers", "a list of triggers ({keywords, match})", v)
		}
		for i, e := range list {
			p := fmt.Sprintf("triggers[%d]", i)
			tm := d.object("", p, e, triggerKeys, nil)
			if tm == nil {
				f.Triggers = append(f.Triggers, Trigger{})
				continue
			}
			f.Triggers = append(f.Triggers, Trigger{Keywords: d.strs("", p, tm, "keywords"), Match: d.str("", p, tm, "match")})
		}
	}
	if v, ok := m["nodes"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			d.mismatch("", "nodes", "a list of nodes", v)
		}
		for i, e := range list {
			f.Nodes = append(f.Nodes, d.node(fmt.Sprintf("nodes[%d]", i), e))
		}
	}
	if v, ok := m["edges"]; ok && v != nil {
		list, ok := v.([]any)
		if !ok {
			d.mismatch("", "edges", "a list of edges", v)
		}
		for i, e := range list {
			p := fmt.Sprintf("edges[%d]", i)
			em := d.object("", p, e, edgeKeys, reactFlowEdgeKeys)
			if em == nil {
				f.Edges = append(f.Edges, Edge{})
				continue
			}
			f.Edges = append(f.Edges, Edge{ID: d.str("", p, em, "id"), Source: d.str("", p, em, "source"),
				SourceHandle: d.str("", p, em, "sourceHandle"), Target: d.str("", p, em, "target"), Label: d.str("", p, em, "label")})
		}
	}
}

func (d *decoder) node(path string, v any) Node {
	var n Node
	id := ""
	if m, ok := v.(map[string]any); ok {
		id, _ = m["id"].(string)
	}
	m := d.object(id, path, v, nodeKeys, reactFlowNodeKeys)
	if m == nil {
		return n
	}
	n.ID = d.str(id, path, m, "id")
	n.Type = d.str(id, path, m, "type")
	if pv, ok := m["position"]; ok && pv != nil {
		pm := d.object(id, path+".position", pv, []string{"x", "y"}, nil)
		if pm != nil {
			n.Position = Position{X: d.number(id, path+".position", pm, "x"), Y: d.number(id, path+".position", pm, "y")}
		}
	}
	if dv, ok := m["data"]; ok && dv != nil {
		dp := path + ".data"
		dm := d.object(id, dp, dv, dataKeys, nil)
		if dm != nil {
			n.Data = NodeData{Label: d.str(id, dp, dm, "label"), Subtitle: d.str(id, dp, dm, "subtitle"),
				Channel: d.str(id, dp, dm, "channel"), Description: d.str(id, dp, dm, "description")}
			if pv, ok := dm["parameters"]; ok && pv != nil {
				pm, ok := pv.(map[string]any)
				if !ok {
					d.mismatch(id, dp+".parameters", "an object of parameters", pv)
				} else {
					n.Data.Parameters = pm
				}
			}
		}
	}
	return n
}
