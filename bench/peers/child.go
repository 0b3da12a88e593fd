package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The harness runs two things in child processes of its own executable,
// so that their CPU is not counted as a runtime's: the scripted model
// server (every runtime's model) and Causerie's HTTP server (measured as
// a process of its own, as `causerie serve` runs). A child is this
// executable with PEERS_CHILD naming its role; it prints "ready URL" on
// stdout and serves until its standard input closes (the parent ended).
const envChild = "PEERS_CHILD"

// Roles of a child.
const (
	childModel    = "model"
	childCauserie = "causerie-http"
)

// runChildIfAsked runs this process as a child when PEERS_CHILD says
// so, and exits; otherwise it returns. main and TestMain call it first.
func runChildIfAsked() {
	role := os.Getenv(envChild)
	if role == "" {
		return
	}
	var err error
	switch role {
	case childModel:
		err = serveChild(&scriptedModel{dump: os.Getenv("PEERS_MODEL_DUMP")})
	case childCauserie:
		var h http.Handler
		var stop func()
		h, stop, err = causerieHTTPChild(context.Background(), os.Getenv("PEERS_STORE"), os.Getenv("PEERS_STORE_AT"), os.Getenv("PEERS_MODEL_URL"))
		if err == nil {
			err = serveChild(h)
			stop()
		}
	default:
		err = fmt.Errorf("unknown %s=%q", envChild, role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "peers %s: %v\n", role, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serveChild serves h on a loopback port until stdin closes.
func serveChild(h http.Handler) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Printf("ready http://%s\n", ln.Addr())
	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(eof) }()
	select {
	case err := <-served:
		return err
	case <-eof:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	return nil
}

// child is a running child process.
type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	URL   string
}

// startChild starts this executable as a child of role, with env added,
// and waits until it is ready.
func startChild(role string, env ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(append(os.Environ(), envChild+"="+role), env...)
	cmd.Stderr = os.Stderr
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
	c := &child{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if err != nil || !ok {
		c.stop()
		return nil, fmt.Errorf("the %s child did not start (it said %q): %v", role, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	c.URL = url
	return c, nil
}

// cpu is the child's CPU time so far.
func (c *child) cpu() (time.Duration, error) { return procCPU(c.cmd.Process.Pid) }

// stop closes the child's stdin and waits for it to end (killing it
// after 10 s).
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}
