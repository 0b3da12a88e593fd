package evals

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// Suite is a file of evaluation cases run against one AI agent of one
// workspace.
type Suite struct {
	// Name names the suite in reports (default: the file name).
	Name string `yaml:"suite"`
	// Workspace is the workspace file, relative to the suite file.
	Workspace string `yaml:"workspace"`
	// Agent is the AI agent under test (its exact name).
	Agent string `yaml:"agent"`
	// Knowledge lists files to ingest into knowledge bases, by name
	// (paths relative to the suite file).
	Knowledge map[string][]string `yaml:"knowledge,omitempty"`
	// Flows are flow files (relative to the suite file) applied to the
	// workspace; the report shows which of their nodes and edges the
	// cases went through.
	Flows []string `yaml:"flows,omitempty"`
	// Now is the fixed time the agent sees (RFC 3339; default
	// 2026-01-05T10:00:00Z), so that prompts, and so recordings, stay
	// the same from run to run.
	Now   string `yaml:"now,omitempty"`
	Cases []Case `yaml:"cases"`

	// File is the suite's path; Dir its directory.
	File, Dir string `yaml:"-"`
	now       time.Time
}

// Case is one conversation: a starting state, the visitor's turns, and
// what must hold afterwards.
type Case struct {
	Name   string `yaml:"name"`
	Setup  Setup  `yaml:"setup,omitempty"`
	Turns  []Turn `yaml:"turns"`
	HTTP   []Stub `yaml:"http,omitempty"`
	Expect Expect `yaml:"expect"`
	// Generate makes this a generation case: a flow is generated from a
	// description and checked, instead of a conversation (see
	// GenerateCase).
	Generate *GenerateCase `yaml:"generate,omitempty"`
}

// Setup is the state before the first turn.
type Setup struct {
	Contact      ContactSetup      `yaml:"contact,omitempty"`
	Conversation ConversationSetup `yaml:"conversation,omitempty"`
	// Messages are earlier messages of the conversation.
	Messages []MessageSetup `yaml:"messages,omitempty"`
}

// ContactSetup is the contact at the start.
type ContactSetup struct {
	Name   string         `yaml:"name,omitempty"`
	Email  string         `yaml:"email,omitempty"`
	Phone  string         `yaml:"phone,omitempty"`
	Stage  string         `yaml:"stage,omitempty"`
	Fields map[string]any `yaml:"fields,omitempty"`
	Tags   []string       `yaml:"tags,omitempty"`
}

// ConversationSetup is the conversation at the start. By default it is
// open and handled by the suite's AI agent.
type ConversationSetup struct {
	Status   string    `yaml:"status,omitempty"`
	Assignee *Assignee `yaml:"assignee,omitempty"`
}

// Assignee names who handles a conversation or a task: one of user (name
// or email), team, ai_agent, or none: true.
type Assignee struct {
	User    string `yaml:"user,omitempty"`
	Team    string `yaml:"team,omitempty"`
	AIAgent string `yaml:"ai_agent,omitempty"`
	None    bool   `yaml:"none,omitempty"`
}

func (a Assignee) String() string {
	switch {
	case a.User != "":
		return "user " + a.User
	case a.Team != "":
		return "team " + a.Team
	case a.AIAgent != "":
		return "AI agent " + a.AIAgent
	}
	return "nobody"
}

// MessageSetup is an earlier message.
type MessageSetup struct {
	Role string `yaml:"role"` // visitor, ai_agent, human, system
	Text string `yaml:"text"`
}

// Turn is one visitor message: text, or an audio file (relative to the
// suite file) that is transcribed.
type Turn struct {
	Visitor string `yaml:"visitor,omitempty"`
	Audio   string `yaml:"audio,omitempty"`
}

// Stub answers http_request calls whose URL matches: a glob ("*" for any
// characters) or, between slashes, a regular expression.
type Stub struct {
	URL    string            `yaml:"url"`
	Method string            `yaml:"method,omitempty"`
	Status int               `yaml:"status,omitempty"` // default 200
	JSON   any               `yaml:"json,omitempty"`
	Body   string            `yaml:"body,omitempty"`
	Header map[string]string `yaml:"headers,omitempty"`

	re *regexp.Regexp
}

// Expect is what must hold after the turns.
type Expect struct {
	Actions ActionsExpect `yaml:"actions,omitempty"`
	State   StateExpect   `yaml:"state,omitempty"`
	Replies []ReplyExpect `yaml:"replies,omitempty"`
	Flows   FlowsExpect   `yaml:"flows,omitempty"`
	Judge   *Judge        `yaml:"judge,omitempty"`
}

// ActionsExpect is about the actions taken.
type ActionsExpect struct {
	// Called: each must match an action taken (tool, and these arguments
	// among its own; ok to require success or failure).
	Called []ActionMatch `yaml:"called,omitempty"`
	// NotCalled: actions that must not have been taken.
	NotCalled []string `yaml:"not_called,omitempty"`
	// Order: actions that must have been taken in this order (others may
	// come between).
	Order []string `yaml:"order,omitempty"`
	// Count: exactly how many times an action was taken.
	Count map[string]int `yaml:"count,omitempty"`
}

