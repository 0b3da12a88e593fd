package tools_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// The two parameter objects of seed 004 ("2. Appeler une source HTTP"),
// exactly as printed.
const (
	seedHTTPBlock = `{
"action_type": "http_request",
"http_method": "POST",
"url": "https://exemple.com/relance",
"content_type": "json",
"headers_json": "{\"Authorization\": \"Bearer VOTRE_TOKEN\"}",
"body_json": "{\"event\": \"relance_envoyee\"}",
"body_text": "",
"timeout_seconds": "10"
}`
	seedHTTPMinimal = `{
"action_type": "http_request",
"http_method": "POST",
"url": "https://hooks.exemple.com/relance",
"content_type": "json",
"headers_json": "",
"body_json": "{\"event\": \"relance_envoyee\"}",
"body_text": "",
"timeout_seconds": "10"
}`
)

// received is one request a test server got.
type received struct {
	Method, Path string
	Query        map[string][]string
	Header       http.Header
	Body         string
}

// server is a test HTTP server (on 127.0.0.1) that records its requests
// and answers with handle (200 {"status":"ok"} when nil).
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newServer(t *testing.T, handle http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, received{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
			Header: r.Header.Clone(), Body: string(b)})
		s.mu.Unlock()
		if handle == nil {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status": "ok"}`)
			return
		}
		handle(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.reqs...)
}

// allowHTTP sets the workspace's http_allowlist.
func (fx *fixture) allowHTTP(entries ...string) {
	fx.t.Helper()
	ws, err := fx.s.GetWorkspace(ctx, fx.ws.ID)
	if err != nil {
		fx.t.Fatal(err)
	}
	ws.Settings.HTTPAllowlist = entries
	if err := fx.s.UpdateWorkspace(ctx, ws); err != nil {
		fx.t.Fatal(err)
	}
	fx.ws = ws
}

// httpArgs writes http_request arguments as JSON.
func httpArgs(t testing.TB, args map[string]any) string {
	t.Helper()
	b, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantMessage(t testing.TB, r tools.Result, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.Message, p) {
			t.Errorf("message %q does not contain %q", r.Message, p)
		}
	}
}

func TestHTTPRequestPost(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Request-Id", "req-1")
			io.WriteString(w, `{"status": "received", "id": 12345678901234567, "items": [1, 2]}`)
		})
		fx.allowHTTP("127.0.0.1")
		r := fx.call("http_request", httpArgs(t, map[string]any{
			"http_method":     "POST",
			"url":             srv.URL + "/relance?email={{contact.email}}",
			"headers_json":    `{"Authorization": "Bearer tok-1", "X-Contact": "{{contact.name}}"}`,
			"body_json":       `{"event": "relance_envoyee", "email": "{{contact.email}}", "conv": "{{conversation.id}}"}`,
			"timeout_seconds": 5,
		}))
		wantOK(t, r)
		wantMessage(t, r, "POST", srv.URL+"/relance", "200 OK")
		if strings.Contains(r.Message, "camille") {
			t.Errorf("the message shows the query string: %q", r.Message)
		}

		reqs := srv.requests()
		if len(reqs) != 1 {
			t.Fatalf("server got %d requests, want 1", len(reqs))
		}
		got := reqs[0]
		if got.Method != "POST" || got.Path != "/relance" {
			t.Errorf("server got %s %s, want POST /relance", got.Method, got.Path)
		}
		if e := got.Query["email"]; len(e) != 1 || e[0] != "camille@example.fr" {
			t.Errorf("query email = %v, want camille@example.fr", e)
		}
		if h := got.Header.Get("Authorization"); h != "Bearer tok-1" {
			t.Errorf("Authorization = %q", h)
		}
		if h := got.Header.Get("X-Contact"); h != "Camille Petit" {
			t.Errorf("X-Contact = %q, want the rendered contact name", h)
		}
		if h := got.Header.Get("Content-Type"); h != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", h)
		}
		var body map[string]string
		if err := json.Unmarshal([]byte(got.Body), &body); err != nil {
			t.Fatalf("server body %q: %v", got.Body, err)
		}
		if body["event"] != "relance_envoyee" || body["email"] != "camille@example.fr" || body["conv"] != fx.conv.ID {
			t.Errorf("server body = %v", body)
		}

		if r.Data["status"] != 200 || r.Data["truncated"] != false {
			t.Errorf("data status/truncated = %v/%v", r.Data["status"], r.Data["truncated"])
		}
		if h, _ := r.Data["headers"].(map[string]string); h["X-Request-Id"] != "req-1" {
			t.Errorf("data headers = %v", r.Data["headers"])
		}
		rb, ok := r.Data["body"].(map[string]any)
		if !ok {
			t.Fatalf("data body = %#v, want a parsed JSON object", r.Data["body"])
		}
		if rb["status"] != "received" || rb["id"] != json.Number("12345678901234567") {
			t.Errorf("data body = %v (large ids must stay exact)", rb)
		}
		// A flow addresses the body: {{http.body.status}}, {{http.body.items.1}}.
		vars := map[string]any{"http": r.Data}
		if s, err := tools.Render("{{http.body.status}} {{http.body.items.1}} {{http.body.id}}", vars, tools.EscapeNone); err != nil ||
			s != "received 2 12345678901234567" {
			t.Errorf("render from the result = %q, %v", s, err)
		}
	})
}

