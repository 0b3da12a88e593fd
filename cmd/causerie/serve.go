package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/server"
)

func newServe(cfg *config) *cobra.Command {
	var addr, logFormat string
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT] [--log-format text|json]",
		Short: "Serve the HTTP API: visitors, human agents' inbox, admin, SSE streams",
		Long: `Serve runs the HTTP API on --addr (env CAUSERIE_ADDR, default 127.0.0.1:8080):
the visitor API (/v1/workspaces/SLUG/conversations…), the inbox API for human agents
(/v1/inbox…, agent keys), the admin API (/v1/admin…, admin keys), /healthz, /readyz,
/metrics and /openapi.json. Create keys with "causerie key create".

The store is embedded SQLite by default (one process); with DATABASE_URL, PostgreSQL,
and any number of serve processes on it behave as one. SIGTERM or SIGINT stops it
gracefully: streams end with a retry hint, running turns get --grace to finish.

Rate limits: CAUSERIE_RATE_IP and CAUSERIE_RATE_VISITOR, as RATE/s:BURST
(defaults 10/s:50 and 2/s:20; 0 disables).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(cmd.ErrOrStderr(), logFormat)
			if err != nil {
				return err
			}
			limits, err := limitsFromEnv()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := cfg.open(ctx)
			if err != nil {
				return err
			}
			defer s.Close()
			opts, err := runtimeOptions()
			if err != nil {
				return err
			}
			metrics := server.NewMetrics()
			opts.Model = metrics.Model(opts.Model)
			rt := conversation.New(s, opts)
			srv := server.New(rt, server.Options{Logger: logger, Metrics: metrics, Embedder: opts.Embedder, Limits: limits, Production: opts.Production})

			// Streams see what other replicas store (PostgreSQL).
			listenCtx, stopListen := context.WithCancel(context.WithoutCancel(ctx))
			defer stopListen()
			ready := make(chan struct{})
			go func() {
				if err := rt.Listen(listenCtx, func() { close(ready) }); err != nil {
					logger.Error("listening for other replicas' events stopped", "error", redact.String(err.Error()))
				}
			}()
			select {
			case <-ready:
			case <-time.After(10 * time.Second):
				return errors.New("serve: could not listen for the store's notifications within 10 s")
			}
			go recoverLoop(listenCtx, rt, logger)

			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("serve: listen on %s: %w (choose another with --addr or CAUSERIE_ADDR)", addr, err)
			}
			base := "http://" + ln.Addr().String()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Causerie serves %s (store: %s)\n", base, s.Dialect())
			// Each workspace's demo page: a sample site with the chat widget.
			wss, err := s.ListWorkspaces(ctx)
			if err != nil {
				return err
			}
			for _, ws := range wss {
				fmt.Fprintf(out, "  demo         %s/demo/%s\n", base, ws.Slug)
			}
			if len(wss) == 0 {
				fmt.Fprintln(out, "  demo         (no workspace yet: causerie apply -f examples/salon/workspace.yaml, then restart)")
			}
			fmt.Fprintf(out, "  widget       %s/widget.js\n", base)
			fmt.Fprintf(out, "  visitor API  %s/v1/workspaces/{slug}/conversations\n", base)
			fmt.Fprintf(out, "  inbox API    %s/v1/inbox/conversations   (agent keys)\n", base)
			fmt.Fprintf(out, "  inbox page   %s/inbox                    (agent keys)\n", base)
			fmt.Fprintf(out, "  admin API    %s/v1/admin/…               (admin keys)\n", base)
			fmt.Fprintf(out, "  OpenAI API   %s/v1/chat/completions      (admin keys; model = an AI agent's name)\n", base)
			fmt.Fprintf(out, "  OpenAPI      %s/openapi.json\n", base)
			fmt.Fprintf(out, "  health       %s/healthz  %s/readyz  %s/metrics\n", base, base, base)
			if !rt.HasModel() {
				fmt.Fprintln(out, "Note: no model endpoint (OPENAI_API_KEY / OPENAI_BASE_URL): AI agents explain they cannot answer; flows and rules do.")
			}
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
			served := make(chan error, 1)
			go func() { served <- hs.Serve(ln) }()
			select {
			case err := <-served:
				return fmt.Errorf("serve: %w", err)
			case <-ctx.Done():
			}
			logger.Info("shutting down", "grace", grace.String())
			shutCtx, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			// Streams end first (with their retry hint), so that the HTTP
			// server's Shutdown does not wait on them; then turns finish.
			turnsDone := make(chan error, 1)
			go func() { turnsDone <- srv.Shutdown(shutCtx) }()
			if err := hs.Shutdown(shutCtx); err != nil {
				logger.Warn("requests still open at the end of the grace period were closed", "error", err.Error())
			}
			if err := <-turnsDone; err != nil {
				logger.Warn(err.Error())
			}
			stopListen()
			logger.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", envOr("CAUSERIE_ADDR", "127.0.0.1:8080"), "address to listen on (env CAUSERIE_ADDR)")
	cmd.Flags().StringVar(&logFormat, "log-format", envOr("CAUSERIE_LOG_FORMAT", "text"), "log format: text or json (env CAUSERIE_LOG_FORMAT)")
	cmd.Flags().DurationVar(&grace, "grace", 30*time.Second, "how long running turns may take to finish at shutdown")
	return cmd
}

func newLogger(w interface{ Write([]byte) (int, error) }, format string) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: use text or json", format)
}

// limitsFromEnv reads CAUSERIE_RATE_IP and CAUSERIE_RATE_VISITOR
// ("10/s:50").
func limitsFromEnv() (server.Limits, error) {
	l := server.DefaultLimits
	for _, v := range []struct {
		env   string
		rate  *float64
		burst *int
	}{{"CAUSERIE_RATE_IP", &l.IPRate, &l.IPBurst}, {"CAUSERIE_RATE_VISITOR", &l.VisitorRate, &l.VisitorBurst}} {
		raw := os.Getenv(v.env)
		if raw == "" {
			continue
		}
		if raw == "0" {
			*v.rate = -1 // disabled (0 would mean the default)
			continue
		}
		r, b, ok := strings.Cut(raw, ":")
		rate, err1 := strconv.ParseFloat(strings.TrimSuffix(r, "/s"), 64)
		burst, err2 := strconv.Atoi(b)
		if !ok || err1 != nil || err2 != nil || rate <= 0 || burst < 1 {
			return l, fmt.Errorf("%s=%q: write RATE/s:BURST, e.g. 10/s:50 (or 0 to disable)", v.env, raw)
		}
		*v.rate, *v.burst = rate, burst
	}
	return l, nil
}

// recoverLoop handles again, now and every minute, the visitor messages
// whose process died mid-turn.
func recoverLoop(ctx context.Context, rt *conversation.Runtime, logger *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		n, err := rt.Recover(ctx)
		if err != nil && ctx.Err() == nil {
			logger.Error("recovering unfinished turns", "error", redact.String(err.Error()))
		}
		if n > 0 {
			logger.Info("recovered unfinished turns", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
