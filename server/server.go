package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/dsl"
	"github.com/causerie/causerie/dsl/generate"
	"github.com/causerie/causerie/rag"
	"github.com/causerie/causerie/store"
)

// Options configure a Server. The zero value of each field has a
// working default.
type Options struct {
	// Logger receives one line per request and the errors; message text,
	// tokens and secrets are never logged.
	Logger *slog.Logger
	// MaxBodyBytes caps JSON bodies (default 1 MiB): larger ones get 413.
	MaxBodyBytes int64
	// MaxUploadBytes caps multipart bodies — a message's audio, knowledge
	// documents (default 25 MiB).
	MaxUploadBytes int64
	// Limits are the rate limits (see DefaultLimits).
	Limits Limits
	// Heartbeat is how often an idle SSE stream gets a comment, so that
	// proxies keep it open (default 15 s).
	Heartbeat time.Duration
	// WaitTimeout bounds a POST …/messages?wait=true (default 2 min); past
	// it the answer is 202 and the reply comes on the stream.
	WaitTimeout time.Duration
	// RetryAfterShutdown is the reconnection delay streams are told when
	// the server stops (default 2 s).
	RetryAfterShutdown time.Duration
	// Embedder indexes and searches knowledge (the admin API's uploads and
	// search); nil refuses them with a clear problem.
	Embedder rag.Embedder
	// Production checks flows as in production: their URLs must be https
	// (CAUSERIE_ENV=production, as the CLI's flow commands do).
	Production bool
	// Metrics, when set, are the metrics the runtime's model was wrapped
	// with (see NewMetrics); nil makes new ones.
	Metrics *Metrics
	// Now tells the time (tests fix it).
	Now func() time.Time
	// FinishFlow completes generated flows (default generate.Finish).
	FinishFlow func(*dsl.Flow, generate.FinishOptions) error
}

// Server is the HTTP API: the visitor API, the inbox API, the admin API
// and the operations endpoints, on one conversation runtime.
type Server struct {
	opts    Options
	rt      *conversation.Runtime
	store   store.Store
	e       *echo.Echo
	metrics *metrics
	limits  *limiters

	// closing is closed when Shutdown begins: streams end, new turns are
	// refused.
	closing   chan struct{}
	closeOnce sync.Once
	// turns counts the turns running for requests, which Shutdown lets
	// finish.
	turns sync.WaitGroup
	// bg is the context of work that outlives its request (a turn after
	// 202, an ingestion); cancelled when Shutdown gives up waiting.
	bg     context.Context
	cancel context.CancelFunc
}

// New returns the server of rt.
func New(rt *conversation.Runtime, opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxUploadBytes == 0 {
		opts.MaxUploadBytes = 25 << 20
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 15 * time.Second
	}
	if opts.WaitTimeout == 0 {
		opts.WaitTimeout = 2 * time.Minute
	}
	if opts.RetryAfterShutdown == 0 {
		opts.RetryAfterShutdown = 2 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Metrics == nil {
		opts.Metrics = newMetrics()
	}
	s := &Server{opts: opts, rt: rt, store: rt.Store(), closing: make(chan struct{}),
		metrics: opts.Metrics, limits: newLimiters(opts.Limits, opts.Now)}
	s.bg, s.cancel = context.WithCancel(context.Background())
	e := echo.NewWithConfig(echo.Config{Logger: opts.Logger, HTTPErrorHandler: s.errorHandler})
	e.Use(middleware.RequestID(), s.observe, middleware.Recover())
	for _, r := range s.routes() {
		e.Add(r.Method, r.Path, s.guard(r), r.middleware...)
	}
	s.pageRoutes(e)
	e.RouteNotFound("/*", func(c *echo.Context) error { return echo.ErrNotFound })
	s.e = e
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Shutdown ends the streams (telling clients when to reconnect), lets the
// turns that are running finish until ctx is done, then cancels them.
// Call it after http.Server.Shutdown has stopped accepting requests, or
// before: requests that arrive meanwhile get 503.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.closing) })
	done := make(chan struct{})
	go func() { s.turns.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.cancel()
		return errors.New("shutdown: turns still running were cancelled (they are recovered on the next start)")
	}
}

func (s *Server) shuttingDown() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// startTurn registers work that Shutdown waits for; it fails once the
// server is shutting down.
func (s *Server) startTurn() error {
	if s.shuttingDown() {
		p := problem(http.StatusServiceUnavailable, "shutting-down", "the server is shutting down; retry in a moment (another replica may answer)")
		p.retryAfter = int(s.opts.RetryAfterShutdown / time.Second)
		return p
	}
	s.turns.Add(1)
	return nil
}

// logAttrs are what a request's log line says beyond method, route and
// status: set by handlers as they learn them.
type logAttrs struct {
	workspace, conversation string
}

const ctxLog = "causerie.log"

func attrs(c *echo.Context) *logAttrs {
	if a, ok := c.Get(ctxLog).(*logAttrs); ok {
		return a
	}
	a := &logAttrs{}
	c.Set(ctxLog, a)
	return a
}

// log returns the request's logger: its request id, workspace and
// conversation.
func (s *Server) log(c *echo.Context) *slog.Logger {
	a := attrs(c)
	l := s.opts.Logger.With("request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	if a.workspace != "" {
		l = l.With("workspace_id", a.workspace)
	}
	if a.conversation != "" {
		l = l.With("conversation_id", a.conversation)
	}
	return l
}

// observe logs each request (never its query string, which may carry a
// stream's access token, nor its body) and counts it in the metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		start := time.Now()
		attrs(c)
		err := next(c)
		if err != nil {
			s.errorHandler(c, err)
		}
		_, status := echo.ResolveResponseStatus(c.Response(), nil)
		route := c.Path()
		if route == "" || strings.HasSuffix(route, "/*") && status == http.StatusNotFound {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.request(c.Request().Method, route, status, d)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log(c).Log(c.Request().Context(), level, "request", "method", c.Request().Method, "route", route,
			"status", status, "duration_ms", float64(d.Microseconds())/1000)
		return nil
	}
}
