package generate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/examples"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/prompts"
	"github.com/causerie/causerie/store"
)

// Model answers a generation request. Package conversation adapts the
// AI agents' chat model to it, so that dsl does not depend on agent.
type Model interface {
	Complete(ctx context.Context, req Request) (string, error)
}

// Request is one model call of a generation.
type Request struct {
	Messages []dsl.ChatMessage
	// Format binds the answer: FormatJSONSchema (with Schema),
	// FormatJSONMode, or FormatText (the JSON is taken from the text).
	Format string
	Schema json.RawMessage
}

// Response formats, tried in this order: an endpoint that refuses one
// (ErrFormatUnsupported) gets the next.
const (
	FormatJSONSchema = "json_schema"
	FormatJSONMode   = "json_object"
	FormatText       = "text"
)

var formats = []string{FormatJSONSchema, FormatJSONMode, FormatText}

// ErrFormatUnsupported is wrapped by a Model's error when the endpoint
// refuses the request's response format.
var ErrFormatUnsupported = errors.New("the endpoint does not support this response format")

// DefaultMaxRepairs is how many repair rounds follow the first answer.
const DefaultMaxRepairs = 3

// Generator writes flows with a model, repairing its drafts against the
// validator and the workspace.
type Generator struct {
	Model Model
	// Store and WorkspaceID, when set, give the prompt the workspace's
	// teams, users, fields, stages, tags and closing notes, and check the
	// draft against them (as flow apply does).
	Store       store.Queries
	WorkspaceID string
	// MaxRepairs bounds the repair rounds (0: DefaultMaxRepairs; negative:
	// none).
	MaxRepairs int
	// Finish completes every draft (default generate.Finish).
	Finish func(*dsl.Flow, FinishOptions) error
	// DraftDir is where the last draft of a failed generation is kept
	// (default os.TempDir()).
	DraftDir string
	// Examples are example flow documents shown to the model (default the
	// salon's booking flow).
	Examples [][]byte
	// Production checks URLs as in production.
	Production bool
}

// Input is what to generate.
type Input struct {
	Description string
	// Lang is the flow's language, "fr" (default) or "en".
	Lang string
	// Edit, when set, is the flow to change as Description says.
	Edit *dsl.Flow
}

// Result is a generated flow.
type Result struct {
	Flow *dsl.Flow
	// Format is the response format the endpoint accepted.
	Format string
	// Rounds are the model's answers: the first, then the repairs, each
	// with the problems it still had (none for the last).
	Rounds []Round
	// Diff is what an edit changed (nil for a new flow).
	Diff *Diff
}

// Repairs counts the repair rounds.
func (r *Result) Repairs() int { return len(r.Rounds) - 1 }

// Round is one answer of the model and the problems found in it.
type Round struct {
	Problems []string `json:"problems,omitempty"`
}

// FailedError is a generation whose last draft still has problems after
// the repair rounds.
type FailedError struct {
	Problems []string
	// Draft is the file the last answer was kept in ("" if it could not
	// be written).
	Draft  string
	Rounds int
	Format string
}

func (e *FailedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the generated flow still has %d problem(s) after %d round(s):", len(e.Problems), e.Rounds)
	for _, p := range e.Problems {
		b.WriteString("\n  " + p)
	}
	if e.Draft != "" {
		fmt.Fprintf(&b, "\nthe last draft is kept in %s (fix it, then `causerie flow validate` and `flow apply` it)", e.Draft)
	}
	return b.String()
}