// ActionMatch matches an action taken.
type ActionMatch struct {
	Tool string         `yaml:"tool"`
	Args map[string]any `yaml:"args,omitempty"`
	OK   *bool          `yaml:"ok,omitempty"`
}

// StateExpect is the end state, compared whatever path led there.
type StateExpect struct {
	Contact      *ContactState      `yaml:"contact,omitempty"`
	Conversation *ConversationState `yaml:"conversation,omitempty"`
	Tasks        []TaskState        `yaml:"tasks,omitempty"`
}

// ContactState is the expected contact: only what is given is compared,
// fields key by key; tags as a set.
type ContactState struct {
	Name   string         `yaml:"name,omitempty"`
	Email  string         `yaml:"email,omitempty"`
	Phone  string         `yaml:"phone,omitempty"`
	Stage  string         `yaml:"stage,omitempty"`
	Fields map[string]any `yaml:"fields,omitempty"`
	Tags   []string       `yaml:"tags,omitempty"`
}

// ConversationState is the expected conversation.
type ConversationState struct {
	Status      string    `yaml:"status,omitempty"`
	Assignee    *Assignee `yaml:"assignee,omitempty"`
	ClosingNote string    `yaml:"closing_note,omitempty"`
}

// TaskState is an expected task: the case's tasks must be exactly these
// (in any order).
type TaskState struct {
	Title       string    `yaml:"title,omitempty"` // contained in the task's title
	Assignation *Assignee `yaml:"assignation,omitempty"`
	Priorite    string    `yaml:"priorite,omitempty"`
}

// ReplyExpect checks the AI agent's replies: those of turn Turn (1-based),
// or all of them when Turn is 0.
type ReplyExpect struct {
	Turn        int    `yaml:"turn,omitempty"`
	Contains    string `yaml:"contains,omitempty"`
	NotContains string `yaml:"not_contains,omitempty"`
	Regex       string `yaml:"regex,omitempty"`
	// Language is "fr", "en"…
	Language string `yaml:"language,omitempty"`
	// Cites is a knowledge source (document file name or title) a reply
	// must cite.
	Cites string `yaml:"cites,omitempty"`
	// None: the AI agent must not reply (in that turn).
	None bool `yaml:"none,omitempty"`

	re *regexp.Regexp
}

// FlowsExpect is about conversation flows.
type FlowsExpect struct {
	Started   []string `yaml:"started,omitempty"`
	Completed []string `yaml:"completed,omitempty"`
	Visited   []string `yaml:"visited,omitempty"` // node ids, "flow/node" or "node"
}

// Judge grades the conversation against a rubric with a model.
type Judge struct {
	Rubric string `yaml:"rubric"`
	Model  string `yaml:"model,omitempty"`
}

// DefaultNow is the clock of suites that set none.
var DefaultNow = time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)

// Load reads and checks a suite file; every problem is reported at once
// with file:line:column and field path.
func Load(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	return Parse(path, data)
}

// Parse checks a suite file's contents; path names it in problems and
// locates the files it refers to.
func Parse(path string, data []byte) (*Suite, error) {
	var s Suite
	d, err := source.Decode(path, data, &s, source.Options{
		Kind:  "a suite file",
		Empty: "a suite file names its workspace, agent and cases",
	})
	if err != nil {
		return nil, err
	}
	s.File, s.Dir = path, filepath.Dir(path)
	s.validate(d)
	if err := d.Err(); err != nil {
		return nil, err
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return &s, nil
}

// Path resolves a path of the suite file.
func (s *Suite) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Dir, p)
}

var roles = []string{string(store.RoleVisitor), string(store.RoleAIAgent), string(store.RoleHuman), string(store.RoleSystem)}

