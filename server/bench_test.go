package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/causerie/causerie/agent/agenttest"
	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/store/storetest"
)

// twoToolTurns scripts the benchmark turn: the model updates a field and
// tags the contact, then replies.
func twoToolTurns(req agenttest.Request) agenttest.Step {
	msgs := req.Messages()
	if msgs[len(msgs)-1]["role"] == "tool" {
		return agenttest.Step{Reply: "C'est noté !"}
	}
	return agenttest.Step{ToolCalls: []agenttest.ToolCall{
		agenttest.Call("update_contact_fields", `{"fields":[{"field":"budget","value":150}]}`),
		agenttest.Call("tag_contact", `{"tag":"coloration"}`)}}
}

func benchStores(b *testing.B, fn func(b *testing.B, s store.Store)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.OpenSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.OpenPostgres(b)) })
}

// postWait posts one visitor message with ?wait=true and checks the turn
// ran both tools and replied.
func postWait(client *http.Client, url, token string) error {
	req, _ := http.NewRequest("POST", url+"?wait=true", bytes.NewReader([]byte(`{"text":"Budget 150 €, et je veux une coloration"}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"tag_contact"`)) || !bytes.Contains(body, []byte(`C'est noté`)) {
		return fmt.Errorf("%d %s", res.StatusCode, body)
	}
	return nil
}

// BenchmarkMessageWait: a visitor message posted over HTTP with
// ?wait=true until its reply — the scripted model answering at once with
// two tool calls, then the reply — one conversation per message, one
// client at a time. Reports p50/p99 latency.
func BenchmarkMessageWait(b *testing.B) {
	benchStores(b, func(b *testing.B, s store.Store) {
		h := newHarness(b, s, harnessOptions{})
		h.model.RespondWith(twoToolTurns)
		var lat []time.Duration
		client := h.http.Client()
		for b.Loop() {
			b.StopTimer()
			v := h.newVisitor(nil)
			b.StartTimer()
			start := time.Now()
			if err := postWait(client, h.http.URL+v.base+"/messages", v.token); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
		b.ReportMetric(q(0.5), "p50-ms")
		b.ReportMetric(q(0.99), "p99-ms")
	})
}

// BenchmarkMessageThroughput: the same messages from 8 conversations at
// once; reports messages/s.
func BenchmarkMessageThroughput(b *testing.B) {
	benchStores(b, func(b *testing.B, s store.Store) {
		h := newHarness(b, s, harnessOptions{})
		h.model.RespondWith(twoToolTurns)
		const clients = 8
		var visitors []*visitor
		for range clients {
			visitors = append(visitors, h.newVisitor(nil))
		}
		client := h.http.Client()
		client.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
		var next atomic.Int64
		b.ResetTimer()
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		for _, v := range visitors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(b.N) {
					if err := postWait(client, h.http.URL+v.base+"/messages", v.token); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	})
}

// BenchmarkIdleStreams: the memory an idle SSE stream costs the server,
// with 2,000 streams open (one conversation each). The clients are raw
// connections that send the request and read nothing, so what grows is
// the server's side.
func BenchmarkIdleStreams(b *testing.B) {
	const streams = 2000
	for range b.N {
		b.StopTimer()
		h := newHarness(b, storetest.OpenSQLite(b), harnessOptions{})
		var paths, tokens []string
		for range streams {
			v := h.newVisitor(nil)
			paths, tokens = append(paths, v.base+"/events"), append(tokens, v.token)
		}
		addr := h.http.Listener.Addr().String()
		before := heapInUse()
		goroutines := runtime.NumGoroutine()
		b.StartTimer()
		conns := make([]net.Conn, 0, streams)
		for i := range streams {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: text/event-stream\r\n\r\n", paths[i], addr, tokens[i])
			conns = append(conns, c)
		}
		// Wait until every stream is open on the server.
		deadline := time.Now().Add(30 * time.Second)
		for metricValue(b, h, "causerie_sse_streams_open") < streams {
			if time.Now().After(deadline) {
				b.Fatalf("only %v streams opened", metricValue(b, h, "causerie_sse_streams_open"))
			}
			time.Sleep(20 * time.Millisecond)
		}
		b.StopTimer()
		after := heapInUse()
		b.ReportMetric(float64(after-before)/streams/1024, "KiB/stream")
		b.ReportMetric(float64(runtime.NumGoroutine()-goroutines)/streams, "goroutines/stream")
		for _, c := range conns {
			c.Close()
		}
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// metricValue reads one unlabelled metric of the harness's server.
func metricValue(tb testing.TB, h *harness, name string) float64 {
	res, err := http.Get(h.http.URL + "/metrics")
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, line := range bytes.Split(body, []byte("\n")) {
		var v float64
		if n, _ := fmt.Sscanf(string(line), name+" %g", &v); n == 1 {
			return v
		}
	}
	return 0
}
