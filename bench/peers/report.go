package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// cell is one runtime at one concurrency, over all the rounds.
type cell struct {
	lat     []time.Duration
	turns   int
	wall    time.Duration
	cpu, pg time.Duration
	// rates are the rounds' turns/s.
	rates []float64
	stats modelStats
	// toolRuns counts the tool executions the blocks checked.
	toolRuns int
	// model is the scripted model server's CPU.
	model time.Duration
}

func (c *cell) rate() float64 { return float64(c.turns) / c.wall.Seconds() }

// cpuPerTurn is the runtime's process's CPU per turn, and PostgreSQL's.
func (c *cell) cpuPerTurn() (proc, pg time.Duration) {
	n := time.Duration(c.turns)
	return c.cpu / n, c.pg / n
}

type runnerInfo struct {
	name, store string
	postgres    bool
}

// report gathers the blocks and renders them as Markdown.
type report struct {
	cfg                   config
	runners               []runnerInfo
	cells                 map[[2]int]*cell // by runner index and concurrency
	started               time.Time
	loadBefore, loadAfter string
}

func newReport(cfg config, runners []runner) *report {
	r := &report{cfg: cfg, cells: map[[2]int]*cell{}, started: time.Now()}
	for _, x := range runners {
		r.runners = append(r.runners, runnerInfo{name: x.name(), store: x.store(), postgres: x.database() != ""})
	}
	return r
}

func (r *report) add(runner, conc int, res *blockResult, pg, model time.Duration, st modelStats) {
	k := [2]int{runner, conc}
	c := r.cells[k]
	if c == nil {
		c = &cell{}
		r.cells[k] = c
	}
	c.lat = append(c.lat, res.latencies...)
	c.turns += len(res.latencies)
	c.wall += res.wall
	c.cpu += res.cpu
	c.pg += pg
	c.rates = append(c.rates, float64(len(res.latencies))/res.wall.Seconds())
	c.stats = c.stats.add(st)
	c.toolRuns += res.toolRuns
	c.model += model
}

func msf(d time.Duration) string {
	v := float64(d) / 1e6
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, ch := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return b.String()
}

func (r *report) isCauserie(i int) bool { return strings.HasPrefix(r.runners[i].name, "Causerie") }
func (r *report) find(prefix string) int {
	return slices.IndexFunc(r.runners, func(x runnerInfo) bool { return strings.HasPrefix(x.name, prefix) })
}

func (r *report) cpuCell(c *cell, postgres bool) string {
	proc, pg := c.cpuPerTurn()
	if !postgres {
		return msf(proc) + " ms"
	}
	return fmt.Sprintf("%s ms (%s + %s PG)", msf(proc+pg), msf(proc), msf(pg))
}

