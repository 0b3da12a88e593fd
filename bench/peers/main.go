package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/causerie/causerie/workspace"
)

func main() {
	runChildIfAsked()
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	rep, err := runBench(ctx, cfg, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(1)
	}
	table := rep.markdown()
	fmt.Print(table)
	if cfg.out != "" {
		if err := os.WriteFile(cfg.out, []byte(table), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "peers:", err)
			os.Exit(1)
		}
	}
}

// config is the benchmark's settings (the flags).
type config struct {
	rounds, turns, warmup int
	// jsWarmup replaces warmup for node, whose JIT needs far more turns.
	jsWarmup    int
	concurrency []int
	databaseURL string
	workspace   string
	out         string
	cpuProfile  string
	// only, when not empty, keeps the runtimes whose key it lists.
	only []string
}

// Runtime keys (-only).
var runtimeKeys = []string{"causerie-sqlite", "causerie-postgres", "http-sqlite", "http-postgres", "langchaingo", "openai-agents"}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("peers", flag.ContinueOnError)
	var cfg config
	var conc, only string
	fs.IntVar(&cfg.rounds, "rounds", 5, "rounds; each runs every runtime once at each concurrency, interleaved")
	fs.IntVar(&cfg.turns, "turns", 200, "turns per runtime per round per concurrency (a block)")
	fs.IntVar(&cfg.warmup, "warmup", 30, "turns each runtime runs at each concurrency before the first round, not measured")
	fs.IntVar(&cfg.jsWarmup, "js-warmup", 2000, "warm-up turns of @openai/agents at each concurrency instead: V8 optimises its hot code only after a few thousand turns "+
		"(CPU per turn falls from about 5.5 to 2 ms over the first 2,000 here)")
	fs.StringVar(&conc, "concurrency", "1,8", "concurrent conversations, comma-separated")
	fs.StringVar(&cfg.databaseURL, "database-url", envOr("PEERS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/causerie_peers?sslmode=disable"),
		"PostgreSQL server and base database (created when missing); each PostgreSQL runtime gets a fresh database of its own, "+
			"named after it, dropped at the end (env PEERS_DATABASE_URL)")
	fs.StringVar(&cfg.workspace, "workspace", filepath.Join(sourceDir(), "..", "..", "examples", "salon", "workspace.yaml"), "the workspace file applied to Causerie's stores")
	fs.StringVar(&cfg.out, "o", "", "also write the Markdown report to this file")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of this process over the measured rounds (the in-process runtimes: use with -only)")
	fs.StringVar(&only, "only", "", "run only these runtimes, comma-separated, of: "+strings.Join(runtimeKeys, ", "))
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, c := range strings.Split(conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-concurrency %q: want positive integers, comma-separated", conc)
		}
		cfg.concurrency = append(cfg.concurrency, n)
	}
	if only != "" {
		for _, k := range strings.Split(only, ",") {
			k = strings.TrimSpace(k)
			if !contains(runtimeKeys, k) {
				return cfg, fmt.Errorf("-only: unknown runtime %q (known: %s)", k, strings.Join(runtimeKeys, ", "))
			}
			cfg.only = append(cfg.only, k)
		}
	}
	if cfg.rounds < 1 || cfg.turns < 1 || cfg.warmup < 0 || cfg.jsWarmup < 0 {
		return cfg, errors.New("-rounds and -turns must be at least 1, -warmup and -js-warmup at least 0")
	}
	return cfg, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// sourceDir is bench/peers in the source tree (the harness finds the
// example workspace and js/ from there).
func sourceDir() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Dir(here)
}

// runner is one runtime under test.
type runner interface {
	// name and store say what runs (the table's first two columns).
	name() string
	store() string
	// database names the runtime's PostgreSQL database ("" for none):
	// the CPU of the server's processes for it is added to the runtime's.
	database() string
	// block runs turns turns, concurrency at a time, each in a new
	// conversation; it calls m.start just before the measured part and
	// m.stop just after, and checks afterwards that every turn ran both
	// tools.
	block(ctx context.Context, turns, concurrency int, m meter) (*blockResult, error)
	close()
}

// blockResult is a block as the runner measured it.
type blockResult struct {
	latencies []time.Duration
	wall      time.Duration
	// cpu is the runtime's process's CPU during the block (this process
	// for the in-process runtimes, the server's or node's otherwise).
	cpu time.Duration
	// toolRuns counts the tool executions checked.
	toolRuns int
}

// meter takes the snapshots around a block that the runner cannot: the
// model server's counters, PostgreSQL's CPU.
type meter interface {
	start()
	stop()
}

// drive runs turn(0…turns-1) on concurrency workers and returns each
// turn's latency and the wall time; the first error stops it.
func drive(ctx context.Context, turns, concurrency int, turn func(ctx context.Context, i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, turns)
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for range min(concurrency, turns) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= turns || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				if err := turn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	return lat, time.Since(start), first
}

// blockMeter is the meter of one block.
type blockMeter struct {
	model    *modelClient
	database string // PostgreSQL's CPU is taken when set
	err      error

	stats0, stats1 modelStats
	pg0, pg1       map[int]time.Duration
	// model0 and model1 are the model server's CPU.
	model0, model1 time.Duration
}

