package source

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"

	"github.com/causerie/causerie/internal/suggest"
)

// position is where node n starts: its first token (for a block mapping,
// the parser's, its first colon).
func position(n ast.Node) (pos, bool) {
	if n == nil {
		return pos{}, false
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{}, false
	}
	return pos{int32(tk.Position.Line), int32(tk.Position.Column)}, true
}

// pos is a line and a column, 1-based.
type pos struct{ line, col int32 }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// value skips tags and refuses anchors and aliases, returning the node
// that holds the value (nil for none).
func (d *Decoder) value(n ast.Node, path string) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			d.add(v, path, nil, "anchors (&%s) are not supported in %s; write the value out where it is needed", anchorName(v.Name), d.opts.Kind)
			n = v.Value
		case *ast.AliasNode:
			d.broken[path] = true
			d.add(v, path, nil, "aliases (*%s) are not supported in %s; repeat the value instead", anchorName(v.Value), d.opts.Kind)
			return nil
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
}

// bare skips tags and anchors, reporting nothing.
func bare(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		default:
			return n
		}
	}
}

func anchorName(n ast.Node) string {
	if n == nil || n.GetToken() == nil {
		return "name"
	}
	return n.GetToken().Value
}

// mapping returns the entries of a mapping node, or false.
func mapping(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// key returns the text of a mapping key, or false for a merge key or a
// key that is not a scalar.
func (d *Decoder) key(mv *ast.MappingValueNode, path string) (string, bool) {
	k := ast.Node(mv.Key)
	if mk, ok := k.(*ast.MappingKeyNode); ok {
		k = mk.Value
	}
	switch k := k.(type) {
	case *ast.MergeKeyNode:
		d.broken[path] = true // what it would have brought is not missing
		d.add(k, path, nil, "merge keys (<<) are not supported in %s; write the keys out", d.opts.Kind)
		return "", false
	case ast.ScalarNode:
		if k.GetToken() != nil {
			return k.GetToken().Value, true
		}
	}
	d.add(mv.Key, path, nil, "a key must be a plain name, not %s", d.describe(k))
	return "", false
}

// place records where the member path (of mapping entry mv) is.
func (d *Decoder) place(mv *ast.MappingValueNode, path string) {
	atKey := d.opts.AtKeys
	if !atKey {
		switch bare(mv.Value).(type) {
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.NullNode, nil:
			atKey = true // a whole mapping or list is found by its key
		}
	}
	if at, ok := position(mv.Key); ok && atKey {
		d.pos[path] = at
	}
}

func (d *Decoder) decode(n ast.Node, path string, v reflect.Value, depth int) {
	n = d.value(n, path)
	if n == nil {
		return
	}
	if _, seen := d.pos[path]; !seen {
		if at, ok := position(n); ok {
			d.pos[path] = at
		}
	}
	if _, isNull := n.(*ast.NullNode); isNull {
		return // an empty value leaves the zero value
	}
	if depth >= MaxDepth {
		d.broken[path] = true
		d.add(n, path, nil, "%s", deepMessage)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		nv := reflect.New(v.Type().Elem())
		before := len(d.problems)
		d.decode(n, path, nv.Elem(), depth)
		if len(d.problems) == before {
			v.Set(nv)
		}
	case reflect.Struct:
		d.decodeStruct(n, path, v, depth)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
		for i, item := range seq.Values {
			d.decode(item, index(path, i), out.Index(i), depth+1)
		}
		v.Set(out)
	case reflect.Map:
		d.decodeMap(n, path, v, depth)
	case reflect.String:
		s, ok := d.text(n)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetString(s)
		d.record(n, path, s)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, ok := d.number(n)
		if !ok || x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 || v.OverflowInt(int64(x)) {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetInt(int64(x))
	case reflect.Float32, reflect.Float64:
		x, ok := d.number(n)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetFloat(x)
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			d.mismatch(n, path, v.Type())
			return
		}
		v.SetBool(b.Value)
	case reflect.Interface:
		if x := d.anyValue(n, path, depth, true); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	default:
		panic(fmt.Sprintf("source: cannot decode into %s", v.Type()))
	}
}

func (d *Decoder) decodeStruct(n ast.Node, path string, v reflect.Value, depth int) {
	t := v.Type()
	values, ok := mapping(n)
	if !ok {
		if _, scalar := n.(ast.ScalarNode); scalar && shorthandField(t) >= 0 {
			i := shorthandField(t)
			d.decode(n, join(path, keyOf(t.Field(i))), v.Field(i), depth)
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
	ignored := d.opts.Ignore[t]
	seen := map[string]bool{}
	for _, mv := range values {
		key, ok := d.key(mv, path)
		if !ok {
			continue
		}
		p := join(path, key)
		if seen[key] {
			d.add(mv.Key, p, nil, "key %q appears twice in this mapping; keep one", key)
			continue
		}
		seen[key] = true
		i, ok := fields[key]
		if !ok {
			if contains(ignored, key) {
				continue
			}
			keys := keysOf(t)
			msg := fmt.Sprintf("unknown key %q", key)
			if c := suggest.Close(key, keys); c != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", c)
				d.suggested[join(path, c)] = true
			}
			d.add(mv.Key, p, keys, "%s", msg)
			continue
		}
		d.place(mv, p)
		d.decode(mv.Value, p, v.Field(i), depth+1)
	}
}

// decodeMap decodes a mapping of names to values (map[string]T).
func (d *Decoder) decodeMap(n ast.Node, path string, v reflect.Value, depth int) {
	values, ok := mapping(n)
	if !ok {
		d.mismatch(n, path, v.Type())
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("source: cannot decode into %s: keys must be strings", v.Type()))
	}
	// Free-form values (map[string]any) are placed as a whole, unless
	// AtKeys.
	free := v.Type().Elem().Kind() == reflect.Interface && !d.opts.AtKeys
	out := reflect.MakeMapWithSize(v.Type(), len(values))
	for _, mv := range values {
		key, ok := d.key(mv, path)
		if !ok {
			continue
		}
		p := join(path, key)
		k := reflect.ValueOf(key).Convert(v.Type().Key())
		if out.MapIndex(k).IsValid() {
			d.add(mv.Key, p, nil, "key %q appears twice in this mapping; keep one", key)
			continue
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if free {
			if x := d.anyValue(mv.Value, p, depth+1, false); x != nil {
				e.Set(reflect.ValueOf(x))
			}
		} else {
			d.place(mv, p)
			d.decode(mv.Value, p, e, depth+1)
		}
		out.SetMapIndex(k, e)
	}
	v.Set(out)
}

// anyValue decodes a free-form value as encoding/json would: mappings as
// map[string]any, lists as []any, numbers as float64. Unless record, the
// paths inside are not placed (problems there point at the value).
func (d *Decoder) anyValue(n ast.Node, path string, depth int, record bool) any {
	n = d.value(n, path)
	if n == nil {
		return nil
	}
	if _, seen := d.pos[path]; !seen && record {
		if at, ok := position(n); ok {
			d.pos[path] = at
		}
	}
	if depth >= MaxDepth {
		d.broken[path] = true
		d.add(n, path, nil, "%s", deepMessage)
		return nil
	}
	switch x := n.(type) {
	case *ast.NullNode:
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		values, _ := mapping(x)
		m := make(map[string]any, len(values))
		for _, mv := range values {
			key, ok := d.key(mv, path)
			if !ok {
				continue
			}
			p := join(path, key)
			if _, dup := m[key]; dup {
				d.add(mv.Key, p, nil, "key %q appears twice in this mapping; keep one", key)
				continue
			}
			if record {
				d.place(mv, p)
			}
			m[key] = d.anyValue(mv.Value, p, depth+1, record)
		}
		return m
	case *ast.SequenceNode:
		list := make([]any, len(x.Values))
		for i, item := range x.Values {
			list[i] = d.anyValue(item, index(path, i), depth+1, record)
		}
		return list
	case *ast.BoolNode:
		return x.Value
	case *ast.InfinityNode, *ast.NanNode:
		d.broken[path] = true
		d.add(n, path, nil, "%s is not a number JSON can hold; write a number, or the text in quotes", n.GetToken().Value)
		return nil
	}
	if f, ok := d.number(n); ok {
		return f
	}
	if s, ok := d.text(n); ok {
		d.record(n, path, s)
		return s
	}
	d.broken[path] = true
	d.add(n, path, nil, "cannot read %s here", d.describe(n))
	return nil
}

// number returns the value of a number node. In JSON, the parser leaves
// numbers it cannot hold (1E5, very large integers) as texts: they are
// numbers all the same.
func (d *Decoder) number(n ast.Node) (float64, bool) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		switch i := x.Value.(type) {
		case int64:
			return float64(i), true
		case uint64:
			return float64(i), true
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(x.GetToken().Value, "_", ""), 64)
		return f, err == nil
	case *ast.FloatNode:
		return x.Value, true
	case *ast.StringNode:
		if d.json && x.GetToken().Type != token.DoubleQuoteType {
			f, err := strconv.ParseFloat(x.GetToken().Value, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// text returns the text of a scalar: numbers and booleans where a text is
// expected are the text they are written as ("options: [10, 20]").
func (d *Decoder) text(n ast.Node) (string, bool) {
	switch s := n.(type) {
	case *ast.StringNode:
		return s.Value, true
	case *ast.LiteralNode:
		return s.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return s.GetToken().Value, true
	}
	return "", false
}

// mismatch records that the value at path has the wrong kind.
func (d *Decoder) mismatch(n ast.Node, path string, t reflect.Type) {
	d.broken[path] = true
	d.add(n, path, nil, "expected %s, got %s", d.want(t), d.describe(n))
}

// describe says what a node is, in the words of the file's format.
func (d *Decoder) describe(n ast.Node) string {
	if _, ok := d.number(n); ok && n.GetToken() != nil {
		return "the number " + n.GetToken().Value
	}
	switch v := n.(type) {
	case nil, *ast.NullNode:
		if d.json {
			return "null"
		}
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return d.mappingWord("a")
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return fmt.Sprintf("the text %q", v.Value)
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.BoolNode:
		if d.json {
			return v.GetToken().Value
		}
		return "the boolean " + v.GetToken().Value
	default:
		return n.Type().String()
	}
}

func (d *Decoder) mappingWord(article string) string {
	if d.json {
		return map[string]string{"a": "an object", "": "objects"}[article]
	}
	return map[string]string{"a": "a mapping", "": "mappings"}[article]
}

// want says what a value of type t is written as; plural for lists of
// them.
func (d *Decoder) want(t reflect.Type) string {
	one, _ := d.noun(t)
	return one
}

func (d *Decoder) noun(t reflect.Type) (one, many string) {
	switch t.Kind() {
	case reflect.Pointer:
		return d.noun(t.Elem())
	case reflect.Struct:
		keys := " (" + strings.Join(keysOf(t), ", ") + ")"
		if shorthandField(t) >= 0 {
			return "a name or " + d.mappingWord("a") + keys, "names or " + d.mappingWord("") + keys
		}
		return d.mappingWord("a") + keys, d.mappingWord("") + keys
	case reflect.Slice:
		_, many := d.noun(t.Elem())
		return "a list of " + many, "lists of " + many
	case reflect.String:
		return "a text", "texts"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer", "integers"
	case reflect.Float32, reflect.Float64:
		return "a number", "numbers"
	case reflect.Bool:
		return "true or false", "booleans"
	case reflect.Map:
		return d.mappingWord("a"), d.mappingWord("")
	}
	return "a value", "values"
}

// keyOf returns the key of a struct field (its yaml tag, else its json
// tag), "" if it has none.
func keyOf(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag, ok := f.Tag.Lookup("yaml")
	if !ok {
		tag = f.Tag.Get("json")
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
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

// shorthandField returns the field a struct may be written as alone (tag
// shorthand:"true": a label is its name, or a mapping with a
// description), or -1.
func shorthandField(t reflect.Type) int {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("shorthand") == "true" {
			return i
		}
	}
	return -1
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
