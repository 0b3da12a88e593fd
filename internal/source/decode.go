package source

import (
	"bytes"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Limits on what Decode reads: larger or deeper files are refused with a
// problem, before the parser spends time on them.
const (
	MaxSize  = 4 << 20 // bytes
	MaxDepth = 100     // nested mappings and lists
)

// Options say how to read one kind of file.
type Options struct {
	// Kind names the kind of file in messages ("a workspace file");
	// default "this file".
	Kind string
	// Empty completes the problem of an empty file ("the file is empty;
	// " + Empty), saying what the file should hold.
	Empty string
	// AtKeys places every member at its key (flows: `"timeout_seconds":
	// 90` is found by its key), inside free-form values (any, maps of any)
	// too. Otherwise a member is placed at its value when that is a scalar
	// (a mapping or a list is always placed at its key), and a free-form
	// value as a whole.
	AtKeys bool
	// Ignore lists, for struct types, keys that are accepted and ignored
	// (an editor's own keys, for example).
	Ignore map[reflect.Type][]string
}

// Decoder is one decoded file: the problems found so far and where each
// field path is.
type Decoder struct {
	file     string
	opts     Options
	json     bool
	problems Problems
	pos      map[string]pos
	// suggested holds paths an unknown key was probably meant for, and
	// broken the paths whose value was refused (wrong kind, alias…): a
	// "missing" problem there would repeat what was already said.
	suggested map[string]bool
	broken    map[string]bool
	// src is the file and texts the texts decoded, by path, for
	// TextPosition, which builds on demand (under mu) where the lines of
	// src start and the positions of each text asked.
	src    string
	texts  map[string]text
	mu     sync.Mutex
	lines  []int
	tables map[string][]pos
}

// Decode decodes data, the file named file, into v, a pointer to a struct
// whose fields have yaml (or else json) tags. The file is JSON when its
// name ends in .json, YAML when it ends in .yaml or .yml, and otherwise
// JSON when its text starts with "{".
//
// A problem that leaves nothing to decode (a syntax error, an empty or
// too large file) is returned as Problems holding it alone. Every other
// problem is collected: add semantic ones with At and Missing, then read
// them all with Err.
func Decode(file string, data []byte, v any, opts Options) (*Decoder, error) {
	if opts.Kind == "" {
		opts.Kind = "this file"
	}
	d := &Decoder{file: file, opts: opts, json: isJSON(file, data),
		suggested: map[string]bool{}, broken: map[string]bool{}}
	body, err := d.parse(data)
	if err != nil {
		return d, err
	}
	d.pos[""] = pos{1, 1} // problems of the whole file point at its start
	d.decode(body, "", reflect.ValueOf(v).Elem(), 0)
	return d, nil
}

func isJSON(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}

// parse returns the body of the file's one document.
func (d *Decoder) parse(data []byte) (ast.Node, error) {
	fatal := func(p Problem) (ast.Node, error) {
		p.File = d.file
		return nil, Problems{p}
	}
	if len(data) > MaxSize {
		return fatal(Problem{Message: fmt.Sprintf("the file is %d bytes; files of more than %d MiB are refused, split it", len(data), MaxSize>>20)})
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fatal(Problem{Message: strings.TrimSuffix("the file is empty; "+d.opts.Empty, "; ")})
	}
	d.pos = map[string]pos{}
	d.src = string(data)
	if d.json {
		if p, bad := jsonSyntax(data, d.opts.Kind); bad {
			return fatal(p)
		}
		root, deep, err := jsonTree(data)
		switch {
		case deep != nil:
			return fatal(Problem{Line: deep.Position.Line, Column: deep.Position.Column, Message: deepMessage})
		case err != nil:
			return fatal(Problem{Message: err.Error()})
		}
		return root, nil
	}
	tokens := lexer.Tokenize(d.src)
	if tk := tooDeep(tokens); tk != nil {
		return fatal(Problem{Line: tk.Position.Line, Column: tk.Position.Column, Message: deepMessage})
	}
	f, err := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return fatal(yamlSyntax(err))
	}
	var docs []ast.Node
	for _, doc := range f.Docs {
		if doc.Body != nil {
			if _, comment := doc.Body.(*ast.CommentGroupNode); !comment {
				docs = append(docs, doc.Body)
			}
		}
	}
	if len(docs) == 0 {
		return fatal(Problem{Message: strings.TrimSuffix("the file is empty; "+d.opts.Empty, "; ")})
	}
	if len(docs) > 1 {
		d.add(docs[1], "", nil, "%s holds one document; remove the second `---` and what follows, or split it into two files", d.opts.Kind)
	}
	return docs[0], nil
}

