package server

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
)

// sse streams items as Server-Sent Events: a stored event carries its
// id (its Seq, which Last-Event-ID resumes from), live-only ones (delta,
// typing) none. A comment every Heartbeat keeps proxies from closing an
// idle stream; when the server shuts down the stream ends with a retry
// hint, and the client reconnects (to another replica) where it left.
// keep, when not nil, filters the items.
func (s *Server) sse(c *echo.Context, items <-chan conversation.StreamItem, keep func(conversation.StreamItem) bool) error {
	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	bw := bufio.NewWriter(w)
	flush := func() error {
		if err := bw.Flush(); err != nil {
			return err
		}
		return rc.Flush()
	}
	fmt.Fprintf(bw, "retry: %d\n\n", s.opts.RetryAfterShutdown.Milliseconds())
	if err := flush(); err != nil {
		return nil
	}
	s.metrics.streams.Inc()
	defer s.metrics.streams.Dec()
	beat := time.NewTicker(s.opts.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case it, ok := <-items:
			if !ok {
				return nil // the reader fell behind or the request ended: the client reconnects
			}
			if keep != nil && !keep(it) {
				continue
			}
			writeEvent(bw, it)
			// Send what is queued at once, then flush.
			for more := true; more; {
				select {
				case it, ok := <-items:
					if !ok {
						_ = flush()
						return nil
					}
					if keep == nil || keep(it) {
						writeEvent(bw, it)
					}
				default:
					more = false
				}
			}
			if err := flush(); err != nil {
				return nil
			}
		case <-beat.C:
			fmt.Fprint(bw, ": heartbeat\n\n")
			if err := flush(); err != nil {
				return nil
			}
		case <-s.closing:
			fmt.Fprintf(bw, "retry: %d\nevent: shutdown\ndata: {\"reconnect_ms\":%d}\n\n", s.opts.RetryAfterShutdown.Milliseconds(), s.opts.RetryAfterShutdown.Milliseconds())
			_ = flush()
			return nil
		}
	}
}

func writeEvent(bw *bufio.Writer, it conversation.StreamItem) {
	if it.Seq > 0 {
		fmt.Fprintf(bw, "id: %d\n", it.Seq)
	}
	fmt.Fprintf(bw, "event: %s\n", it.Kind)
	// JSON has no raw newlines, but be safe: one data line per line.
	for _, line := range bytes.Split(it.Data, []byte("\n")) {
		bw.WriteString("data: ")
		bw.Write(line)
		bw.WriteByte('\n')
	}
	bw.WriteByte('\n')
}