func (s *Suite) validate(d *source.Decoder) {
	if s.Workspace == "" {
		d.Missing("workspace", "the workspace file the cases run against, relative to this file")
	} else if _, err := os.Stat(s.Path(s.Workspace)); err != nil {
		d.At("workspace", "cannot read the workspace file %s: %v", s.Path(s.Workspace), err)
	}
	if s.Agent == "" {
		d.Missing("agent", "the name of the AI agent under test")
	}
	s.now = DefaultNow
	if s.Now != "" {
		t, err := time.Parse(time.RFC3339, s.Now)
		if err != nil {
			d.At("now", "%q is not an RFC 3339 time such as 2026-01-05T10:00:00Z", s.Now)
		}
		s.now = t
	}
	for kb, paths := range s.Knowledge {
		for i, p := range paths {
			if _, err := os.Stat(s.Path(p)); err != nil {
				d.At(fmt.Sprintf("knowledge.%s[%d]", kb, i), "cannot read %s: %v", s.Path(p), err)
			}
		}
	}
	for i, p := range s.Flows {
		if _, err := os.Stat(s.Path(p)); err != nil {
			d.At(fmt.Sprintf("flows[%d]", i), "cannot read %s: %v", s.Path(p), err)
		}
	}
	if len(s.Cases) == 0 {
		d.Missing("cases", "a suite needs at least one case")
	}
	names := map[string]int{}
	for i, c := range s.Cases {
		p := fmt.Sprintf("cases[%d]", i)
		if c.Name == "" {
			d.Missing(p+".name", "every case needs a name")
		} else if j, dup := names[c.Name]; dup {
			d.At(p+".name", "case %q is defined twice (also cases[%d]); names must be unique", c.Name, j)
		}
		names[c.Name] = i
		if c.Generate != nil {
			s.validateGenerate(d, p, &s.Cases[i])
			continue
		}
		if len(c.Turns) == 0 {
			d.Missing(p+".turns", "a case needs at least one visitor turn")
		}
		for j, t := range c.Turns {
			tp := fmt.Sprintf("%s.turns[%d]", p, j)
			switch {
			case (t.Visitor == "") == (t.Audio == ""):
				d.At(tp, "a turn is either visitor: (text) or audio: (a file)")
			case t.Audio != "":
				if _, err := os.Stat(s.Path(t.Audio)); err != nil {
					d.At(tp+".audio", "cannot read %s: %v", s.Path(t.Audio), err)
				}
			}
		}
		for j, m := range c.Setup.Messages {
			if !contains(roles, m.Role) {
				d.At(fmt.Sprintf("%s.setup.messages[%d].role", p, j), "%q is not a role; use one of %s", m.Role, strings.Join(roles, ", "))
			}
		}
		if st := c.Setup.Conversation.Status; st != "" && st != "open" && st != "closed" {
			d.At(p+".setup.conversation.status", "%q is not a status; use open or closed", st)
		}
		checkAssignee(d, p+".setup.conversation.assignee", c.Setup.Conversation.Assignee)
		for j := range c.HTTP {
			st := &s.Cases[i].HTTP[j]
			sp := fmt.Sprintf("%s.http[%d]", p, j)
			if st.URL == "" {
				d.Missing(sp+".url", "the URL pattern this stub answers (a glob with *, or /a regular expression/)")
				continue
			}
			re, err := urlPattern(st.URL)
			if err != nil {
				d.At(sp+".url", "%v", err)
			}
			st.re = re
			if st.JSON != nil && st.Body != "" {
				d.At(sp, "give json or body, not both")
			}
		}
		e := c.Expect
		for j, a := range e.Actions.Called {
			if !contains(tools.Names(), a.Tool) {
				d.At(fmt.Sprintf("%s.expect.actions.called[%d].tool", p, j), "%q is not an action; valid: %s", a.Tool, strings.Join(tools.Names(), ", "))
			}
		}
		for j, n := range append(append([]string{}, e.Actions.NotCalled...), e.Actions.Order...) {
			if !contains(tools.Names(), n) {
				d.At(fmt.Sprintf("%s.expect.actions", p), "%q (entry %d of not_called/order) is not an action; valid: %s", n, j, strings.Join(tools.Names(), ", "))
			}
		}
		if cs := e.State.Conversation; cs != nil {
			checkAssignee(d, p+".expect.state.conversation.assignee", cs.Assignee)
			if cs.Status != "" && cs.Status != "open" && cs.Status != "closed" {
				d.At(p+".expect.state.conversation.status", "%q is not a status; use open or closed", cs.Status)
			}
		}
		for j := range e.Replies {
			r := &s.Cases[i].Expect.Replies[j]
			rp := fmt.Sprintf("%s.expect.replies[%d]", p, j)
			if r.Regex != "" {
				re, err := regexp.Compile(r.Regex)
				if err != nil {
					d.At(rp+".regex", "not a valid regular expression: %v", err)
				}
				r.re = re
			}
			if r.Turn < 0 || r.Turn > len(c.Turns) {
				d.At(rp+".turn", "turn %d does not exist; this case has %d turns (0 means all)", r.Turn, len(c.Turns))
			}
			if r.Language != "" && languageCode(r.Language) == "" {
				d.At(rp+".language", "%q is not a language code such as fr, en, es, de", r.Language)
			}
		}
		if e.Judge != nil && strings.TrimSpace(e.Judge.Rubric) == "" {
			d.Missing(p+".expect.judge.rubric", "what the judge grades the conversation on")
		}
	}
}

func checkAssignee(d *source.Decoder, path string, a *Assignee) {
	if a == nil {
		return
	}
	n := 0
	for _, s := range []string{a.User, a.Team, a.AIAgent} {
		if s != "" {
			n++
		}
	}
	if a.None {
		n++
	}
	if n != 1 {
		d.At(path, "name exactly one of user, team, ai_agent, or none: true")
	}
}

// urlPattern compiles a stub's URL pattern: /regexp/ or a glob.
func urlPattern(p string) (*regexp.Regexp, error) {
	if len(p) > 2 && strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/") {
		re, err := regexp.Compile(p[1 : len(p)-1])
		if err != nil {
			return nil, fmt.Errorf("not a valid regular expression: %v", err)
		}
		return re, nil
	}
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	return regexp.Compile("^" + strings.Join(parts, ".*") + "$")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