// Generate writes a flow from in.Description (or changes in.Edit), then
// checks it — decoding, parameter types, Finish, validation, the
// workspace — and sends the problems back, with their node ids and field
// paths, for at most MaxRepairs repair rounds. It fails with
// *FailedError when the last draft is still wrong.
func (g *Generator) Generate(ctx context.Context, in Input) (*Result, error) {
	if strings.TrimSpace(in.Description) == "" {
		return nil, errors.New("describe the flow to generate")
	}
	if in.Lang == "" {
		in.Lang = "fr"
	}
	system, err := g.systemPrompt(ctx, in)
	if err != nil {
		return nil, err
	}
	msgs := []dsl.ChatMessage{{Role: "system", Content: system}, {Role: "user", Content: in.Description}}
	maxRepairs := g.MaxRepairs
	switch {
	case maxRepairs == 0:
		maxRepairs = DefaultMaxRepairs
	case maxRepairs < 0:
		maxRepairs = 0
	}
	res := &Result{}
	format := 0
	var last string
	for round := 0; ; round++ {
		var answer string
		for {
			req := Request{Messages: msgs, Format: formats[format]}
			if req.Format == FormatJSONSchema {
				req.Schema = Schema()
			}
			answer, err = g.Model.Complete(ctx, req)
			if errors.Is(err, ErrFormatUnsupported) && format < len(formats)-1 {
				format++
				continue
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("generate a flow: %w", err)
		}
		res.Format = formats[format]
		last = answer
		f, problems, err := g.check(ctx, in, answer)
		if err != nil {
			return nil, err
		}
		res.Rounds = append(res.Rounds, Round{Problems: problems})
		if len(problems) == 0 {
			res.Flow = f
			if in.Edit != nil {
				res.Diff = Compare(in.Edit, f)
			}
			return res, nil
		}
		if round >= maxRepairs {
			return nil, &FailedError{Problems: problems, Draft: g.keepDraft(last), Rounds: round + 1, Format: res.Format}
		}
		msgs = append(msgs, dsl.ChatMessage{Role: "assistant", Content: answer},
			dsl.ChatMessage{Role: "user", Content: prompts.FlowRepair(problems)})
	}
}

// check turns an answer into a flow and lists its problems, each as
// `node "id": field.path: message`. The error is the store's.
func (g *Generator) check(ctx context.Context, in Input, answer string) (*dsl.Flow, []string, error) {
	data := ExtractJSON(answer)
	if data == nil {
		return nil, []string{"the answer holds no JSON object: answer with the flow document only"}, nil
	}
	f, err := dsl.Parse("draft.json", data)
	var ps source.Problems
	if err != nil && !errors.As(err, &ps) {
		return nil, []string{err.Error()}, nil
	}
	if f == nil {
		return nil, lines(ps), nil
	}
	if in.Edit != nil {
		f.ID = in.Edit.ID // an edit updates the same flow
	}
	ps = append(ps, typeProblems(f, in.Edit)...)
	finish := g.Finish
	if finish == nil {
		finish = Finish
	}
	if err := finish(f, FinishOptions{Lang: in.Lang}); err != nil {
		ps = append(ps, source.Problem{Message: err.Error()})
	}
	// Validate what Finish made (locations are the draft's, not needed).
	checked, err := dsl.Check("draft.json", f.JSON(), dsl.Options{Production: g.Production})
	var vps source.Problems
	switch {
	case errors.As(err, &vps):
		ps = append(ps, vps...)
	case err != nil:
		return nil, nil, err
	}
	// The workspace's names are checked even on an invalid draft, so that
	// one round repairs them all (CheckWorkspace skips what it cannot read).
	if g.Store != nil && g.WorkspaceID != "" {
		wps, err := dsl.CheckWorkspace(ctx, g.Store, g.WorkspaceID, f)
		if err != nil {
			return nil, nil, err
		}
		ps = append(ps, wps...)
	}
	// An edge's problem is the node it leaves from's.
	for i := range ps {
		if ps[i].Node != "" {
			continue
		}
		if rest, ok := strings.CutPrefix(ps[i].Path, "edges["); ok {
			if j, err := strconv.Atoi(rest[:max(strings.IndexByte(rest, ']'), 0)]); err == nil && j >= 0 && j < len(f.Edges) {
				ps[i].Node = f.Edges[j].Source
			}
		}
	}
	if len(ps) > 0 {
		return f, lines(ps), nil
	}
	return checked, nil, nil
}

// lines formats problems without file positions: node, field path and
// message are what the model can act on.
func lines(ps source.Problems) []string {
	ps.Sort()
	out := make([]string, 0, len(ps))
	seen := map[string]bool{}
	for _, p := range ps {
		p.File, p.Line, p.Column = "", 0, 0
		s := p.String()
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// typeProblems reports numbers and booleans written as text: validation
// accepts them from seed 004's blocks, but the schema the model answers
// with asks for JSON values. In an edit, values kept from the flow being
// edited are left as they were.
func typeProblems(f, edit *dsl.Flow) source.Problems {
	kept := map[string]any{}
	if edit != nil {
		for _, n := range edit.Nodes {
			for k, v := range n.Data.Parameters {
				kept[n.ID+"\x00"+k] = v
			}
		}
	}
	spec := dsl.FormatSpec()
	blocks := map[string][]dsl.ParamSpec{}
	for _, k := range spec.Kinds {
		blocks[k.Name] = k.Params
	}
	actions := map[string][]dsl.ParamSpec{}
	for _, a := range spec.Actions {
		actions[a.Name] = append(append([]dsl.ParamSpec{}, a.Params...), spec.ActionCommon...)
	}
	var ps source.Problems
	for i, n := range f.Nodes {
		params := blocks[n.Type]
		if n.Type == dsl.KindAction {
			at, _ := n.Data.Parameters["action_type"].(string)
			params = actions[at]
		}
		for _, p := range params {
			s, ok := n.Data.Parameters[p.Name].(string)
			if !ok || strings.Contains(s, "{{") || kept[n.ID+"\x00"+p.Name] == s {
				continue
			}
			path := fmt.Sprintf("nodes[%d].data.parameters.%s", i, p.Name)
			switch p.Type {
			case "number", "integer":
				if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					ps = append(ps, source.Problem{Node: n.ID, Path: path,
						Message: fmt.Sprintf("write the number as a JSON number (%s), not as text (%q)", strings.TrimSpace(s), s)})
				}
			case "bool":
				if s == "true" || s == "false" {
					ps = append(ps, source.Problem{Node: n.ID, Path: path,
						Message: fmt.Sprintf("write a JSON boolean (%s), not text (%q)", s, s)})
				}
			}
		}
	}
	return ps
}

// ExtractJSON returns the JSON object of a model's answer: the whole
// answer, one inside a Markdown fence, or the outermost {…} of the text;
// nil when there is none.
func ExtractJSON(answer string) []byte {
	s := strings.TrimSpace(answer)
	if json.Valid([]byte(s)) && strings.HasPrefix(s, "{") {
		return []byte(s)
	}
	if i := strings.Index(s, "```"); i >= 0 {
		rest := s[i+3:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[nl+1:]
		}
		if j := strings.Index(rest, "```"); j >= 0 {
			if in := strings.TrimSpace(rest[:j]); strings.HasPrefix(in, "{") {
				return []byte(in)
			}
		}
	}
	i, j := strings.IndexByte(s, '{'), strings.LastIndexByte(s, '}')
	if i < 0 || j < i {
		return nil
	}
	return []byte(s[i : j+1])
}

// keepDraft writes the last answer to a file and returns its path ("" on
// failure).
func (g *Generator) keepDraft(answer string) string {
	dir := g.DraftDir
	if dir == "" {
		dir = os.TempDir()
	}
	data := ExtractJSON(answer)
	if data == nil {
		data = []byte(answer)
	} else {
		var b bytes.Buffer
		if json.Indent(&b, data, "", "  ") == nil {
			data = b.Bytes()
		}
	}
	name := filepath.Join(dir, fmt.Sprintf("causerie-flow-draft-%s.json", time.Now().Format("20060102-150405.000")))
	if err := os.WriteFile(name, append(data, '\n'), 0o600); err != nil {
		return ""
	}
	return name
}

// systemPrompt renders the format, the workspace's names and the examples.
func (g *Generator) systemPrompt(ctx context.Context, in Input) (string, error) {
	spec := dsl.FormatSpec()
	p := prompts.FlowGenerate{Language: in.Lang}
	for _, k := range spec.Kinds {
		p.Kinds = append(p.Kinds, promptBlock(k))
	}
	for _, a := range spec.Actions {
		p.Actions = append(p.Actions, promptBlock(a))
	}
	for _, c := range spec.ActionCommon {
		p.ActionCommon = append(p.ActionCommon, paramLine(c))
	}
	if g.Store != nil && g.WorkspaceID != "" {
		if err := g.workspaceNames(ctx, &p); err != nil {
			return "", err
		}
	}
	exs := g.Examples
	if exs == nil {
		b, err := examples.Flows.ReadFile(examples.BookingFlow)
		if err != nil {
			return "", err
		}
		exs = [][]byte{b}
	}
	for _, e := range exs {
		var b bytes.Buffer
		if json.Compact(&b, e) == nil {
			e = b.Bytes()
		}
		p.Examples = append(p.Examples, string(e))
	}
	if in.Edit != nil {
		p.Edit = string(in.Edit.JSON())
	}
	return prompts.RenderFlowGenerate(p)
}

func (g *Generator) workspaceNames(ctx context.Context, p *prompts.FlowGenerate) error {
	q, id := g.Store, g.WorkspaceID
	ws, err := q.GetWorkspace(ctx, id)
	if err != nil {
		return err
	}
	p.Workspace = ws.Name
	users, err := q.ListUsers(ctx, id)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
		p.Users = append(p.Users, fmt.Sprintf("%s <%s>", u.Name, u.Email))
	}
	teams, err := q.ListTeams(ctx, id)
	if err != nil {
		return err
	}
	for _, t := range teams {
		var members []string
		for _, m := range t.MemberIDs {
			members = append(members, names[m])
		}
		line := t.Name
		if len(members) > 0 {
			line += " (members: " + strings.Join(members, ", ") + ")"
		}
		p.Teams = append(p.Teams, line)
	}
	fields, err := q.ListContactFields(ctx, id)
	if err != nil {
		return err
	}
	for _, f := range fields {
		p.Fields = append(p.Fields, prompts.Field{ID: f.Key, Name: f.Name, Type: string(f.Type), Options: f.Options})
	}
	stages, err := q.ListLifecycleStages(ctx, id)
	if err != nil {
		return err
	}
	for _, s := range stages {
		p.Stages = append(p.Stages, s.Name)
	}
	for kind, out := range map[store.LabelKind]*[]string{store.Tag: &p.Tags, store.ClosingNote: &p.ClosingNotes} {
		labels, err := q.ListLabels(ctx, id, kind)
		if err != nil {
			return err
		}
		for _, l := range labels {
			*out = append(*out, l.Name)
		}
	}
	return nil
}

func promptBlock(b dsl.BlockSpec) prompts.FlowBlock {
	out := prompts.FlowBlock{Name: b.Name, OneOf: b.OneOf}
	for _, p := range b.Params {
		out.Params = append(out.Params, paramLine(p))
	}
	return out
}

// paramLine writes a parameter for the prompt: "timeout_seconds: integer
// 1–60, default 10".
func paramLine(p dsl.ParamSpec) string {
	var b strings.Builder
	b.WriteString(p.Name + ": " + p.Type)
	if p.Required {
		b.WriteString(", required")
	}
	if len(p.Enum) > 0 {
		b.WriteString(" (one of " + strings.Join(p.Enum, ", ") + ")")
	}
	if p.HasRange {
		fmt.Fprintf(&b, " %s–%s", strconv.FormatFloat(p.Min, 'f', -1, 64), strconv.FormatFloat(p.Max, 'f', -1, 64))
	}
	if p.Default != "" {
		b.WriteString(", default " + p.Default)
	}
	if p.Ref != "" {
		b.WriteString(", names a " + p.Ref + " of the workspace")
	}
	return b.String()
}
