package server

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/causerie/causerie/agent"
	"github.com/causerie/causerie/conversation"
)

// Metrics are a server's Prometheus metrics, on a registry of their own
// (two servers in one process — tests — do not collide). Make them
// before the runtime (NewMetrics), so that its model is counted too
// (Metrics.Model), and give them to New in Options.Metrics.
type Metrics = metrics

// NewMetrics returns a server's metrics.
func NewMetrics() *Metrics { return newMetrics() }

type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	turns     *prometheus.CounterVec
	turnTime  prometheus.Histogram
	modelTime prometheus.Histogram
	tokens    *prometheus.CounterVec
	actions   *prometheus.CounterVec
	streams   prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "causerie_http_requests_total",
		Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "causerie_http_request_duration_seconds",
		Help: "HTTP request latency by route and method (streams: their whole life).", Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14)},
		[]string{"route", "method"})
	m.turns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "causerie_turns_total",
		Help: "Visitor messages handled, by outcome: replied, flow, rule, waiting, fallback, no_model, error."}, []string{"outcome"})
	m.turnTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "causerie_turn_duration_seconds",
		Help: "Time from a visitor message to the end of its turn.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14)})
	m.modelTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "causerie_model_call_duration_seconds",
		Help: "Latency of chat model calls.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 14)})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "causerie_model_tokens_total",
		Help: "Model tokens by kind: prompt, completion."}, []string{"kind"})
	m.actions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "causerie_actions_total",
		Help: "Actions taken in turns and by humans, by name and result (ok, failed)."}, []string{"name", "result"})
	m.streams = prometheus.NewGauge(prometheus.GaugeOpts{Name: "causerie_sse_streams_open", Help: "Open SSE streams."})
	m.reg.MustRegister(m.requests, m.latency, m.turns, m.turnTime, m.modelTime, m.tokens, m.actions, m.streams,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) request(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

func (m *metrics) turn(out *conversation.Outcome, err error, d time.Duration) {
	outcome := "replied"
	switch {
	case err != nil:
		outcome = "error"
	case out.Fallback:
		outcome = "fallback"
	case out.Waiting:
		outcome = "waiting"
	case out.Notice != "":
		outcome = "no_model"
	case len(out.Via) >= 5 && out.Via[:5] == "flow:":
		outcome = "flow"
	case len(out.Via) >= 5 && out.Via[:5] == "rule:":
		outcome = "rule"
	}
	m.turns.WithLabelValues(outcome).Inc()
	if err == nil {
		m.turnTime.Observe(d.Seconds())
	}
	if out != nil {
		for _, a := range out.Actions {
			m.action(a.Name, a.Result.OK)
		}
	}
}

func (m *metrics) action(name string, ok bool) {
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.actions.WithLabelValues(name, result).Inc()
}

// Model wraps a chat model so that the metrics count its calls' latency
// and tokens (keeping its transcription, when it has one).
func (m *metrics) Model(model agent.Model) agent.Model {
	if model == nil {
		return nil
	}
	t := &timedModel{Model: model, m: m}
	if tr, ok := model.(agent.Transcriber); ok {
		return &timedTranscriber{timedModel: t, Transcriber: tr}
	}
	return t
}

type timedTranscriber struct {
	*timedModel
	agent.Transcriber
}

type timedModel struct {
	agent.Model
	m *metrics
}

func (t *timedModel) Chat(ctx context.Context, req agent.Request) (*agent.Response, error) {
	start := time.Now()
	res, err := t.Model.Chat(ctx, req)
	t.m.modelTime.Observe(time.Since(start).Seconds())
	if res != nil {
		t.m.tokens.WithLabelValues("prompt").Add(float64(res.Usage.PromptTokens))
		t.m.tokens.WithLabelValues("completion").Add(float64(res.Usage.CompletionTokens))
	}
	return res, err
}
