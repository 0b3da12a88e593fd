package dsl

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/internal/suggest"
)

// Load reads the flow file at path (JSON, or YAML for .yaml / .yml) and
// checks it; on failure the error is source.Problems, every problem with
// its file:line:column.
func Load(path string, opts Options) (*Flow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read flow file: %w", err)
	}
	return Check(path, data, opts)
}

// Check parses and validates a flow document: it returns the flow, or
// source.Problems listing everything wrong, decoding and validation
// together.
func Check(name string, data []byte, opts Options) (*Flow, error) {
	f, err := Parse(name, data)
	var ps source.Problems
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
		all.Sort()
		return nil, all
	}
	return f, nil
}

// React Flow's own keys, which an editor export carries: accepted and
// ignored.
var ignoredKeys = map[reflect.Type][]string{
	reflect.TypeFor[Flow](): {"viewport"},
	reflect.TypeFor[Node](): {"width", "height", "selected", "dragging", "positionAbsolute", "sourcePosition",
		"targetPosition", "style", "className", "hidden", "zIndex", "measured", "deletable", "draggable", "selectable",
		"connectable", "parentId", "extent", "origin", "resizing", "focusable"},
	reflect.TypeFor[Edge](): {"targetHandle", "type", "animated", "style", "markerEnd", "markerStart", "data",
		"selected", "hidden", "deletable", "focusable", "zIndex", "className", "labelStyle", "interactionWidth"},
}

// Parse decodes a flow document (internal/source): JSON, or YAML when
// name ends in .yaml or .yml or the text does not start with "{". It
// reports every problem of shape (unknown keys, values of the wrong kind)
// as source.Problems, and returns the flow decoded as far as possible
// with them, for Validate to check the rest; after a syntax error it
// returns no flow.
func Parse(name string, data []byte) (*Flow, error) {
	f := &Flow{}
	d, err := source.Decode(name, data, f, source.Options{
		Kind:   "a flow file",
		Empty:  "a flow has an id, a name, nodes and edges",
		AtKeys: true,
		Ignore: ignoredKeys,
	})
	if err != nil {
		return nil, err
	}
	f.src = d
	f.unaccentParameters()
	if ps := d.Problems(); len(ps) > 0 {
		for i := range ps {
			ps[i].Node = f.nodeAt(ps[i].Path)
		}
		ps.Sort()
		return f, ps
	}
	return f, nil
}

// unaccentParameters renames parameters written with accents, as French
// admins do (seed 004's "priorite" typed "priorité"), to the name the
// block declares, when that is the only difference.
func (f *Flow) unaccentParameters() {
	for i := range f.Nodes {
		params := f.Nodes[i].Data.Parameters
		for k, v := range params {
			if isASCII(k) {
				continue
			}
			plain := suggest.StripAccents(k)
			if plain == k || !knownParameter(plain) {
				continue
			}
			if _, taken := params[plain]; !taken {
				delete(params, k)
				params[plain] = v
			}
		}
	}
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// knownParameter reports whether some node kind or action has a
// parameter called name.
func knownParameter(name string) bool {
	for _, b := range kinds {
		if _, ok := b.param(name); ok {
			return true
		}
	}
	for _, a := range actionTypes() {
		if b, ok := actionBlock(a); ok {
			if _, ok := b.param(name); ok {
				return true
			}
		}
	}
	return false
}

// nodeAt returns the id of the node path is in ("nodes[3].data…"), or "".
func (f *Flow) nodeAt(path string) string {
	rest, ok := strings.CutPrefix(path, "nodes[")
	if !ok {
		return ""
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return ""
	}
	i, err := strconv.Atoi(rest[:end])
	if err != nil || i < 0 || i >= len(f.Nodes) {
		return ""
	}
	return f.Nodes[i].ID
}
