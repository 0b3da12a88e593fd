package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// progress shows a long task's progress: a bar on a terminal; nothing
// when stderr is a file or a pipe (the command prints its summary line
// anyway) or with --quiet.
type progress struct {
	bar *progressbar.ProgressBar
}

func (c *config) progress(cmd *cobra.Command, total int, what string) *progress {
	w := cmd.ErrOrStderr()
	if c.quiet || !isTerminal(w) {
		return &progress{}
	}
	return &progress{bar: progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())}
}

func (p *progress) step(done int, label string) {
	if p.bar != nil {
		p.bar.Describe(label)
		_ = p.bar.Set(done)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
