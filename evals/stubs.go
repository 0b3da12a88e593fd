package evals

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// stubs answers a case's http_request calls from its stubs: nothing
// leaves the process. A request no stub matches gets a 599 whose body
// says so, so that the case shows what was called.
type stubs struct {
	list []Stub
	mu   sync.Mutex
	seen []string // "METHOD URL" of every request
}

// RoundTrip implements http.RoundTripper.
func (s *stubs) RoundTrip(req *http.Request) (*http.Response, error) {
	url := req.URL.String()
	s.mu.Lock()
	s.seen = append(s.seen, req.Method+" "+url)
	s.mu.Unlock()
	for _, st := range s.list {
		if st.Method != "" && !strings.EqualFold(st.Method, req.Method) {
			continue
		}
		if !st.re.MatchString(url) {
			continue
		}
		status := st.Status
		if status == 0 {
			status = http.StatusOK
		}
		header := http.Header{}
		body := []byte(st.Body)
		if st.JSON != nil {
			b, err := json.Marshal(st.JSON)
			if err != nil {
				return nil, fmt.Errorf("stub %s: %w", st.URL, err)
			}
			body = b
			header.Set("Content-Type", "application/json")
		}
		for k, v := range st.Header {
			header.Set(k, v)
		}
		return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header: header, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
	}
	body := fmt.Sprintf("no stub of this case matches %s %s; add one under http: (url, method, status, json)", req.Method, url)
	return &http.Response{StatusCode: 599, Status: "599 No stub", Header: http.Header{"Content-Type": {"text/plain"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}, nil
}