func (b *blockMeter) start() {
	if b.database != "" {
		b.pg0 = postgresCPU(b.database)
	}
	b.stats0, b.err = b.model.stats()
	b.model0, _ = b.model.proc.cpu()
}

func (b *blockMeter) stop() {
	var err error
	b.model1, _ = b.model.proc.cpu()
	b.stats1, err = b.model.stats()
	if b.err == nil {
		b.err = err
	}
	if b.database != "" {
		b.pg1 = postgresCPU(b.database)
	}
}

// modelClient reads the scripted model server's counters and CPU.
type modelClient struct {
	base string
	proc *child
}

func (m *modelClient) stats() (modelStats, error) {
	var st modelStats
	res, err := http.Get(m.base + "/stats")
	if err != nil {
		return st, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// runBench sets every runtime up, warms each, runs the rounds and
// returns the report; progress goes to log.
func runBench(ctx context.Context, cfg config, log io.Writer) (*report, error) {
	f, err := workspace.Load(cfg.workspace)
	if err != nil {
		return nil, err
	}
	if len(f.AIAgents) == 0 {
		return nil, fmt.Errorf("%s has no AI agent", cfg.workspace)
	}
	instructions := f.AIAgents[0].Instructions

	model, err := startChild(childModel)
	if err != nil {
		return nil, err
	}
	defer model.stop()
	modelURL := model.URL + "/v1"
	mc := &modelClient{base: model.URL, proc: model}

	want := func(key string) bool { return len(cfg.only) == 0 || contains(cfg.only, key) }
	var runners []runner
	defer func() {
		for _, r := range runners {
			r.close()
		}
	}()
	add := func(key string, open func() (runner, error)) error {
		if !want(key) {
			return nil
		}
		fmt.Fprintf(log, "peers: setting up %s\n", key)
		r, err := open()
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		runners = append(runners, r)
		return nil
	}
	steps := []struct {
		key  string
		open func() (runner, error)
	}{
		{"causerie-sqlite", func() (runner, error) { return newCauserieInProcess(ctx, kindSQLite, cfg, modelURL) }},
		{"causerie-postgres", func() (runner, error) { return newCauserieInProcess(ctx, kindPostgres, cfg, modelURL) }},
		{"http-sqlite", func() (runner, error) { return newCauserieHTTP(ctx, kindSQLite, cfg, modelURL) }},
		{"http-postgres", func() (runner, error) { return newCauserieHTTP(ctx, kindPostgres, cfg, modelURL) }},
		{"langchaingo", func() (runner, error) { return newLangchain(modelURL, instructions) }},
		{"openai-agents", func() (runner, error) { return newOpenAIAgents(modelURL, instructions) }},
	}
	for _, s := range steps {
		if err := add(s.key, s.open); err != nil {
			return nil, err
		}
	}

	rep := newReport(cfg, runners)
	rep.loadBefore = loadAverage()
	measure := func(r runner, turns, conc int) (*blockResult, *blockMeter, error) {
		m := &blockMeter{model: mc, database: r.database()}
		res, err := r.block(ctx, turns, conc, m)
		if err == nil && m.err != nil {
			err = m.err
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s on %s, %d at once: %w", r.name(), r.store(), conc, err)
		}
		d := m.stats1.sub(m.stats0)
		if d.Refused > 0 || d.Requests != int64(2*turns) {
			return nil, nil, fmt.Errorf("%s on %s: the model server got %d requests for %d turns (%d refused), want %d",
				r.name(), r.store(), d.Requests, turns, d.Refused, 2*turns)
		}
		return res, m, nil
	}
	for _, r := range runners {
		n := cfg.warmup
		if _, ok := r.(*openaiAgents); ok {
			n = cfg.jsWarmup
		}
		for _, c := range cfg.concurrency {
			if n == 0 {
				continue
			}
			fmt.Fprintf(log, "peers: warming up %s on %s, %d at once, %d turns\n", r.name(), r.store(), c, n)
			for done := 0; done < n; done += 500 {
				if _, _, err := measure(r, min(500, n-done), c); err != nil {
					return nil, err
				}
			}
		}
	}
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	for round := range cfg.rounds {
		for _, c := range cfg.concurrency {
			// The order rotates each round, so that no runtime always
			// follows the same one.
			for k := range runners {
				i := (k + round) % len(runners)
				r := runners[i]
				res, m, err := measure(r, cfg.turns, c)
				if err != nil {
					return nil, err
				}
				var pg time.Duration
				if r.database() != "" {
					pg = cpuDelta(m.pg0, m.pg1)
				}
				rep.add(i, c, res, pg, m.model1-m.model0, m.stats1.sub(m.stats0))
				fmt.Fprintf(log, "peers: round %d/%d, %d at once: %-28s %-10s %7.1f turns/s, %6.2f ms CPU/turn\n", round+1, cfg.rounds, c,
					r.name(), r.store(), float64(cfg.turns)/res.wall.Seconds(), float64(res.cpu+pg)/float64(cfg.turns)/1e6)
			}
		}
	}
	rep.loadAfter = loadAverage()
	return rep, nil
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
