package source_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/causerie/causerie/internal/source"
)

type doc struct {
	Name    string            `yaml:"name"`
	Count   int               `yaml:"count,omitempty"`
	Ratio   float64           `yaml:"ratio,omitempty"`
	On      *bool             `yaml:"on,omitempty"`
	Items   []item            `yaml:"items,omitempty"`
	Labels  []label           `yaml:"labels,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Args    map[string]any    `yaml:"args,omitempty"`
	Extra   any               `yaml:"extra,omitempty"`
}

type item struct {
	ID   string `json:"id"` // json tags are read too
	Size int    `json:"size"`
}

type label struct {
	Name        string `yaml:"name" shorthand:"true"`
	Description string `yaml:"description,omitempty"`
}

// decode decodes src and returns the problems, decode and fatal ones.
func decode(t *testing.T, file, src string, opts source.Options) (*doc, *source.Decoder, source.Problems) {
	t.Helper()
	var v doc
	d, err := source.Decode(file, []byte(src), &v, opts)
	if err != nil {
		var ps source.Problems
		if !errors.As(err, &ps) || len(ps) != 1 {
			t.Fatalf("Decode = %v, want one problem", err)
		}
		return nil, d, ps
	}
	return &v, d, d.Problems()
}

func one(t *testing.T, ps source.Problems) source.Problem {
	t.Helper()
	if len(ps) != 1 {
		t.Fatalf("%d problems, want 1:\n%v", len(ps), ps)
	}
	return ps[0]
}

func TestDecodeValues(t *testing.T) {
	for _, tc := range []struct{ file, src string }{
		{"v.yaml", "name: n\ncount: 3\nratio: 1\non: true\nitems:\n  - {id: 7, size: 2}\nlabels: [a, {name: b, description: B}]\nheaders: {X-A: b}\nargs: {n: 1, l: [x, 2.5], m: {k: null}}\nextra: 12\n"},
		{"v.json", `{"name": "n", "count": 3, "ratio": 1, "on": true, "items": [{"id": 7, "size": 2.0}], "labels": ["a", {"name": "b", "description": "B"}],
			"headers": {"X-A": "b"}, "args": {"n": 1, "l": ["x", 2.5], "m": {"k": null}}, "extra": 1.2e1}`},
	} {
		v, _, ps := decode(t, tc.file, tc.src, source.Options{})
		if len(ps) > 0 {
			t.Fatalf("%s: %v", tc.file, ps)
		}
		on := true
		want := &doc{Name: "n", Count: 3, Ratio: 1, On: &on, Items: []item{{ID: "7", Size: 2}},
			Labels: []label{{Name: "a"}, {Name: "b", Description: "B"}}, Headers: map[string]string{"X-A": "b"},
			Args: map[string]any{"n": 1.0, "l": []any{"x", 2.5}, "m": map[string]any{"k": nil}}, Extra: 12.0}
		if d := cmp.Diff(want, v); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.file, d)
		}
	}
}

// Free-form values of a JSON file are what encoding/json makes of them.
func TestJSONValuesAsEncodingJSON(t *testing.T) {
	for _, src := range []string{
		`{"a": [1, -0, 1E5, 0.5e-3, -12, 12345678901234567890123, 1e400]}`,
		`{"s": "\ud83d\ude00 \u00e9\/ \"q\" \\ # : - [ ] &x *y !t", "e": "", "t": "\ttab"}`,
		"{\r\n\t\"a\": {\"b\": [true, false, null, {}, []]}\r\n}",
		`{"? q": 1, "- d": 2, "!": 3, "|": 4, "key with: colon": "v"}`,
	} {
		var v struct {
			X any `yaml:"x"`
		}
		d, err := source.Decode("v.json", []byte(`{"x": `+src+`}`), &v, source.Options{})
		if err != nil || d.Err() != nil {
			t.Fatalf("%s: %v %v", src, err, d.Err())
		}
		var want any
		if err := json.Unmarshal([]byte(src), &want); err != nil {
			// 1e400 is out of range for encoding/json: drop it and compare the rest.
			src = strings.Replace(src, ", 1e400", "", 1)
			if err := json.Unmarshal([]byte(src), &want); err != nil {
				t.Fatal(err)
			}
			list := v.X.(map[string]any)["a"].([]any)
			if last := list[len(list)-1]; last != "1e400" {
				t.Errorf("1e400 = %#v, want the text", last)
			}
			v.X.(map[string]any)["a"] = list[:len(list)-1]
		}
		if d := cmp.Diff(want, v.X); d != "" {
			t.Errorf("%s (-encoding/json +source):\n%s", src, d)
		}
	}
}

// Problems point at file:line:column: in JSON and YAML alike, a scalar at
// its value (or with AtKeys at its key), a mapping or list at its key, a
// list item at its first character.
func TestPositions(t *testing.T) {
	const jsonSrc = "{\n  \"name\": \"n\",\n  \"items\": [\n    {\"id\": \"a\", \"size\": 1}\n  ],\n  \"args\": {\"k\": 1}\n}"
	const yamlSrc = "name: n\nitems:\n  - {id: a, size: 1}\nargs:\n  k: 1\n"
	for _, tc := range []struct {
		file, src string
		atKeys    bool
		want      map[string]string // path → line:column
	}{
		{"p.json", jsonSrc, false, map[string]string{"name": "2:11", "items": "3:3", "items[0]": "4:5", "items[0].size": "4:25",
			"items[0].nothing": "4:5", "args.k": "6:3", "missing": "1:1", "": "1:1"}},
		{"p.json", jsonSrc, true, map[string]string{"name": "2:3", "items[0]": "4:5", "items[0].size": "4:17", "args.k": "6:12"}},
		{"p.yaml", yamlSrc, false, map[string]string{"name": "1:7", "items": "2:1", "items[0]": "3:5", "items[0].size": "3:19", "args.k": "4:1"}},
		{"p.yaml", yamlSrc, true, map[string]string{"name": "1:1", "items[0].size": "3:13", "args.k": "5:3"}},
	} {
		_, d, ps := decode(t, tc.file, tc.src, source.Options{AtKeys: tc.atKeys})
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		for path, want := range tc.want {
			p := d.Locate(source.Problem{Path: path})
			if got := fmt.Sprintf("%d:%d", p.Line, p.Column); got != want || p.File != tc.file {
				t.Errorf("%s (AtKeys %t): %q is at %s:%s, want %s", tc.file, tc.atKeys, path, p.File, got, want)
			}
		}
	}
}

func TestUnknownKeySuggests(t *testing.T) {
	_, d, ps := decode(t, "u.yaml", "name: n\nitems:\n  - {id: a, sise: 2}\n", source.Options{})
	p := one(t, ps)
	want := source.Problem{File: "u.yaml", Line: 3, Column: 13, Path: "items[0].sise", Message: `unknown key "sise" (did you mean "size"?)`,
		Valid: []string{"id", "size"}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if got := p.String(); got != `u.yaml:3:13: items[0].sise: unknown key "sise" (did you mean "size"?) (valid: id, size)` {
		t.Errorf("String() = %s", got)
	}
	// The key it was meant for is not reported missing on top.
	d.Missing("items[0].size", "an item needs a size")
	if len(d.Problems()) != 1 {
		t.Errorf("Missing after a misspelt key: %v", d.Problems())
	}
	d.Missing("items[0].id", "an item needs an id")
	if len(d.Problems()) != 2 {
		t.Errorf("Missing says nothing: %v", d.Problems())
	}
}

func TestIgnoredKeys(t *testing.T) {
	_, _, ps := decode(t, "i.json", `{"name": "n", "items": [{"id": "a", "width": 3}]}`,
		source.Options{Ignore: map[reflect.Type][]string{reflect.TypeFor[item](): {"width"}}})
	if len(ps) > 0 {
		t.Errorf("ignored key reported: %v", ps)
	}
}

func TestWrongKinds(t *testing.T) {
	for _, tc := range []struct{ file, src, want string }{
		{"w.yaml", "items: {id: a}\n", `w.yaml:1:8: items: expected a list of mappings (id, size), got a mapping`},
		{"w.json", `{"items": {"id": "a"}}`, `w.json:1:11: items: expected a list of objects (id, size), got an object`},
		{"w.yaml", "count: many\n", `w.yaml:1:8: count: expected an integer, got the text "many"`},
		{"w.yaml", "count: 1.5\n", `w.yaml:1:8: count: expected an integer, got the number 1.5`},
		{"w.json", `{"on": "yes"}`, `w.json:1:8: on: expected true or false, got the text "yes"`},
		{"w.json", `{"ratio": null, "name": ["a"]}`, `w.json:1:25: name: expected a text, got a list`},
		{"w.yaml", "labels: [[a]]\n", `w.yaml:1:10: labels[0]: expected a name or a mapping (name, description), got a list`},
		{"w.yaml", "headers: {X-A: [b]}\n", `w.yaml:1:16: headers.X-A: expected a text, got a list`},
		{"w.yaml", "[a]\n", `w.yaml:1:1: expected a mapping (name, count, ratio, on, items, labels, headers, args, extra), got a list`},
		{"w.yaml", "name: a\nname: b\n", `w.yaml:2:1: name: key "name" appears twice in this mapping; keep one`},
		{"w.yaml", "args: {n: .inf}\n", `w.yaml:1:11: args.n: .inf is not a number JSON can hold; write a number, or the text in quotes`},
	} {
		_, _, ps := decode(t, tc.file, tc.src, source.Options{})
		if got := one(t, ps).String(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

// Anchors, aliases and merge keys are refused: a file says everything
// where it applies.
func TestAliasesRefused(t *testing.T) {
	_, _, ps := decode(t, "a.yaml", "items:\n  - &x {id: a, size: 1}\n  - *x\nargs:\n  <<: {k: 1}\n", source.Options{Kind: "a test file"})
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	want := []string{
		"a.yaml:2:5: items[0]: anchors (&x) are not supported in a test file; write the value out where it is needed",
		"a.yaml:3:5: items[1]: aliases (*x) are not supported in a test file; repeat the value instead",
		"a.yaml:5:3: args: merge keys (<<) are not supported in a test file; write the keys out",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestLimits(t *testing.T) {
	deep := func(open, end string, n int) string {
		return `{"extra": ` + strings.Repeat(open, n) + "1" + strings.Repeat(end, n) + "}"
	}
	for _, tc := range []struct{ name, file, src, want string }{
		{"deep JSON", "d.json", deep(`{"a": `, "}", 150), "d.json:1:"},
		{"deep lists", "d.yaml", "extra: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000), "d.yaml:1:"},
		{"deep block lists", "d.yaml", "extra:\n" + strings.Repeat("- ", 200) + "1\n", "d.yaml:2:"},
		{"deep block mappings", "d.yaml", "extra:\n" + func() string {
			var b strings.Builder
			for i := range 120 {
				fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i+1))
			}
			return b.String()
		}(), "d.yaml:"},
	} {
		_, _, ps := decode(t, tc.file, tc.src, source.Options{})
		if got := one(t, ps).String(); !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(got, "nested more than 100 levels deep; flatten them") {
			t.Errorf("%s: %s", tc.name, got)
		}
	}
	// 99 levels are fine.
	if _, _, ps := decode(t, "ok.json", deep(`{"a": `, "}", 98), source.Options{}); len(ps) > 0 {
		t.Errorf("98 nested objects: %v", ps)
	}
	big := `{"name": "` + strings.Repeat("x", source.MaxSize) + `"}`
	if _, _, ps := decode(t, "big.json", big, source.Options{}); !strings.Contains(one(t, ps).Message, "files of more than 4 MiB are refused") {
		t.Errorf("big file: %v", ps)
	}
}

func TestSyntaxAndEmpty(t *testing.T) {
	for _, tc := range []struct{ file, src, want string }{
		{"s.json", "{\n  \"name\": \"n\"\n  \"count\": 1\n}", `s.json:3:3: invalid JSON: invalid character '"' after object key:value pair`},
		{"s.json", `{"name": "n",`, "s.json:1:14: invalid JSON: the document ends too early"},
		{"s.json", `{"name": "n"} {}`, "s.json:1:15: invalid JSON: more than one value; a test file holds one object"},
		{"s.json", `{"name": 'n'}`, "s.json:1:10: invalid JSON: invalid character '\\''"},
		{"s.yaml", "name: n\nitems:\n  - id: a\n   size: 1\n", "s.yaml:4:"},
		{"s.yaml", " \n# nothing\n", "s.yaml: the file is empty; write a name"},
		{"s.json", "", "s.json: the file is empty; write a name"},
	} {
		_, _, ps := decode(t, tc.file, tc.src, source.Options{Kind: "a test file", Empty: "write a name"})
		if got := one(t, ps).String(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%q:\n got %s\nwant %s…", tc.src, got, tc.want)
		}
	}
	_, _, ps := decode(t, "two.yaml", "name: a\n---\nname: b\n", source.Options{Kind: "a test file"})
	if p := one(t, ps); p.Line != 3 || !strings.Contains(p.Message, "a test file holds one document") {
		t.Errorf("two documents: %v", p)
	}
}

func TestProblemsSortAndString(t *testing.T) {
	ps := source.Problems{
		{File: "b.json", Message: "lacks something"},
		{File: "b.json", Line: 2, Column: 1, Node: "n1", Path: "nodes[0].type", Message: "bad type", Valid: []string{"message", "end"}},
		{File: "a.yaml", Line: 9, Column: 3, Message: "nine"},
		{File: "b.json", Line: 1, Column: 5, Message: "first"},
		{Message: "no file"},
	}
	want := `5 problems:
b.json:1:5: first
b.json:2:1: node "n1": nodes[0].type: bad type (valid: message, end)
b.json: lacks something
a.yaml:9:3: nine
no file`
	if got := ps.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if ps[0].Message != "lacks something" {
		t.Errorf("Error sorted the problems in place")
	}
	if got := (source.Problems{{Message: "x"}}).Error(); got != "1 problem:\nx" {
		t.Errorf("one problem: %q", got)
	}
}
