package evals

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/sqlite"
	"github.com/causerie/causerie/workspace"
)

// ModeAuto replays a case whose cassette exists and runs it live
// otherwise (when an endpoint is configured).
const ModeAuto Mode = -1

// Options configure a run.
type Options struct {
	// Mode is Replay, Record, Live or ModeAuto (the zero value is Replay:
	// use ModeAuto for the CLI's default).
	Mode Mode
	// Trials runs each case this many times (default 1).
	Trials int
	// Parallel runs this many trials at once (default: the number of CPUs).
	Parallel int
	// Agent overrides the suites' AI agent.
	Agent string
	// Model is the endpoint for Record and Live (and the judge).
	Model agent.OpenAIConfig
	// Progress is told of each finished trial.
	Progress func(done, total int, suite, kase string, trial int, r *TrialResult)
}

// TrialResult is one run of a case.
type TrialResult struct {
	Passed     bool      `json:"passed"`
	Failures   []Failure `json:"failures,omitempty"`
	Error      string    `json:"error,omitempty"`
	Notes      []string  `json:"notes,omitempty"`
	Transcript []string  `json:"transcript"`
	Duration   float64   `json:"duration_s"`
	// Visited are the flow nodes and edges this trial went through.
	Visited []string `json:"visited,omitempty"`
}

// suiteRun is a suite ready to run: its workspace applied and knowledge
// ingested once, in a template database each trial copies.
type suiteRun struct {
	s        *Suite
	template string
	agent    string
	flows    []*dsl.Flow
}

// Run runs every case of suites, Trials times each, in parallel, each
// trial on a fresh copy of its suite's workspace in the embedded store.
func Run(ctx context.Context, suites []*Suite, opts Options) (*Report, error) {
	if opts.Trials <= 0 {
		opts.Trials = 1
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	tmp, err := os.MkdirTemp("", "causerie-eval-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	var runs []*suiteRun
	for i, s := range suites {
		r, err := prepare(ctx, s, opts, filepath.Join(tmp, fmt.Sprintf("suite-%d", i)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.File, err)
		}
		runs = append(runs, r)
	}

	rep := &Report{Trials: opts.Trials, Started: time.Now()}
	type job struct {
		suite, kase, trial int
	}
	var jobs []job
	for si, r := range runs {
		rep.Suites = append(rep.Suites, &SuiteReport{Name: r.s.Name, File: r.s.File})
		for ci := range r.s.Cases {
			rep.Suites[si].Cases = append(rep.Suites[si].Cases, &CaseReport{Name: r.s.Cases[ci].Name,
				Trials: make([]*TrialResult, opts.Trials)})
			for t := range opts.Trials {
				jobs = append(jobs, job{si, ci, t})
			}
		}
	}
	cassettes := newCassettes()
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			r := runs[j.suite]
			res := runTrial(ctx, r, &r.s.Cases[j.kase], j.trial, opts, cassettes, filepath.Join(tmp, fmt.Sprintf("trial-%d", i)))
			mu.Lock()
			rep.Suites[j.suite].Cases[j.kase].Trials[j.trial] = res
			done++
			d := done
			mu.Unlock()
			if opts.Progress != nil {
				opts.Progress(d, len(jobs), r.s.Name, r.s.Cases[j.kase].Name, j.trial, res)
			}
		})
	}
	wg.Wait()
	if opts.Mode == Record {
		if err := cassettes.save(); err != nil {
			return rep, err
		}
	}
	rep.Duration = time.Since(rep.Started).Seconds()
	rep.score()
	for i, r := range runs {
		rep.Suites[i].FlowCoverage = coverage(r.flows, rep.Suites[i].Coverage)
	}
	return rep, ctx.Err()
}

