package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"github.com/goccy/go-yaml"
)

// jsonSyntax checks that data is one JSON value, and otherwise returns
// the problem. The YAML parser reads JSON, but accepts more (comments,
// unquoted texts, trailing commas) and words its errors for YAML: a .json
// file must be JSON, and hear about it in JSON's terms. encoding/json only
// checks here (json.Valid allocates nothing); decoding is the parser's.
func jsonSyntax(data []byte, kind string) (Problem, bool) {
	if json.Valid(data) {
		return Problem{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var v json.RawMessage
	err := dec.Decode(&v)
	if err == nil {
		off := skipSpace(data, int(dec.InputOffset()))
		l, c := lineCol(data, off)
		return Problem{Line: l, Column: c, Message: "invalid JSON: more than one value; " + kind + " holds one object"}, true
	}
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
	return p, true
}

// skipSpace returns the offset of the next token at or after off.
func skipSpace(data []byte, off int) int {
	for off < len(data) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

func lineCol(data []byte, off int) (int, int) {
	off = max(min(off, len(data)), 0)
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

func yamlSyntax(err error) Problem {
	p := Problem{Message: err.Error()}
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