var deepMessage = fmt.Sprintf("the values are nested more than %d levels deep; flatten them", MaxDepth)

// tooDeep returns the token at which the nesting of mappings and lists
// exceeds MaxDepth, or nil. It looks at tokens, so that the parser, whose
// time grows with the square of the depth, never sees such a file; the
// decoder counts exactly.
func tooDeep(tokens token.Tokens) *token.Token {
	flow := 0
	var block []int // columns of the open block mappings and lists
	for i, tk := range tokens {
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingValueType:
			if flow > 0 {
				continue
			}
			col := tk.Position.Column
			if tk.Type == token.MappingValueType && i > 0 {
				col = tokens[i-1].Position.Column // the key's
			}
			for len(block) > 0 && block[len(block)-1] > col {
				block = block[:len(block)-1]
			}
			if len(block) == 0 || block[len(block)-1] < col {
				block = append(block, col)
			}
		default:
			continue
		}
		if flow+len(block) > MaxDepth {
			return tk
		}
	}
	return nil
}

// add records a problem at node n (or, without a position, at path).
func (d *Decoder) add(n ast.Node, path string, valid []string, format string, args ...any) {
	p := Problem{File: d.file, Path: path, Message: fmt.Sprintf(format, args...), Valid: valid}
	if at, ok := position(n); ok {
		p.Line, p.Column = int(at.line), int(at.col)
	} else {
		p = d.Locate(p)
	}
	d.problems = append(d.problems, p)
}

// Locate returns p with the file and the position of its path (or of the
// path's nearest recorded parent; the start of the file for a top-level
// key the file lacks). A nil Decoder (a document built in Go) leaves p as
// it is.
func (d *Decoder) Locate(p Problem) Problem {
	if d == nil {
		return p
	}
	p.File = d.file
	for q := p.Path; ; {
		if at, ok := d.pos[q]; ok {
			p.Line, p.Column = int(at.line), int(at.col)
			return p
		}
		if q == "" {
			return p
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			i = 0
		}
		q = q[:i]
	}
}

// At records a problem at the position of path.
func (d *Decoder) At(path, format string, args ...any) {
	d.problems = append(d.problems, d.Locate(Problem{Path: path, Message: fmt.Sprintf(format, args...)}))
}

// Missing records that a required value at path is absent, unless that
// was already said another way (see Reported).
func (d *Decoder) Missing(path, format string, args ...any) {
	if d.Reported(path) {
		return
	}
	d.At(path, "missing: "+format, args...)
}

// Reported reports whether a problem already covers path: an unknown key
// was probably meant for it, or its value (or a parent's) was refused.
func (d *Decoder) Reported(path string) bool {
	if d == nil {
		return false
	}
	if d.suggested[path] {
		return true
	}
	for q := path; q != ""; {
		if d.broken[q] {
			return true
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			break
		}
		q = q[:i]
	}
	return false
}

// File returns the name of the file decoded ("" for a nil Decoder).
func (d *Decoder) File() string {
	if d == nil {
		return ""
	}
	return d.file
}

// Problems returns the problems recorded so far, in the order found.
func (d *Decoder) Problems() Problems { return d.problems }

// Err returns every problem recorded, sorted by position, or nil.
func (d *Decoder) Err() error {
	if len(d.problems) == 0 {
		return nil
	}
	d.problems.Sort()
	return d.problems
}