// prepare builds a suite's template database.
func prepare(ctx context.Context, s *Suite, opts Options, dir string) (*suiteRun, error) {
	f, err := workspace.Load(s.Path(s.Workspace))
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "causerie.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	res, err := workspace.Apply(ctx, st, f, workspace.ApplyOptions{})
	if err != nil {
		return nil, err
	}
	n, err := loadNames(ctx, st, res.Workspace)
	if err != nil {
		return nil, err
	}
	agentName := s.Agent
	if opts.Agent != "" {
		agentName = opts.Agent
	}
	if _, err := n.agent(agentName); err != nil {
		return nil, err
	}
	if len(s.Knowledge) > 0 {
		emb, err := rag.EmbedderFromEnv()
		if err != nil {
			return nil, err
		}
		for kbName, paths := range s.Knowledge {
			var kb *store.KnowledgeBase
			var all []string
			for _, k := range n.kbs {
				all = append(all, k.Name)
				if k.Name == kbName {
					kb = k
				}
			}
			if kb == nil {
				return nil, fmt.Errorf("knowledge: the workspace has no knowledge base %q; its knowledge bases: %s", kbName, strings.Join(all, ", "))
			}
			abs := make([]string, len(paths))
			for i, p := range paths {
				abs[i] = s.Path(p)
			}
			rep, err := (&rag.Ingester{Store: st, Embedder: emb}).Ingest(ctx, kb, abs)
			if err != nil {
				return nil, fmt.Errorf("knowledge %s: %w", kbName, err)
			}
			if len(rep.Failed) > 0 {
				return nil, fmt.Errorf("knowledge %s: %v", kbName, rep.Failed[0].Err)
			}
		}
	}
	var flows []*dsl.Flow
	for _, p := range s.Flows {
		f, err := dsl.Load(s.Path(p), dsl.Options{})
		if err != nil {
			return nil, err
		}
		if _, _, err := dsl.Apply(ctx, st, res.Workspace.ID, f); err != nil {
			return nil, fmt.Errorf("flow %s: %w", p, err)
		}
		flows = append(flows, f)
	}
	return &suiteRun{s: s, template: path, agent: agentName, flows: flows}, nil
}

// cassettes caches cassettes by path, and collects recordings.
type cassettes struct {
	mu     sync.Mutex
	loaded map[string]*Cassette
	dirty  map[string]bool
}

func newCassettes() *cassettes {
	return &cassettes{loaded: map[string]*Cassette{}, dirty: map[string]bool{}}
}

func (c *cassettes) get(path string) (*Cassette, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cas, ok := c.loaded[path]; ok {
		return cas, nil
	}
	cas, err := LoadCassette(path)
	if err != nil {
		return nil, err
	}
	c.loaded[path] = cas
	return cas, nil
}

func (c *cassettes) record(path, suite, kase string, trial int, in []Interaction) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cas := c.loaded[path]
	if cas == nil || !c.dirty[path] {
		cas = &Cassette{Suite: suite, Case: kase} // a new recording replaces the old one
		c.loaded[path] = cas
		c.dirty[path] = true
	}
	for len(cas.Trials) <= trial {
		cas.Trials = append(cas.Trials, nil)
	}
	cas.Trials[trial] = in
}

