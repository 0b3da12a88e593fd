package dsl_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/internal/source"
)

func problemsOf(t *testing.T, name, src string, opts dsl.Options) source.Problems {
	t.Helper()
	_, err := dsl.Check(name, []byte(src), opts)
	var ps source.Problems
	if err != nil && !errors.As(err, &ps) {
		t.Fatalf("Check: %v", err)
	}
	return ps
}

// wrap puts one node between a welcome message and an end node.
func wrap(node string, extraEdges ...string) string {
	id := node[strings.Index(node, `"id"`):]
	id = strings.TrimSpace(id[strings.Index(id, ":")+1:])
	id = id[1 : strings.Index(id[1:], `"`)+1]
	edges := []string{`{"id": "a", "source": "start", "target": "` + id + `"}`, `{"id": "b", "source": "` + id + `", "target": "end"}`}
	edges = append(edges, extraEdges...)
	return `{"id": "t", "name": "Test", "nodes": [
{"id": "start", "type": "message", "data": {"parameters": {"text": "Bonjour"}}},
` + node + `,
{"id": "end", "type": "end"}
], "edges": [` + strings.Join(edges, ",\n") + `]}`
}

// Seed 004's five blocks are accepted exactly as the seed prints them,
// the sales-task block without an action_type included.
func TestSeed004BlocksVerbatim(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"create-sales-task", "http-notify", "create-crm-contact", "ai-reply", "tag-contact"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			block, err := os.ReadFile("testdata/seed004/" + name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			src := wrap(string(block))
			f, err := dsl.Check(name+".json", []byte(src), dsl.Options{Production: true})
			if err != nil {
				t.Fatalf("seed 004's block is rejected: %v", err)
			}
			p, err := dsl.Compile(f, dsl.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(p.Paths(2)); n != 1 {
				t.Errorf("%d paths, want 1", n)
			}
		})
	}
	t.Run("minimal HTTP call", func(t *testing.T) {
		t.Parallel()
		params, err := os.ReadFile("testdata/seed004/http-minimal-parameters.json")
		if err != nil {
			t.Fatal(err)
		}
		src := wrap(`{"id": "http", "type": "action", "data": {"parameters": ` + string(params) + `}}`)
		if _, err := dsl.Check("minimal.json", []byte(src), dsl.Options{Production: true}); err != nil {
			t.Errorf("seed 004's minimal HTTP call is rejected: %v", err)
		}
	})
}

// A flow as a new user breaks it — a typo in a node type, a timeout of
// 90, an orphan node, an edge to nowhere — gets one message per problem,
// naming the place, the node and the field.
func TestBrokenFlowOneMessagePerProblem(t *testing.T) {
	t.Parallel()
	_, err := dsl.Load("testdata/broken.json", dsl.Options{})
	var ps source.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Load = %v, want Problems", err)
	}
	want := []string{
		`testdata/broken.json:6:23: node "accueil": nodes[0].type: unknown node type "mesage" (did you mean "message"?); valid types: message, question, choice, condition, set_variable, action, ai_reply, handoff, end`,
		`testdata/broken.json:11:8: node "http-notify": nodes[1].data.parameters.timeout_seconds: timeout_seconds is 90, but the maximum is 60 (default 10)`,
		`testdata/broken.json:14:5: node "rappel": nodes[3]: node "rappel" is not connected: no edge enters or leaves it; connect it or delete it`,
		`testdata/broken.json:21:37: edges[2].target: there is no node "fni" (did you mean "fin"?); node ids: "fin", "merci", "accueil", "rappel", "http-notify"`,
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i := range want {
		if ps[i].String() != want[i] {
			t.Errorf("problem %d:\n got %s\nwant %s", i, ps[i], want[i])
		}
	}
}

