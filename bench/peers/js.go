package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// jsResult is what js/run.mjs prints for a block.
type jsResult struct {
	Turns int `json:"turns"`
	// WallMS is the block's wall time, LatMS each turn's, CPUMicros the
	// node process's CPU (process.cpuUsage(), user + system) during the
	// block.
	WallMS    float64   `json:"wall_ms"`
	LatMS     []float64 `json:"lat_ms"`
	CPUMicros float64   `json:"cpu_us"`
	// ToolCalls counts executions of the two function tools; Verified the
	// turns whose contact ended with the field and the tag.
	ToolCalls int    `json:"tool_calls"`
	Verified  int    `json:"verified"`
	Error     string `json:"error"`
}

// openaiAgents is the OpenAI Agents SDK for JavaScript (@openai/agents,
// pinned in js/package-lock.json) with its Chat Completions model against
// the scripted server: js/run.mjs runs the blocks in one long-lived node
// process (warm, as the Go runtimes are), reading one command per line on
// stdin and printing one JSON result per line.
type openaiAgents struct {
	version string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	out     *bufio.Reader
}

// jsDir is bench/peers/js.
func jsDir() string { return filepath.Join(sourceDir(), "js") }

func newOpenAIAgents(modelURL, instructions string) (*openaiAgents, error) {
	dir := jsDir()
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not installed (%v): install Node.js 20+ (Debian: apt-get install nodejs npm), then run `make bench-peers` or `cd bench/peers/js && npm ci`", err)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@openai", "agents", "package.json"))
	if err != nil || json.Unmarshal(raw, &pkg) != nil {
		return nil, fmt.Errorf("@openai/agents is not installed in %s (%v): run `cd bench/peers/js && npm ci` (make bench-peers does)", dir, err)
	}
	f, err := os.CreateTemp("", "peers-instructions-*.txt")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name()) // read at start-up
	if _, err := f.WriteString(instructions); err != nil {
		return nil, err
	}
	f.Close()
	cmd := exec.Command(node, filepath.Join(dir, "run.mjs"), "--base-url", modelURL, "--instructions-file", f.Name(), "--serve")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(), "OPENAI_AGENTS_DISABLE_TRACING=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	j := &openaiAgents{version: pkg.Version, cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	// run.mjs says it is ready once its imports are loaded.
	var ready struct {
		Ready bool   `json:"ready"`
		Error string `json:"error"`
	}
	line, err := j.out.ReadBytes('\n')
	if err != nil || json.Unmarshal(line, &ready) != nil || !ready.Ready {
		j.close()
		return nil, fmt.Errorf("node run.mjs did not start: %q %v %s", line, err, ready.Error)
	}
	return j, nil
}

func (j *openaiAgents) name() string     { return "@openai/agents " + j.version }
func (j *openaiAgents) store() string    { return "in memory" }
func (j *openaiAgents) database() string { return "" }

func (j *openaiAgents) close() {
	_ = j.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- j.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = j.cmd.Process.Kill()
		<-done
	}
}

func (j *openaiAgents) block(ctx context.Context, turns, concurrency int, m meter) (*blockResult, error) {
	cmd, _ := json.Marshal(map[string]any{"cmd": "block", "turns": turns, "concurrency": concurrency})
	m.start()
	if _, err := j.stdin.Write(append(cmd, '\n')); err != nil {
		return nil, err
	}
	line, err := j.out.ReadBytes('\n')
	m.stop()
	if err != nil {
		return nil, fmt.Errorf("node run.mjs: %w", err)
	}
	var r jsResult
	if err := json.Unmarshal(line, &r); err != nil {
		return nil, fmt.Errorf("node run.mjs printed %q: %w", line, err)
	}
	if r.Error != "" {
		return nil, fmt.Errorf("node run.mjs: %s", r.Error)
	}
	if r.Turns != turns || len(r.LatMS) != turns {
		return nil, fmt.Errorf("node run.mjs ran %d turns (%d latencies), want %d", r.Turns, len(r.LatMS), turns)
	}
	if r.ToolCalls != 2*turns || r.Verified != turns {
		return nil, fmt.Errorf("node run.mjs: the tools ran %d times in %d turns (want %d), %d contacts have the field and the tag (want %d)",
			r.ToolCalls, turns, 2*turns, r.Verified, turns)
	}
	res := &blockResult{wall: ms(r.WallMS), cpu: time.Duration(r.CPUMicros * float64(time.Microsecond)), toolRuns: r.ToolCalls}
	for _, l := range r.LatMS {
		res.latencies = append(res.latencies, ms(l))
	}
	return res, nil
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
