package workspace

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/causerie/causerie/internal/suggest"
)

// decoder fills Go values from a YAML syntax tree, recording every
// problem (unknown key, wrong kind of value) instead of stopping at the
// first, and the position of every path for later semantic checks.
type decoder struct {
	file     string
	problems Problems
	pos      map[string]token.Position
	// suggested holds paths an unknown key was probably meant for, and
	// broken the paths whose value had the wrong kind: a "missing" problem
	// there would repeat what was already said.
	suggested map[string]bool
	broken    map[string]bool
}

// parseYAML decodes data into v (a pointer to a struct). Syntax errors
// stop it (the rest of the file cannot be trusted); everything else is
// collected.
func parseYAML(file string, data []byte, v any) (*decoder, error) {
	d := &decoder{file: file, pos: map[string]token.Position{}, suggested: map[string]bool{}, broken: map[string]bool{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return d, Problems{d.syntaxProblem(err)}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return d, Problems{{File: file, Message: "the file is empty; a workspace file starts with a `workspace:` mapping (slug, name)"}}
	}
	if len(f.Docs) > 1 {
		d.add(f.Docs[1].Body, "", "a workspace file holds one document; remove the second `---` and what follows, or split it into two files")
	}
	d.decode(f.Docs[0].Body, "", reflect.ValueOf(v).Elem())
	return d, nil
}

func (d *decoder) syntaxProblem(err error) Problem {
	p := Problem{File: d.file, Message: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
	}
	p.Message = "invalid YAML: " + p.Message +
		" (check the indentation: keys of one mapping line up, nested ones are indented further with spaces, and list items start with \"- \")"
	return p
}

// add records a problem at node.
func (d *decoder) add(n ast.Node, path, format string, args ...any) {
	p := Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...)}
	if n != nil && n.GetToken() != nil {
		p.Line, p.Column = n.GetToken().Position.Line, n.GetToken().Position.Column
	}
	d.problems = append(d.problems, p)
}

// missing records that a required value at path is absent, unless that
// was already reported another way.
func (d *decoder) missing(path, format string, args ...any) {
	if d.suggested[path] {
		return
	}
	for q := path; q != ""; {
		if d.broken[q] {
			return
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	d.at(path, "missing: "+format, args...)
}

// at records a problem at the position of path (or of its nearest
// recorded parent).
func (d *decoder) at(path, format string, args ...any) {
	p := Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...)}
	for q := path; ; {
		if pos, ok := d.pos[q]; ok {
			p.Line, p.Column = pos.Line, pos.Column
			break
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	d.problems = append(d.problems, p)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unwrap skips anchors, tags and comments to the value node.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
}

func describe(n ast.Node) string {
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return fmt.Sprintf("the text %q", v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.IntegerNode, *ast.FloatNode:
		return "the number " + v.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + v.GetToken().Value
	default:
		return n.Type().String()
	}
}

func want(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return want(t.Elem())
	case reflect.Struct:
		if shorthandField(t) >= 0 {
			return "a name or a mapping (" + strings.Join(keysOf(t), ", ") + ")"
		}
		return "a mapping (" + strings.Join(keysOf(t), ", ") + ")"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(want(t.Elem()), "a "), "an ") + "s"
	case reflect.String:
		return "a text"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Map:
		return "a mapping"
	}
	return t.String()
}

// keyOf returns the YAML key of a struct field, "" if it has none.
func keyOf(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

func keysOf(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		if k := keyOf(t.Field(i)); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func shorthandField(t reflect.Type) int {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("shorthand") == "true" {
			return i
		}
	}
	return -1
}

func (d *decoder) decode(n ast.Node, path string, v reflect.Value) {
	n = unwrap(n)
	if n != nil && n.GetToken() != nil {
		if _, seen := d.pos[path]; !seen {
			d.pos[path] = *n.GetToken().Position
		}
	}
	if n == nil {
		return
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		return // an empty value leaves the zero value
	}
	if _, isAlias := n.(*ast.AliasNode); isAlias {
		d.add(n, path, "aliases (*name) are not supported in workspace files; repeat the value")
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		before := len(d.problems)
		d.decode(n, path, nv.Elem())
		if len(d.problems) == before {
			v.Set(nv)
		}
	case reflect.Struct:
		d.decodeStruct(n, path, v)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, fmt.Sprintf("%s[%d]", path, i), out.Index(i))
		}
		v.Set(out)
	case reflect.String:
		switch s := n.(type) {
		case *ast.StringNode:
			v.SetString(s.Value)
		case *ast.LiteralNode:
			v.SetString(s.Value.Value)
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
			v.SetString(s.GetToken().Value) // "options: [10, 20]" means the texts
		default:
			d.mismatch(n, path, v.Type())
		}
	case reflect.Int, reflect.Int64:
		i, ok := n.(*ast.IntegerNode)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		x, err := strconv.ParseInt(i.GetToken().Value, 0, 64)
		if err != nil {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetInt(x)
	case reflect.Float64:
		switch f := n.(type) {
		case *ast.FloatNode:
			v.SetFloat(f.Value)
		case *ast.IntegerNode:
			x, _ := strconv.ParseFloat(f.GetToken().Value, 64)
			v.SetFloat(x)
		default:
			d.mismatch(n, path, v.Type())
		}
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetBool(b.Value)
	case reflect.Map:
		// Free-form arguments (map[string]any): any YAML mapping.
		if _, ok := n.(*ast.MappingNode); !ok {
			if _, ok := n.(*ast.MappingValueNode); !ok {
				d.mismatch(n, path, v.Type())
				return
			}
		}
		m := reflect.New(v.Type())
		if err := yaml.NodeToValue(n, m.Interface()); err != nil {
			d.add(n, path, "cannot read this mapping: %v", err)
			return
		}
		v.Set(m.Elem())
	default:
		panic(fmt.Sprintf("workspace: cannot decode into %s", v.Type()))
	}
}

// mismatch records that the value at path has the wrong kind.
func (d *decoder) mismatch(n ast.Node, path string, t reflect.Type) {
	d.broken[path] = true
	d.add(n, path, "expected %s, got %s", want(t), describe(n))
}

func (d *decoder) decodeStruct(n ast.Node, path string, v reflect.Value) {
	t := v.Type()
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		if i := shorthandField(t); i >= 0 {
			d.decode(n, join(path, keyOf(t.Field(i))), v.Field(i))
			return
		}
		d.mismatch(n, path, t)
		return
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		if k := keyOf(t.Field(i)); k != "" {
			fields[k] = i
		}
	}
	seen := map[string]bool{}
	for _, mv := range values {
		key := mv.Key.GetToken().Value
		if seen[key] {
			d.add(mv.Key, join(path, key), "key %q appears twice in this mapping; keep one", key)
			continue
		}
		seen[key] = true
		i, ok := fields[key]
		if !ok {
			msg := fmt.Sprintf("unknown key %q", key)
			if c := suggest.Close(key, keysOf(t)); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
				d.suggested[join(path, c)] = true
			}
			d.add(mv.Key, join(path, key), "%s; valid keys here: %s", msg, strings.Join(keysOf(t), ", "))
			continue
		}
		// Problems about a whole mapping or list point at its key.
		switch unwrap(mv.Value).(type) {
		case *ast.MappingNode, *ast.SequenceNode, *ast.NullNode:
			d.pos[join(path, key)] = *mv.Key.GetToken().Position
		}
		d.decode(mv.Value, join(path, key), v.Field(i))
	}
}