// Each mistake gets exactly one problem, at the right node and field.
func TestValidateOneProblemEach(t *testing.T) {
	t.Parallel()
	http := func(params string) string {
		return wrap(`{"id": "http", "type": "action", "data": {"parameters": {"action_type": "http_request", ` + params + `}}}`)
	}
	ai := func(params string) string {
		return wrap(`{"id": "ai", "type": "ai_reply", "data": {"parameters": {` + params + `}}}`)
	}
	choice := `{"id": "service", "type": "choice", "data": {"parameters": {"text": "Quel service ?", "options": ["Coupe", "Coloration"], "variable": "service"}}}`
	for _, tc := range []struct {
		name, src string
		prod      bool
		node      string // the problem's node ("" for none)
		path      string
		message   string // a part of the message
	}{
		{"timeout over 60", http(`"http_method": "GET", "url": "https://x.example", "timeout_seconds": 61`), false,
			"http", "nodes[1].data.parameters.timeout_seconds", "timeout_seconds is 61, but the maximum is 60"},
		{"http_method", http(`"http_method": "PATCH", "url": "https://x.example"`), false,
			"http", "nodes[1].data.parameters.http_method", `"PATCH" is not valid; use one of: GET, POST, PUT, DELETE`},
		{"lower-case http_method", http(`"http_method": "post", "url": "https://x.example"`), false,
			"http", "nodes[1].data.parameters.http_method", `"post" is not valid (did you mean "POST"?)`},
		{"missing url", http(`"http_method": "GET"`), false,
			"http", "nodes[1].data.parameters.url", "missing: http_request needs url"},
		{"http in production", http(`"http_method": "GET", "url": "http://crm.example/hook"`), true,
			"http", "nodes[1].data.parameters.url", "is not https: in production"},
		{"headers not JSON", http(`"http_method": "GET", "url": "https://x.example", "headers_json": "Authorization: Bearer x"`), false,
			"http", "nodes[1].data.parameters.headers_json", "this is not valid JSON"},
		{"max_output_tokens over 2000", ai(`"max_output_tokens": "3000"`), false,
			"ai", "nodes[1].data.parameters.max_output_tokens", "max_output_tokens is 3000, but the maximum is 2000 (default 240)"},
		{"temperature over 1", ai(`"temperature": "1.5"`), false,
			"ai", "nodes[1].data.parameters.temperature", "temperature is 1.5, but the maximum is 1 (default 0.4)"},
		{"temperature not a number", ai(`"temperature": "chaud"`), false,
			"ai", "nodes[1].data.parameters.temperature", `the text "chaud" is not a number`},
		{"body_source", ai(`"body_source": "static"`), false,
			"ai", "nodes[1].data.parameters.body_source", `"static" is not valid (did you mean "statique"?)`},
		{"template without body", ai(`"body_source": "template"`), false,
			"ai", "nodes[1].data.parameters.body", `missing: body_source "template" sends parameters.body`},
		{"priorite", wrap(`{"id": "task", "type": "action", "data": {"parameters": {"assignation": "commercial", "priorite": "urgente"}}}`), false,
			"task", "nodes[1].data.parameters.priorite", `"urgente" is not valid; use one of: haute, normale, basse`},
		{"unknown action_type", wrap(`{"id": "tag", "type": "action", "data": {"parameters": {"action_type": "tag_contacts", "tag": "vip"}}}`), false,
			"tag", "nodes[1].data.parameters.action_type", `unknown action_type "tag_contacts" (did you mean "tag_contact"?)`},
		{"no action_type", wrap(`{"id": "x", "type": "action", "data": {"parameters": {"tag": "vip", "stage": "Client"}}}`), false,
			"x", "nodes[1].data.parameters.action_type", "missing: an action node needs parameters.action_type"},
		{"unknown parameter", wrap(`{"id": "tag", "type": "action", "data": {"parameters": {"action_type": "tag_contact", "tags": "vip"}}}`), false,
			"tag", "nodes[1].data.parameters.tags", `unknown parameter "tags" for tag_contact (did you mean "tag"?)`},
		{"action name as node type", wrap(`{"id": "tag", "type": "tag_contact", "data": {"parameters": {"tag": "vip"}}}`), false,
			"tag", "nodes[1].type", `"tag_contact" is an action, not a node type: use "type": "action"`},
		{"unknown variable", wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Merci {{contact.name}}, à {{heur}}"}}}`), false,
			"m", "nodes[1].data.parameters.text", "unknown variable {{heur}}"},
		{"invalid expression", condition(`contact.budget >`), false,
			"c", "nodes[1].data.parameters.expression", `invalid expression "contact.budget >"`},
		{"unknown name in expression", condition(`budjet > 100`), false,
			"c", "nodes[1].data.parameters.expression", `unknown variable "budjet"`},
		{"condition without its false edge", strings.Replace(wrap(`{"id": "c", "type": "condition", "data": {"parameters": {"expression": "contact.name != ''"}}}`),
			`"source": "c", "target"`, `"source": "c", "sourceHandle": "true", "target"`, 1), false,
			"c", "nodes[1]", `condition node "c" has no edge for its branch "false"`},
		{"choice option without edge", strings.Replace(wrap(choice), `"source": "service", "target"`, `"source": "service", "sourceHandle": "Coupe", "target"`, 1), false,
			"service", "nodes[1]", `choice node "service" has no edge for its option "Coloration"`},
		{"edge through a handle that is not there", strings.Replace(wrap(choice,
			`{"id": "c2", "source": "service", "sourceHandle": "Coloration", "target": "end"}`),
			`"source": "service", "target"`, `"source": "service", "sourceHandle": "Brushing", "target"`, 1), false,
			"service", "edges[1].sourceHandle", `"Brushing" is not a way out of choice node "service"`},
		{"two next steps", wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Hi"}}}`,
			`{"id": "c", "source": "m", "target": "start"}`), false,
			"m", "edges[2]", `node "m" has two edges for its next step (also edges[1]); keep one`},
		{"edge out of an end", wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Hi"}}}`,
			`{"id": "c", "source": "end", "target": "m"}`), false,
			"end", "edges[2]", "an end node has no next step"},
		{"duplicate node id", strings.Replace(wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Hi"}}}`),
			`{"id": "end", "type": "end"}`, `{"id": "end", "type": "end"}, {"id": "m", "type": "end"}`, 1), false,
			"m", "nodes[3].id", `two nodes have the id "m" (also nodes[1])`},
		{"missing question text", wrap(`{"id": "q", "type": "question", "data": {"parameters": {"variable": "date"}}}`), false,
			"q", "nodes[1].data.parameters.text", "missing: the question to ask"},
		{"regex validation without pattern", wrap(`{"id": "q", "type": "question", "data": {"parameters": {"text": "Code ?", "variable": "code", "validation": "regex"}}}`), false,
			"q", "nodes[1].data.parameters.pattern", `missing: validation "regex" needs a pattern`},
		{"reserved variable", wrap(`{"id": "q", "type": "question", "data": {"parameters": {"text": "Nom ?", "variable": "contact"}}}`), false,
			"q", "nodes[1].data.parameters.variable", `"contact" is a reserved name`},
		{"loop with no way out", `{"id": "t", "name": "T", "nodes": [
			{"id": "a", "type": "message", "data": {"parameters": {"text": "a"}}},
			{"id": "b", "type": "question", "data": {"parameters": {"text": "b ?", "variable": "b"}}},
			{"id": "c", "type": "message", "data": {"parameters": {"text": "c"}}}],
			"edges": [{"id": "1", "source": "a", "target": "b"}, {"id": "2", "source": "b", "target": "c"}, {"id": "3", "source": "c", "target": "b"},
			{"id": "4", "source": "b", "sourceHandle": "error", "target": "c"}]}`, false,
			"a", "nodes[0]", `no end node can be reached from node "a" (nor from "b", "c")`},
		{"unknown key", strings.Replace(wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Hi"}}}`), `"name": "Test"`, `"name": "Test", "trigers": []`, 1), false,
			"", "trigers", `unknown key "trigers" (did you mean "triggers"?)`},
		{"match mode", strings.Replace(wrap(`{"id": "m", "type": "message", "data": {"parameters": {"text": "Hi"}}}`), `"name": "Test"`, `"name": "Test", "triggers": [{"keywords": ["rdv"], "match": "exactly"}]`, 1), false,
			"", "triggers[0].match", `"exactly" is not a match mode (did you mean "exact"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := problemsOf(t, "f.json", tc.src, dsl.Options{Production: tc.prod})
			if len(ps) != 1 {
				t.Fatalf("%d problems, want 1:\n%v", len(ps), ps)
			}
			p := ps[0]
			if p.Node != tc.node || p.Path != tc.path || !strings.Contains(p.Message, tc.message) || p.Line == 0 {
				t.Errorf("got %s\nwant node %q, path %s, message containing %q, with a line", p, tc.node, tc.path, tc.message)
			}
		})
	}
}

// condition wraps a condition node with both its edges.
func condition(expr string) string {
	src := wrap(`{"id": "c", "type": "condition", "data": {"parameters": {"expression": "`+expr+`"}}}`,
		`{"id": "f", "source": "c", "sourceHandle": "false", "target": "end"}`)
	return strings.Replace(src, `"source": "c", "target"`, `"source": "c", "sourceHandle": "true", "target"`, 1)
}

// Every problem of a flow is reported at once, YAML flows with their
// positions too.
func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	src := `id: t
name: Test
triggers:
  - keywords: []
nodes:
  - id: ask
    type: question
    data:
      parameters:
        text: Quel jour ?
        variable: date
        validation: day
        max_retries: 20
  - id: pick
    type: choise
    data: {parameters: {text: "?", options: [A, B]}}
  - id: notify
    type: action
    data:
      parameters:
        action_type: http_request
        http_method: GET
        url: ftp://files.example
        timeout_seconds: "0"
  - id: end
    type: end
edges:
  - {id: e1, source: ask, target: pick}
  - {id: e2, source: pick, target: notify}
  - {id: e3, source: notify, target: ending}
`
	ps := problemsOf(t, "flow.yaml", src, dsl.Options{})
	var got []string
	for _, p := range ps {
		got = append(got, fmt.Sprintf("%d %s", p.Line, p.Path))
	}
	want := []string{
		"4 triggers[0].keywords",
		"12 nodes[0].data.parameters.validation",
		"13 nodes[0].data.parameters.max_retries",
		"15 nodes[1].type",
		"23 nodes[2].data.parameters.url",
		"24 nodes[2].data.parameters.timeout_seconds",
		"30 edges[2].target",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s\nall:\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"), ps)
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, src, want string }{
		{"f.json", "{\n  \"id\": \"t\",\n  \"name\": \"T\"\n  \"nodes\": []\n}", "f.json:4:3: invalid JSON: invalid character '\"' after object key:value pair"},
		{"f.json", "{\"id\": \"t\", \"nodes\": [", "f.json:1:23: invalid JSON: the document ends too early"},
		{"f.yaml", "id: t\nnodes:\n  - id: a\n   type: message\n", "f.yaml:4:"},
		{"f.json", "[1, 2]", "f.json:1:1: expected an object"},
	} {
		_, err := dsl.Parse(tc.name, []byte(tc.src))
		if err == nil || !strings.HasPrefix(err.Error(), "1 problem:\n"+tc.want) {
			t.Errorf("Parse(%q) = %v, want %s…", tc.src, err, tc.want)
		}
	}
}

// React Flow's own keys (width, selected, markerEnd…) are accepted, so an
// editor's export validates.
func TestReactFlowExport(t *testing.T) {
	t.Parallel()
	src := `{"id": "t", "name": "T", "viewport": {"x": 0, "y": 0, "zoom": 1}, "nodes": [
{"id": "a", "type": "message", "position": {"x": 1, "y": 2}, "width": 150, "height": 40, "selected": true, "data": {"label": "A", "parameters": {"text": "Hi"}}},
{"id": "b", "type": "end", "position": {"x": 1, "y": 90}, "dragging": false, "data": {"label": "B"}}],
"edges": [{"id": "e", "source": "a", "target": "b", "targetHandle": null, "animated": true, "markerEnd": {"type": "arrowclosed"}}]}`
	if _, err := dsl.Check("export.json", []byte(src), dsl.Options{}); err != nil {
		t.Errorf("a React Flow export is rejected: %v", err)
	}
}

// French admins type accents: "priorité" is seed 004's "priorite", and the
// block (even without action_type) is the sales task.
func TestAccentedParameterNames(t *testing.T) {
	t.Parallel()
	src := wrap(`{"id": "task", "type": "action", "data": {"parameters": {"action_type": "create_task", "title": "Rappeler", "priorité": "haute"}}}`)
	f, err := dsl.Check("t.json", []byte(src), dsl.Options{})
	if err != nil {
		t.Fatalf("priorité refused: %v", err)
	}
	if got := f.Nodes[1].Data.Parameters["priorite"]; got != "haute" {
		t.Errorf("parameters = %v, want priorite: haute", f.Nodes[1].Data.Parameters)
	}
	ps := problemsOf(t, "t.json", wrap(`{"id": "task", "type": "action", "data": {"parameters": {"action_type": "create_task", "title": "Rappeler", "priorité": "urgente"}}}`), dsl.Options{})
	if len(ps) != 1 || !strings.Contains(ps[0].String(), "haute") {
		t.Errorf("priorité: urgente = %v, want one problem naming the valid values", ps)
	}
}