func (c *cassettes) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for path := range c.dirty {
		if err := c.loaded[path].Save(path); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// runTrial runs one case once, on its own copy of the suite's workspace.
func runTrial(ctx context.Context, r *suiteRun, c *Case, trial int, opts Options, cas *cassettes, dir string) *TrialResult {
	start := time.Now()
	res := &TrialResult{}
	defer func() {
		res.Duration = time.Since(start).Seconds()
		res.Passed = res.Error == "" && len(res.Failures) == 0
		os.RemoveAll(dir)
	}()
	fail := func(format string, args ...any) *TrialResult {
		res.Error = fmt.Sprintf(format, args...)
		return res
	}

	// The model: replayed from the cassette, recorded, or live.
	path := CassettePath(r.s, c)
	mode := opts.Mode
	recorded, err := cas.get(path)
	if err != nil {
		return fail("%v", err)
	}
	endpoint := opts.Model.APIKey != "" || opts.Model.BaseURL != ""
	if mode == ModeAuto {
		switch {
		case recorded != nil, !endpoint:
			// Without a cassette and an endpoint, the case is replayed from
			// nothing: one a flow or a rule answers alone passes; one that asks
			// the model fails naming the request to record.
			mode = Replay
		default:
			mode = Live
		}
	}
	tp := &tape{mode: mode, upstream: http.DefaultTransport, caseName: c.Name, path: path, used: map[int]bool{}}
	mcfg := opts.Model
	switch mode {
	case Replay:
		if recorded != nil && len(recorded.Trials) > 0 {
			tp.replay = recorded.Trials[trial%len(recorded.Trials)]
		}
		mcfg = agent.OpenAIConfig{BaseURL: "http://cassette.invalid/v1", Model: opts.Model.Model, MaxRetries: -1}
	case Record, Live:
		if !endpoint {
			return fail("--record and --live need a model endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL")
		}
	}
	mcfg.HTTPClient = &http.Client{Transport: tp}
	model := agent.NewOpenAI(mcfg)

	// A fresh copy of the workspace.
	dbPath := filepath.Join(dir, "causerie.db")
	if err := copyFile(r.template, dbPath); err != nil {
		return fail("copy the workspace: %v", err)
	}
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		return fail("%v", err)
	}
	defer st.Close()
	wss, err := st.ListWorkspaces(ctx)
	if err != nil || len(wss) != 1 {
		return fail("the template workspace is missing: %v", err)
	}
	if c.Generate != nil {
		tp.setTurn(1)
		if err := runGenerate(ctx, c.Generate, generationModel(model), st, wss[0].ID, res); err != nil {
			return fail("%v", err)
		}
		if tp.missing != nil {
			return fail("%v", tp.missing)
		}
		if mode == Record && !c.Generate.Offline { // an offline case needs no cassette
			cas.record(path, r.s.Name, c.Name, trial, tp.recorded)
		}
		return res
	}
	n, err := loadNames(ctx, st, wss[0])
	if err != nil {
		return fail("%v", err)
	}
	ag, _ := n.agent(r.agent)
	emb, err := rag.EmbedderFromEnv()
	if err != nil {
		return fail("%v", err)
	}
	stub := &stubs{list: c.HTTP}
	mails := &mailbox{}
	// The pipeline as in production (flows and response rules first),
	// with the trial's stubs and mailbox.
	rt := conversation.New(st, conversation.Options{Model: model, Embedder: emb, HTTPTransport: stub, Mailer: mails,
		Now: func() time.Time { return r.s.now }})
	conv, err := applySetup(ctx, rt, n, ag, c, r.s.now)
	if err != nil {
		return fail("%v", err)
	}

	o := &observed{}
	for i, turn := range c.Turns {
		tp.setTurn(i + 1)
		in := conversation.Inbound{WorkspaceID: n.ws.ID, ConversationID: conv.ID, Text: turn.Visitor}
		if turn.Audio != "" {
			data, err := os.ReadFile(r.s.Path(turn.Audio))
			if err != nil {
				return fail("turn %d: %v", i+1, err)
			}
			in.Audio = []conversation.Audio{{Name: filepath.Base(turn.Audio), Data: data}}
		}
		out, err := rt.Handle(ctx, in)
		if err != nil {
			return fail("turn %d: %v", i+1, err)
		}
		o.turns = append(o.turns, out)
		o.actions = append(o.actions, out.Actions...)
		res.Transcript = append(res.Transcript, transcript(i+1, turn, out)...)
		if tp.missing != nil {
			return fail("%v", tp.missing)
		}
	}
	if o.conv, err = st.GetConversation(ctx, n.ws.ID, conv.ID); err != nil {
		return fail("%v", err)
	}
	if o.contact, err = st.GetContact(ctx, n.ws.ID, o.conv.ContactID); err != nil {
		return fail("%v", err)
	}
	if o.tasks, err = st.ListTasks(ctx, n.ws.ID, store.TaskFilter{}); err != nil {
		return fail("%v", err)
	}
	if o.events, err = st.ListEvents(ctx, n.ws.ID, store.EventFilter{ConversationID: conv.ID}); err != nil {
		return fail("%v", err)
	}
	res.Visited = visited(o.events)
	for _, m := range mails.sent {
		res.Transcript = append(res.Transcript, fmt.Sprintf("   (e-mail to %s: %q)", strings.Join(m.To, ", "), m.Subject))
	}
	res.Failures = c.Expect.check(n, o)
	if j := c.Expect.Judge; j != nil {
		tp.setTurn(0)
		verdict, err := judge(ctx, model, j, res.Transcript)
		var miss *MissingError
		switch {
		case errors.As(err, &miss) || (err != nil && tp.missing != nil):
			tp.missing = nil
			res.Notes = append(res.Notes, "judge skipped: its verdict was not recorded")
		case err != nil:
			return fail("judge: %v", err)
		case !verdict.Pass:
			res.Failures = append(res.Failures, Failure{Assertion: "judge", Expected: j.Rubric, Actual: verdict.Reason})
		}
	}
	if mode == Record {
		cas.record(path, r.s.Name, c.Name, trial, tp.recorded)
	}
	return res
}

// transcript renders a turn for reports.
func transcript(n int, t Turn, out *conversation.Outcome) []string {
	visitor := t.Visitor
	if t.Audio != "" {
		visitor = fmt.Sprintf("(audio %s) %s", t.Audio, out.Visitor.Text)
	}
	lines := []string{fmt.Sprintf("%d. visitor: %s", n, visitor)}
	for _, a := range out.Actions {
		status := "ok"
		if !a.Result.OK {
			status = "failed"
		}
		lines = append(lines, fmt.Sprintf("   %s %s → %s: %s", a.Name, string(a.Args), status, a.Result.Message))
	}
	for _, m := range out.Replies {
		lines = append(lines, "   reply: "+m.Text)
	}
	switch {
	case out.Dropped != "":
		lines = append(lines, "   (reply dropped: "+out.Dropped+")")
	case out.Waiting:
		lines = append(lines, "   (the conversation is with a human: no AI reply)")
	case out.Notice != "":
		lines = append(lines, "   ("+out.Notice+")")
	}
	return lines
}
