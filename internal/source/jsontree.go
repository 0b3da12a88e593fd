package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// jsonTree builds, for a JSON document already known to be valid, the
// syntax tree goccy/go-yaml's parser would, with the same positions (line,
// and column in characters, of each token's first character), from
// encoding/json's token stream: one linear pass, several times faster than
// the YAML tokenizer on large flows. The tree is what the decoder walks
// for YAML too, so both formats decode alike. deep is the token where the
// nesting passes MaxDepth, nil when it does not.
func jsonTree(data []byte) (root ast.Node, deep *token.Token, err error) {
	b := &jsonBuilder{data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1, col: 1}
	b.dec.UseNumber()
	root, err = b.value(0)
	if b.deep != nil {
		return nil, b.deep, nil
	}
	return root, nil, err
}

var errTooDeep = errors.New("nested too deep")

type jsonBuilder struct {
	data []byte
	dec  *json.Decoder
	// The cursor: the line and column of byte off.
	off, line, col int
	end            int // where the last token ended
	deep           *token.Token
}

// advance moves the cursor to byte to (forward only).
func (b *jsonBuilder) advance(to int) {
	for b.off < to && b.off < len(b.data) {
		c := b.data[b.off]
		switch {
		case c == '\n':
			b.line, b.col = b.line+1, 1
		case utf8.RuneStart(c):
			b.col++
		}
		b.off++
	}
}

// skip moves from the last token's end past blanks and the separators
// ",", ":" to the next token, and returns its position.
func (b *jsonBuilder) skip() *token.Position {
	i := b.end
	for i < len(b.data) {
		switch b.data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	b.advance(i)
	return &token.Position{Line: b.line, Column: b.col, Offset: b.off + 1}
}

// colon is the position of the ":" after a key.
func (b *jsonBuilder) colon() *token.Position {
	i := b.end
	for i < len(b.data) && b.data[i] != ':' {
		i++
	}
	b.advance(i)
	return &token.Position{Line: b.line, Column: b.col, Offset: b.off + 1}
}

func (b *jsonBuilder) next() (json.Token, *token.Position, error) {
	pos := b.skip()
	t, err := b.dec.Token()
	b.end = int(b.dec.InputOffset())
	return t, pos, err
}

func (b *jsonBuilder) value(depth int) (ast.Node, error) {
	t, pos, err := b.next()
	if err != nil {
		return nil, err
	}
	return b.node(t, pos, depth)
}

func (b *jsonBuilder) node(t json.Token, pos *token.Position, depth int) (ast.Node, error) {
	switch x := t.(type) {
	case json.Delim:
		if depth+1 > MaxDepth {
			// Stop here: what is deeper is refused, not walked.
			b.deep = &token.Token{Value: string(x), Position: pos}
			return nil, errTooDeep
		}
		if x == '{' {
			return b.mapping(pos, depth+1)
		}
		return b.sequence(pos, depth+1)
	case string:
		return ast.String(&token.Token{Type: token.DoubleQuoteType, CharacterType: token.CharacterTypeMiscellaneous,
			Value: x, Origin: x, Position: pos}), nil
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil { // out of range (1e400): kept as text, as goccy does
				return ast.String(&token.Token{Type: token.StringType, Value: s, Origin: s, Position: pos}), nil
			}
			n := ast.Float(&token.Token{Type: token.FloatType, Value: s, Origin: s, Position: pos})
			n.Value = f
			return n, nil
		}
		return ast.Integer(&token.Token{Type: token.IntegerType, Value: s, Origin: s, Position: pos}), nil
	case bool:
		s := "false"
		if x {
			s = "true"
		}
		return ast.Bool(&token.Token{Type: token.BoolType, Value: s, Origin: s, Position: pos}), nil
	default: // nil
		return ast.Null(&token.Token{Type: token.NullType, Value: "null", Origin: "null", Position: pos}), nil
	}
}

func (b *jsonBuilder) mapping(pos *token.Position, depth int) (ast.Node, error) {
	m := ast.Mapping(&token.Token{Type: token.MappingStartType, Value: "{", Origin: "{", Position: pos}, true)
	for {
		t, kpos, err := b.next()
		if err != nil {
			return nil, err
		}
		if d, ok := t.(json.Delim); ok && d == '}' {
			return m, nil
		}
		key := ast.String(&token.Token{Type: token.DoubleQuoteType, CharacterType: token.CharacterTypeMiscellaneous,
			Value: t.(string), Origin: t.(string), Position: kpos})
		cpos := b.colon()
		v, err := b.value(depth)
		if err != nil {
			return nil, err
		}
		m.Values = append(m.Values, ast.MappingValue(&token.Token{Type: token.MappingValueType, Value: ":", Origin: ":",
			Position: cpos}, key, v))
	}
}

func (b *jsonBuilder) sequence(pos *token.Position, depth int) (ast.Node, error) {
	s := ast.Sequence(&token.Token{Type: token.SequenceStartType, Value: "[", Origin: "[", Position: pos}, true)
	for {
		t, vpos, err := b.next()
		if err != nil {
			return nil, err
		}
		if d, ok := t.(json.Delim); ok && d == ']' {
			return s, nil
		}
		v, err := b.node(t, vpos, depth)
		if err != nil {
			return nil, err
		}
		s.Values = append(s.Values, v)
	}
}
