package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/evals"
)

func newEval(cfg *config) *cobra.Command {
	var opts evals.Options
	var record, live, replay bool
	var format, output, baseline string
	cmd := &cobra.Command{
		Use:   "eval SUITE...",
		Short: "Run evaluation suites: replayed from cassettes by default, recorded or live on demand",
		Long: `Eval runs each case of the suites on a fresh copy of its workspace (embedded SQLite),
checks the actions taken, the end state and the replies, and reports pass@1 and pass^k.

Model traffic is replayed from the case's cassette when it exists (no endpoint, no cost);
--record runs against the endpoint (OPENAI_API_KEY / OPENAI_BASE_URL) and records;
--live runs against it without recording. The exit code is not zero when a case fails,
or when --baseline shows a case that passed before and fails now.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			// Every option is checked before anything runs, and all that is
			// wrong is said at once.
			var bad []string
			if !slices.Contains(reportFormats, format) {
				bad = append(bad, fmt.Sprintf("--format %q: use one of %s", format, strings.Join(reportFormats, ", ")))
			}
			if opts.Trials < 1 {
				bad = append(bad, fmt.Sprintf("--trials %d: run each case at least once (1 or more)", opts.Trials))
			}
			if opts.Parallel < 0 {
				bad = append(bad, fmt.Sprintf("--parallel %d: give a positive number of trials at once, or 0 for one per CPU", opts.Parallel))
			}
			switch n := btoi(record) + btoi(live) + btoi(replay); {
			case n > 1:
				bad = append(bad, "choose one of --record, --live and --replay")
			case record || live:
				if _, err := agent.OpenAIConfigFromEnv(); err != nil {
					flag := "--record"
					if live {
						flag = "--live"
					}
					bad = append(bad, fmt.Sprintf("%s needs a model endpoint: %v", flag, err))
				}
			}
			var base *evals.Report
			if baseline != "" {
				var err error
				if base, err = evals.LoadReport(baseline); err != nil {
					bad = append(bad, "--baseline: "+err.Error())
				}
			}
			if output != "" {
				if dir := filepath.Dir(output); dir != "" {
					if st, err := os.Stat(dir); err != nil || !st.IsDir() {
						bad = append(bad, fmt.Sprintf("--output %s: the folder %s does not exist", output, dir))
					}
				}
			}
			if len(bad) > 0 {
				return errors.New("nothing was run:\n  " + strings.Join(bad, "\n  "))
			}
			var suites []*evals.Suite
			var loadErrs []error
			for _, p := range paths {
				s, err := evals.Load(p)
				if err != nil {
					loadErrs = append(loadErrs, err)
					continue
				}
				suites = append(suites, s)
			}
			if err := errors.Join(loadErrs...); err != nil {
				return err
			}
			switch {
			case record:
				opts.Mode = evals.Record
			case live:
				opts.Mode = evals.Live
			case replay:
				opts.Mode = evals.Replay
			default:
				opts.Mode = evals.ModeAuto
			}
			if m, err := agent.OpenAIConfigFromEnv(); err == nil {
				opts.Model = m
			}
			if opts.Model.Model == "" {
				opts.Model.Model = os.Getenv(agent.EnvModel)
			}
			errOut := cmd.ErrOrStderr()
			tty := false
			if f, ok := errOut.(*os.File); ok {
				tty = isatty.IsTerminal(f.Fd())
			}
			opts.Progress = func(done, total int, suite, kase string, trial int, r *evals.TrialResult) {
				mark := "✓"
				if !r.Passed {
					mark = "✗"
				}
				line := fmt.Sprintf("[%d/%d] %s %s › %s (trial %d)", done, total, mark, suite, kase, trial+1)
				if tty {
					fmt.Fprintf(errOut, "\r\033[K%s", line)
					if done == total {
						fmt.Fprintln(errOut)
					}
				} else if !r.Passed || done == total {
					fmt.Fprintln(errOut, line)
				}
			}
			rep, err := evals.Run(cmd.Context(), suites, opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			}
			if err := writeReport(out, rep, format); err != nil {
				return err
			}
			if output != "" && format != "text" {
				rep.Text(cmd.OutOrStdout()) // the summary on the terminal too
			}
			var problems []string
			if base != nil {
				regressions := 0
				for _, f := range rep.Compare(base) {
					fmt.Fprintf(cmd.OutOrStdout(), "flipped: %s\n", f)
					if f.Was && !f.Now {
						regressions++
					}
				}
				if regressions > 0 {
					problems = append(problems, fmt.Sprintf("%d regressions against %s", regressions, baseline))
				}
			}
			if n := rep.Failed(); n > 0 {
				problems = append(problems, fmt.Sprintf("%d of the cases failed", n))
			}
			if len(problems) > 0 {
				return errors.New(strings.Join(problems, "; "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Agent, "agent", "", "run the suites against this AI agent instead of theirs")
	cmd.Flags().IntVarP(&opts.Trials, "trials", "k", 1, "run each case k times; reports pass^k")
	cmd.Flags().IntVarP(&opts.Parallel, "parallel", "n", 0, "trials run at once (default: the number of CPUs)")
	cmd.Flags().BoolVar(&record, "record", false, "run against the model endpoint and record cassettes")
	cmd.Flags().BoolVar(&live, "live", false, "run against the model endpoint without recording")
	cmd.Flags().BoolVar(&replay, "replay", false, "replay cassettes only (the default when they exist)")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, json, junit or html")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the report to this file")
	cmd.Flags().StringVar(&baseline, "baseline", "", "a JSON report of an earlier run: list flipped cases, fail on regressions")
	cmd.AddCommand(newEvalCapture(cfg))
	return cmd
}

// reportFormats are eval's --format values.
var reportFormats = []string{"text", "json", "junit", "html"}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func writeReport(w io.Writer, rep *evals.Report, format string) error {
	switch format {
	case "text", "":
		rep.Text(w)
		return nil
	case "json":
		return rep.JSON(w)
	case "junit":
		return rep.JUnit(w)
	case "html":
		return rep.HTML(w)
	}
	return fmt.Errorf("--format %q: use text, json, junit or html", format)
}

func newEvalCapture(cfg *config) *cobra.Command {
	var convID, wsFile, output string
	cmd := &cobra.Command{
		Use:   "capture --conversation ID",
		Short: "Turn a stored conversation (see conversations list) into an evaluation suite: its visitor turns, the actions taken, the final state, and the flows and knowledge it needs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, ws, err := cfg.openWorkspace(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			c, err := evals.Capture(ctx, s, ws, convID)
			if err != nil {
				return err
			}
			files, err := c.Write(output, wsFile)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", f)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "run it with `causerie eval %s`; if the AI agent answers in it, record its cassette first "+
				"with `causerie eval --record %s`\n", output, output)
			return nil
		},
	}
	cmd.Flags().StringVar(&convID, "conversation", "", "ID of the conversation to capture")
	cmd.Flags().StringVar(&wsFile, "workspace-file", "workspace.yaml", "the workspace file the suite names, relative to it")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the suite here; its flows and knowledge go next to it")
	_ = cmd.MarkFlagRequired("conversation")
	_ = cmd.MarkFlagRequired("output")
	return cmd
}
