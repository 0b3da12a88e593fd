package prompts

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

//go:embed *.tmpl
var files embed.FS

var templates = template.Must(template.New("").Option("missingkey=error").Funcs(template.FuncMap{
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
}).ParseFS(files, "*.tmpl"))

// System is what the system prompt of an AI agent's turn shows: its
// static part (RenderSystemStatic: the rules, the workspace's entities, the
// instructions) and the turn's (RenderSystemTurn: the time, the contact,
// the passages). The enabled actions are the request's tools: their
// descriptions are not repeated here.
type System struct {
	Now          string // "Saturday 21 November 2026, 10:30 UTC"
	Language     string
	Workspace    string
	Agent        string
	Instructions string
	Teams        []Team
	Users        []string // "Marie Dubois <marie@…>"
	AIAgents     []string
	Fields       []Field
	Stages       []string
	ClosingNotes []Note
	Tags         []string
	Contact      Contact
	Knowledge    []Passage
}

// Team is a team and its members' names.
type Team struct {
	Name    string
	Members []string
}

// Field is a contact field definition.
type Field struct {
	ID, Name, Type string
	Options        []string
}

// Note is a closing note.
type Note struct{ Name, Description string }

// Contact is the contact's profile.
type Contact struct {
	Name, Email, Phone, Stage string
	Tags                      []string
	Fields                    []FieldValue
}

// FieldValue is a contact's value for a field.
type FieldValue struct{ ID, Name, Value string }

// Passage is a retrieved knowledge passage.
type Passage struct{ Title, Source, Text string }

// Summary is what the closing-summary prompt shows.
type Summary struct {
	Language     string
	ClosingNotes []string
}

// FlowReply is what the prompt of a flow's ai_reply step shows.
type FlowReply struct {
	Language  string
	Workspace string
	// Contact describes the contact in one line ("Camille Petit
	// <camille@example.fr>, service: Coupe").
	Contact string
	// Instructions are the step's system_prompt.
	Instructions string
}

// RenderFlowReply renders the system prompt of a flow's ai_reply step.
func RenderFlowReply(f FlowReply) (string, error) { return render("flow_reply.tmpl", f) }

// RenderSystem renders the system prompt of a turn: the static part, then
// the turn's.
func RenderSystem(s System) (string, error) {
	static, err := RenderSystemStatic(s)
	if err != nil {
		return "", err
	}
	turn, err := RenderSystemTurn(s)
	return static + "\n" + turn, err
}

// RenderSystemStatic renders the part of the system prompt that is the
// same for every turn of an agent while its workspace is unchanged.
func RenderSystemStatic(s System) (string, error) { return render("system_static", s) }

// RenderSystemTurn renders the part of the system prompt that is the
// turn's own.
func RenderSystemTurn(s System) (string, error) { return render("system_turn", s) }

// RenderSummary renders the instructions of the closing summary.
func RenderSummary(s Summary) (string, error) { return render("summary.tmpl", s) }

func render(name string, data any) (string, error) {
	var b strings.Builder
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("render prompt %s: %w", name, err)
	}
	return b.String(), nil
}

// RepeatedCall tells the model that it repeated a tool call of the same
// turn, whose earlier result was previous (JSON).
func RepeatedCall(previous string) string { return fragment("repeated_call", previous) }

// HumanWrote shows the model a message a human agent sent.
func HumanWrote(text string) string { return fragment("human_wrote", text) }

// WriteNext asks the model for the next message when the history ends
// with one of its own.
func WriteNext() string { return fragment("write_next", nil) }

// fragment renders a short text of fragments.tmpl; they take no data that
// could fail, so a failure is a programming error.
func fragment(name string, data any) string {
	s, err := render(name, data)
	if err != nil {
		panic(err)
	}
	return s
}