func TestHTTPRequestMethodsAndText(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "plain answer")
		})
		fx.allowHTTP("127.0.0.1")
		r := fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL + "/items"}))
		wantOK(t, r)
		if r.Data["body"] != "plain answer" {
			t.Errorf("data body = %#v, want the text", r.Data["body"])
		}
		wantOK(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "PUT", "url": srv.URL + "/items/1",
			"content_type": "text", "body_text": "Bonjour {{contact.name}}"})))
		wantOK(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "DELETE", "url": srv.URL + "/items/1"})))
		reqs := srv.requests()
		if len(reqs) != 3 || reqs[0].Method != "GET" || reqs[0].Body != "" || reqs[1].Method != "PUT" ||
			reqs[1].Body != "Bonjour Camille Petit" || reqs[2].Method != "DELETE" {
			t.Fatalf("server got %+v", reqs)
		}
		if ct := reqs[1].Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("text Content-Type = %q", ct)
		}

		// An unknown variable names itself and is not sent.
		r = fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL + "/?x={{contact.nope}}"}))
		wantFail(t, r, tools.CodeInvalidArguments)
		wantMessage(t, r, "url", "unknown variable {{contact.nope}}")
		r = fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL,
			"body_json": `{"email": "{{contact.mail}}"}`}))
		wantFail(t, r, tools.CodeInvalidArguments)
		wantMessage(t, r, "body_json", "{{contact.mail}}", "contact.email")

		// A status other than 2xx is a failure with the answer.
		nf := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"error": "no such contact"}`)
		})
		r = fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": nf.URL + "/contacts/9"}))
		wantFail(t, r, tools.CodeRequestFailed)
		wantMessage(t, r, "404 Not Found")
		if b, _ := r.Data["body"].(map[string]any); r.Data["status"] != 404 || b["error"] != "no such contact" {
			t.Errorf("data = %v", r.Data)
		}
		if len(srv.requests()) != 3 {
			t.Errorf("failed calls reached the server")
		}
	})
}

func TestHTTPSeedParameters(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		// As printed, both objects satisfy the action's schema (checked
		// without the network: exemple.com must not be contacted).
		c := jsonschema.NewCompiler()
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(fx.cat.Action("http_request").Schema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("mem://http_request.json", doc); err != nil {
			t.Fatal(err)
		}
		schema, err := c.Compile("mem://http_request.json")
		if err != nil {
			t.Fatal(err)
		}
		srv := newServer(t, nil)
		fx.allowHTTP("127.0.0.1")
		for _, seed := range []struct{ name, params string }{{"block", seedHTTPBlock}, {"minimal", seedHTTPMinimal}} {
			name, params := seed.name, seed.params
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(params))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := schema.Validate(inst); err != nil {
				t.Errorf("seed %s parameters rejected by the schema: %v", name, err)
			}

			// And executed with only the host changed, they do what they say.
			var m map[string]any
			if err := json.Unmarshal([]byte(params), &m); err != nil {
				t.Fatal(err)
			}
			m["url"] = strings.Replace(m["url"].(string), "https://", "http://", 1)
			m["url"] = strings.Replace(m["url"].(string), "exemple.com", strings.TrimPrefix(srv.URL, "http://"), 1)
			m["url"] = strings.Replace(m["url"].(string), "hooks.", "", 1)
			wantOK(t, fx.call("http_request", httpArgs(t, m)))
		}
		reqs := srv.requests()
		if len(reqs) != 2 {
			t.Fatalf("server got %d requests, want 2", len(reqs))
		}
		for i, want := range []string{"Bearer VOTRE_TOKEN", ""} {
			got := reqs[i]
			if got.Method != "POST" || got.Path != "/relance" || got.Header.Get("Authorization") != want ||
				got.Body != `{"event": "relance_envoyee"}` || got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("request %d = %+v", i, got)
			}
		}
		// The printed shape also passes Execute's own validation: with an
		// unknown variable in a header value, the call fails on that
		// variable (after validation, before any network access), not on
		// the schema.
		var m map[string]any
		_ = json.Unmarshal([]byte(seedHTTPBlock), &m)
		m["headers_json"] = `{"Authorization": "Bearer {{secrets.crm}}"}`
		r := fx.call("http_request", httpArgs(t, m))
		wantFail(t, r, tools.CodeInvalidArguments)
		wantMessage(t, r, "unknown variable {{secrets.crm}}")
		if strings.Contains(r.Message, "invalid arguments for") {
			t.Errorf("the schema rejected the seed's shape: %s", r.Message)
		}
	})
}

func TestHTTPBlocked(t *testing.T) {
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, nil)
		call := func(url string, timeout string) tools.Result {
			return fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": url,
				"timeout_seconds": timeout}))
		}

		// Loopback and the metadata address are refused by default.
		r := call(srv.URL+"/", "5")
		wantFail(t, r, tools.CodeBlocked)
		wantMessage(t, r, "127.0.0.1", "http_allowlist")
		r = call("http://169.254.169.254/latest/meta-data/", "1")
		wantFail(t, r, tools.CodeBlocked)
		wantMessage(t, r, "169.254.169.254", "http_allowlist")
		r = call("http://[::1]:1/", "1")
		wantFail(t, r, tools.CodeBlocked)
		r = call("http://[::ffff:127.0.0.1]:1/", "1")
		wantFail(t, r, tools.CodeBlocked)
		if n := len(srv.requests()); n != 0 {
			t.Fatalf("a blocked call reached the server (%d requests)", n)
		}

		// Allowed by address, by range, by address and port.
		port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
		for _, allow := range []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.1:" + port} {
			fx.allowHTTP(allow)
			wantOK(t, call(srv.URL+"/", "5"))
		}
		if n := len(srv.requests()); n != 3 {
			t.Fatalf("server got %d requests, want 3", n)
		}
		// An entry with a port allows that port only (not 22, not another
		// service of the host).
		other := newServer(t, nil)
		fx.allowHTTP("127.0.0.1:" + port)
		wantFail(t, call(other.URL+"/", "5"), tools.CodeBlocked)
		// An allowed name that resolves to loopback (or link-local, the
		// metadata address) is refused unless the address itself is listed.
		local := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		fx.allowHTTP("localhost")
		r = call(local+"/", "5")
		wantFail(t, r, tools.CodeBlocked)
		wantMessage(t, r, "is allow-listed by name, but it resolves to", "list that address itself")
		fx.allowHTTP("localhost", "127.0.0.1")
		wantOK(t, call(local+"/", "5"))
		if n := len(srv.requests()) + len(other.requests()); n != 4 {
			t.Fatalf("servers got %d requests, want 4", n)
		}

		// Allow-listed, 169.254.169.254 is no longer blocked; port 1 has no
		// HTTP service, so the call fails otherwise (refused, unreachable
		// or timed out after 1 second) without fetching anything.
		fx.allowHTTP("169.254.169.254")
		start := time.Now()
		r = call("http://169.254.169.254:1/", "1")
		if r.OK || r.Error == nil || r.Error.Code == tools.CodeBlocked {
			t.Errorf("allow-listed 169.254.169.254: got %s, want a failure other than blocked", r.JSON())
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		// Others stay blocked.
		wantFail(t, call(srv.URL+"/", "5"), tools.CodeBlocked)
	})
}

func TestHTTPRedirects(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		var base string
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/private":
				http.Redirect(w, r, "http://10.1.2.3/", http.StatusFound)
			case "/home":
				http.Redirect(w, r, "http://192.168.0.1:8080/admin", http.StatusTemporaryRedirect)
			case "/loop":
				http.Redirect(w, r, base+"/loop", http.StatusFound)
			case "/hop":
				http.Redirect(w, r, base+"/final", http.StatusMovedPermanently)
			default:
				io.WriteString(w, "final")
			}
		})
		base = srv.URL
		fx.allowHTTP("127.0.0.1")
		call := func(path string) tools.Result {
			return fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL + path,
				"timeout_seconds": "5"}))
		}
		r := call("/private")
		wantFail(t, r, tools.CodeBlocked)
		wantMessage(t, r, "10.1.2.3", "http_allowlist")
		r = call("/home")
		wantFail(t, r, tools.CodeBlocked)
		wantMessage(t, r, "192.168.0.1")

		r = call("/hop")
		wantOK(t, r)
		if r.Data["body"] != "final" {
			t.Errorf("after a redirect, body = %v", r.Data["body"])
		}
		before := len(srv.requests())
		r = call("/loop")
		wantFail(t, r, tools.CodeRequestFailed)
		wantMessage(t, r, "5 ")
		if n := len(srv.requests()) - before; n != 6 {
			t.Errorf("the redirect loop made %d requests, want 6 (the call and 5 redirects)", n)
		}
	})
}

func TestHTTPProductionRequiresHTTPS(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{Production: true}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, nil)
		fx.allowHTTP("127.0.0.1")
		r := fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL + "/x"}))
		wantFail(t, r, tools.CodeHTTPSRequired)
		wantMessage(t, r, "https://127.0.0.1")
		if n := len(srv.requests()); n != 0 {
			t.Fatalf("server got %d requests", n)
		}
	})
}

func TestHTTPInvalidArguments(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, nil)
		fx.allowHTTP("127.0.0.1")
		for _, tc := range []struct {
			name  string
			args  map[string]any
			parts []string
		}{
			{"timeout over 60", map[string]any{"timeout_seconds": "90"}, []string{"90", "maximum is 60"}},
			{"timeout number over 60", map[string]any{"timeout_seconds": 90}, []string{"timeout_seconds", "60"}},
			{"timeout not a number", map[string]any{"timeout_seconds": "abc"}, []string{"timeout_seconds", `"10"`}},
			{"timeout zero", map[string]any{"timeout_seconds": "0"}, []string{"at least 1"}},
			{"headers not JSON", map[string]any{"headers_json": `{"Authorization": Bearer abc}`},
				[]string{"headers_json", `{"Authorization": "Bearer …"`}},
			{"headers not an object", map[string]any{"headers_json": `["Authorization"]`},
				[]string{"headers_json", "not an object"}},
			{"header value not text", map[string]any{"headers_json": `{"X-Count": 3}`},
				[]string{"X-Count", "text"}},
			{"header name invalid", map[string]any{"headers_json": `{"Bad Name": "x"}`},
				[]string{"Bad Name", "header name"}},
			{"body not JSON", map[string]any{"body_json": `{"event": relance}`},
				[]string{"body_json", `{"event": "relance_envoyee"`}},
			{"json body in body_text", map[string]any{"body_text": "hello"}, []string{"body_text", `"text"`}},
			{"method", map[string]any{"http_method": "PATCH"}, []string{"http_method"}},
			{"action_type", map[string]any{"action_type": "crm_upsert"}, []string{"action_type"}},
			{"unknown parameter", map[string]any{"verbose": "1"}, []string{"verbose"}},
			{"content_type", map[string]any{"content_type": "xml"}, []string{"content_type"}},
			{"not a URL", map[string]any{"url": "exemple.com/relance"}, []string{"url", "https://"}},
			{"ftp", map[string]any{"url": "ftp://exemple.com/"}, []string{"url"}},
		} {
			args := map[string]any{"http_method": "POST", "url": srv.URL}
			for k, v := range tc.args {
				args[k] = v
			}
			r := fx.call("http_request", httpArgs(t, args))
			if r.OK || r.Error == nil || r.Error.Code != tools.CodeInvalidArguments {
				t.Errorf("%s: got %s, want invalid_arguments", tc.name, r.JSON())
				continue
			}
			for _, p := range tc.parts {
				if !strings.Contains(r.Message, p) {
					t.Errorf("%s: message %q does not contain %q", tc.name, r.Message, p)
				}
			}
		}
		wantFail(t, fx.call("http_request", `{"url": "https://exemple.com"}`), tools.CodeInvalidArguments)
		if n := len(srv.requests()); n != 0 {
			t.Fatalf("invalid calls reached the server (%d requests)", n)
		}
	})
}

func TestHTTPTimeout(t *testing.T) {
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		fx.allowHTTP("127.0.0.1")
		start := time.Now()
		r := fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL,
			"timeout_seconds": "1"}))
		wantFail(t, r, tools.CodeTimeout)
		wantMessage(t, r, "within 1s", "timeout_seconds")
		if d := time.Since(start); d < time.Second || d > 4*time.Second {
			t.Errorf("the call took %v with timeout_seconds \"1\"", d)
		}
	})
}

func TestHTTPLargeBodies(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/huge":
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, strings.Repeat("a", 1<<20+100))
			case "/json":
				w.Header().Set("Content-Type", "application/json")
				items := make([]string, 1000)
				for i := range items {
					items[i] = "élément"
				}
				json.NewEncoder(w).Encode(map[string]any{"items": items})
			}
		})
		fx.allowHTTP("127.0.0.1")
		r := fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL + "/huge"}))
		wantOK(t, r)
		body, _ := r.Data["body"].(string)
		if r.Data["truncated"] != true || len(body) > 4<<10+100 || !strings.Contains(body, "[cut") {
			t.Errorf("truncated = %v, body of %d bytes ending %q", r.Data["truncated"], len(body), body[max(0, len(body)-80):])
		}

		r = fx.call("http_request", httpArgs(t, map[string]any{"http_method": "GET", "url": srv.URL + "/json"}))
		wantOK(t, r)
		body, _ = r.Data["body"].(string)
		if r.Data["truncated"] != false || len(body) > 4<<10+100 || !strings.HasPrefix(body, `{"items":["élément"`) ||
			!strings.Contains(body, "[cut") {
			t.Errorf("large JSON: truncated = %v, body %d bytes: %.100q", r.Data["truncated"], len(body), body)
		}
		if !json.Valid([]byte(r.JSON())) || !strings.Contains(r.JSON(), "élément") {
			t.Errorf("the result is not valid JSON text")
		}
	})
}

func TestHTTPAuditRedactsHeaders(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		const token = "tok-s3cr3t-4242"
		srv := newServer(t, nil)
		headers := `{"Authorization": "Bearer ` + token + `", "X-Api-Key": "` + token + `"}`
		fx.allowHTTP("127.0.0.1")
		wantOK(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL,
			"headers_json": headers, "body_json": `{"a": 1}`})))
		// Failed and rejected calls are audited too.
		wantFail(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST",
			"url": "http://10.0.0.1/", "headers_json": headers})), tools.CodeBlocked)
		wantFail(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL,
			"headers_json": headers, "extra": true})), tools.CodeInvalidArguments)
		wantFail(t, fx.call("http_request", httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL,
			"headers_json": `{"Authorization": "Bearer ` + token + `"`})), tools.CodeInvalidArguments)
		wantFail(t, fx.call("http_request", `{"http_method": "POST", "url": "http://user:`+token+`@10.0.0.1/",
			"headers_json": {"Authorization": "`+token+`"}}`), tools.CodeInvalidArguments)

		var audits []tools.AuditEvent
		for _, e := range fx.events("action.executed") {
			var a tools.AuditEvent
			if err := json.Unmarshal(e.Payload, &a); err != nil || a.Action != "http_request" {
				continue
			}
			audits = append(audits, a)
			if strings.Contains(string(e.Payload), token) {
				t.Errorf("the audit event shows the token: %s", e.Payload)
			}
			if !strings.Contains(string(a.Args), "[redacted]") {
				t.Errorf("the audit event is not redacted: %s", a.Args)
			}
		}
		if len(audits) != 5 {
			t.Fatalf("%d http_request audit events, want 5", len(audits))
		}
		// Header names are kept (but for the malformed headers_json, which
		// is redacted whole).
		for _, i := range []int{0, 1, 2, 4} {
			var args map[string]any
			if err := json.Unmarshal(audits[i].Args, &args); err != nil {
				t.Fatalf("audit args %s: %v", audits[i].Args, err)
			}
			h := args["headers_json"]
			if s, ok := h.(string); ok {
				if err := json.Unmarshal([]byte(s), &h); err != nil {
					t.Fatalf("redacted headers_json %q: %v", s, err)
				}
			}
			hm, _ := h.(map[string]any)
			if hm["Authorization"] != "[redacted]" || (i != 4 && hm["X-Api-Key"] != "[redacted]") {
				t.Errorf("audit %d headers_json = %v, want the names with redacted values", i, h)
			}
		}
		if got := srv.requests(); len(got) != 1 || got[0].Header.Get("X-Api-Key") != token {
			t.Errorf("server got %+v", got)
		}
	})
}

func TestHTTPIdempotent(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, nil)
		fx.allowHTTP("127.0.0.1")
		args := httpArgs(t, map[string]any{"http_method": "POST", "url": srv.URL + "/relance",
			"body_json": `{"event": "relance_envoyee"}`})
		first := fx.callOn(fx.conv, "http_request", args, "key-1")
		wantOK(t, first)
		second := fx.callOn(fx.conv, "http_request", args, "key-1")
		wantOK(t, second)
		if first.Replayed || !second.Replayed {
			t.Errorf("replayed = %v then %v, want false then true", first.Replayed, second.Replayed)
		}
		if b, _ := second.Data["body"].(map[string]any); b["status"] != "ok" {
			t.Errorf("replayed data = %v", second.Data)
		}
		if n := len(srv.requests()); n != 1 {
			t.Fatalf("server got %d requests, want exactly 1", n)
		}
	})
}

// crm_upsert's push goes through the same guarded client.
func TestHTTPCRMPushIsGuarded(t *testing.T) {
	t.Parallel()
	eachHTTP(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		srv := newServer(t, nil)
		ws, err := fx.s.GetWorkspace(ctx, fx.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		ws.Settings.CRM = &store.CRMEndpoint{URL: srv.URL + "/contacts", Headers: map[string]string{"Authorization": "Bearer crm"}}
		if err := fx.s.UpdateWorkspace(ctx, ws); err != nil {
			t.Fatal(err)
		}
		r := fx.call("crm_upsert", `{}`)
		wantFail(t, r, tools.CodeBlocked)
		if len(srv.requests()) != 0 {
			t.Fatal("the CRM push reached a loopback server without an allowlist")
		}

		fx.allowHTTP("127.0.0.1")
		wantOK(t, fx.call("crm_upsert", `{}`))
		reqs := srv.requests()
		if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/contacts" ||
			reqs[0].Header.Get("Authorization") != "Bearer crm" || reqs[0].Header.Get("Content-Type") != "application/json" ||
			!strings.Contains(reqs[0].Body, "camille@example.fr") {
			t.Errorf("CRM got %+v", reqs)
		}
	})
}

// eachHTTP is each with the workspace's AI agents allowed free-form
// http_request (these tests are about the request machinery, which the
// fixture's AI agent drives).
func eachHTTP(t *testing.T, opts tools.Options, fn func(t *testing.T, fx *fixture)) {
	each(t, opts, func(t *testing.T, fx *fixture) {
		ws, err := fx.s.GetWorkspace(ctx, fx.ws.ID)
		if err != nil {
			t.Fatal(err)
		}
		ws.Settings.AIAgentsFreeHTTP = true
		if err := fx.s.UpdateWorkspace(ctx, ws); err != nil {
			t.Fatal(err)
		}
		fx.ws = ws
		fn(t, fx)
	})
}
