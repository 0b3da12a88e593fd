package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// lineReader reads the chat's input lines: on a terminal with line
// editing and history (golang.org/x/term), else plainly, a line of any
// length.
type lineReader interface {
	// ReadLine returns the next line without its end; io.EOF at the end
	// of input (Ctrl-D, or Ctrl-C at the prompt on a terminal).
	ReadLine() (string, error)
}

func newLineReader(in io.Reader, out io.Writer) lineReader {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &termReader{fd: int(f.Fd()), t: term.NewTerminal(struct {
			io.Reader
			io.Writer
		}{f, out}, "> ")}
	}
	return &plainReader{r: bufio.NewReader(in), out: out}
}

// termReader puts the terminal in raw mode only while a line is typed:
// the turn's output, printed meanwhile, needs the terminal as it was.
type termReader struct {
	fd int
	t  *term.Terminal
}

func (r *termReader) ReadLine() (string, error) {
	state, err := term.MakeRaw(r.fd)
	if err != nil {
		return "", err
	}
	defer func() { _ = term.Restore(r.fd, state) }()
	return r.t.ReadLine()
}

type plainReader struct {
	r   *bufio.Reader
	out io.Writer
}

func (r *plainReader) ReadLine() (string, error) {
	fmt.Fprint(r.out, "> ")
	line, err := r.r.ReadString('\n')
	if err == io.EOF && line != "" {
		return line, nil // the last line, without its end
	}
	return line, err
}