func (r *report) markdown() string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	concs := r.cfg.concurrency
	top := slices.Max(concs)
	p("## Peer benchmark: one turn — a visitor message, two tool calls (update a contact field, tag the contact), the reply\n\n")
	p("%d rounds, interleaved (each round runs every runtime at each concurrency, in an order rotated per round); a block is %d turns, "+
		"each in a new conversation; first, warm-up turns at each concurrency: %d per runtime, %d for @openai/agents (node's JIT needs them). The model is one scripted OpenAI-compatible server "+
		"on loopback, in a process of its own, answering at once: the two tool calls in one assistant message, then the reply.\n\n",
		r.cfg.rounds, r.cfg.turns, r.cfg.warmup, r.cfg.jsWarmup)
	p("Machine: %s, %d cores (GOMAXPROCS %d); %s, %s; load average %s before, %s after; %s.\n\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), nodeVersion(), r.loadBefore, r.loadAfter,
		r.started.UTC().Format("2006-01-02 15:04 UTC"))

	// The main table.
	p("| runtime | store |")
	for _, c := range concs {
		p(" %d at once: p50 / p99 | %d at once: CPU per turn |", c, c)
	}
	p(" %d at once: turns/s (rounds' range) | bytes per model request |\n", top)
	p("|---|---|")
	for range concs {
		p("---|---|")
	}
	p("---|---|\n")
	for i, ru := range r.runners {
		p("| %s | %s |", ru.name, ru.store)
		var st modelStats
		for _, c := range concs {
			cl := r.cells[[2]int{i, c}]
			lat := sortedCopy(cl.lat)
			p(" %s / %s ms | %s |", msf(quantile(lat, 0.5)), msf(quantile(lat, 0.99)), r.cpuCell(cl, ru.postgres))
			st = st.add(cl.stats)
		}
		cl := r.cells[[2]int{i, top}]
		p(" %.0f (%.0f–%.0f) | %s |\n", cl.rate(), slices.Min(cl.rates), slices.Max(cl.rates), thousands(st.Bytes/max(1, st.Requests)))
	}
	p("\nWall time per turn is the caller's: `Runtime.Handle` returning, the HTTP answer to `POST …/messages?wait=true` read, " +
		"`chains.Run` returning, `run(agent, message)` resolving. CPU per turn is the runtime's process's user + system time over the " +
		"measured block divided by its turns — this process's (getrusage) for the in-process Go runtimes, the server process's " +
		"(/proc/PID/stat, 10 ms ticks) for Causerie's HTTP API (the load generator is another process), node's `process.cpuUsage()` for " +
		"@openai/agents — plus, on PostgreSQL, the server's processes (postmaster, auxiliary processes, and the backends of the runtime's own " +
		"database, from /proc). The scripted model's CPU is in none of them. turns/s is all the rounds' turns over their summed wall time.\n\n")

	// Ratios.
	lc, oa := r.find("langchaingo"), r.find("@openai/agents")
	if lc >= 0 || oa >= 0 {
		p("Ratios (Causerie ÷ peer; CPU: lower is cheaper, turns/s: higher is faster):\n\n")
		p("| Causerie | store |")
		if lc >= 0 {
			for _, c := range concs {
				p(" CPU per turn ÷ langchaingo, %d at once |", c)
			}
		}
		if oa >= 0 {
			for _, c := range concs {
				p(" CPU per turn ÷ @openai/agents, %d at once |", c)
			}
			p(" turns/s ÷ @openai/agents, %d at once |", top)
		}
		p("\n|---|---|")
		n := 0
		if lc >= 0 {
			n += len(concs)
		}
		if oa >= 0 {
			n += len(concs) + 1
		}
		p("%s\n", strings.Repeat("---|", n))
		cpuOf := func(i, c int) float64 { proc, pg := r.cells[[2]int{i, c}].cpuPerTurn(); return float64(proc + pg) }
		for i, ru := range r.runners {
			if !r.isCauserie(i) {
				continue
			}
			p("| %s | %s |", ru.name, ru.store)
			if lc >= 0 {
				for _, c := range concs {
					p(" %.2f× |", cpuOf(i, c)/cpuOf(lc, c))
				}
			}
			if oa >= 0 {
				for _, c := range concs {
					p(" %.2f× |", cpuOf(i, c)/cpuOf(oa, c))
				}
				p(" %.2f× |", r.cells[[2]int{i, top}].rate()/r.cells[[2]int{oa, top}].rate())
			}
			p("\n")
		}
		p("\n")
	}

	// What the model server saw.
	p("What the scripted model server received (all concurrencies; bytes are request bodies). Its CPU shares the machine's cores with " +
		"the runtime under test, and bounds the turns/s of the fastest:\n\n")
	p("| runtime | store | requests per turn | streamed | 1st request (→ tool calls), bytes | 2nd request (→ reply), bytes | average, bytes | the model server's CPU per turn |\n")
	p("|---|---|---|---|---|---|---|---|\n")
	for i, ru := range r.runners {
		var st modelStats
		turns := 0
		var model time.Duration
		for _, c := range concs {
			cl := r.cells[[2]int{i, c}]
			st, turns, model = st.add(cl.stats), turns+cl.turns, model+cl.model
		}
		streamed := "no"
		if st.Streamed == st.Requests {
			streamed = "yes (SSE)"
		} else if st.Streamed > 0 {
			streamed = fmt.Sprintf("%d of %d", st.Streamed, st.Requests)
		}
		p("| %s | %s | %.2f | %s | %s | %s | %s | %s ms |\n", ru.name, ru.store, float64(st.Requests)/float64(turns), streamed,
			thousands(st.ToolBytes/max(1, st.ToolRequests)), thousands(st.ReplyBytes/max(1, st.ReplyRequests)), thousands(st.Bytes/max(1, st.Requests)),
			msf(model/time.Duration(max(1, turns))))
	}

	// Each round's throughput, to show the noise.
	p("\nturns/s at %d at once, round by round:\n\n| runtime | store |", top)
	for k := range r.cfg.rounds {
		p(" %d |", k+1)
	}
	p("\n|---|---|%s\n", strings.Repeat("---|", r.cfg.rounds))
	for i, ru := range r.runners {
		p("| %s | %s |", ru.name, ru.store)
		for _, v := range r.cells[[2]int{i, top}].rates {
			p(" %.0f |", v)
		}
		p("\n")
	}
	return b.String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "node ?"
	}
	return "node " + strings.TrimSpace(string(out))
}
