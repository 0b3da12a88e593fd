package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/invopop/jsonschema"

	"github.com/causerie/causerie/store"
)

// Limits of http_request (seed 004, "Appeler une source HTTP").
const (
	httpDefaultSeconds = 10
	httpMinSeconds     = 1
	httpMaxSeconds     = 60
	httpDefaultTimeout = httpDefaultSeconds * time.Second
	httpMaxTimeout     = httpMaxSeconds * time.Second
	httpMaxRedirects   = 5
	// httpMaxBody is how much of a response is read; the rest is dropped
	// and the result says truncated.
	httpMaxBody = 1 << 20
	// httpModelBody is how much of the body the result shows the model.
	httpModelBody = 4 << 10
)

// redacted replaces secrets in audit events and results.
const redacted = "[redacted]"

func (c *Catalogue) production() bool { return c.opts.Production }

func httpRequest() *Action {
	return &Action{
		Name: HTTPRequest,
		Description: "Call an external HTTP service (CRM, ERP, spreadsheet, internal tool) with GET, POST, PUT or DELETE, " +
			"and get back its status, response headers and body. Use it only when your instructions name the service " +
			"and what to send. Variables such as {{contact.email}}, {{contact.name}}, {{contact.phone}} or " +
			"{{conversation.id}} are replaced in url, header values, body_json and body_text. headers_json and " +
			"body_json are JSON written as text (a string), e.g. headers_json \"{\\\"Authorization\\\": \\\"Bearer …\\\"}\". " +
			"The call fails with code blocked for private or local addresses the workspace does not allow, " +
			"https_required for http:// URLs in production, timeout when the service is too slow, and request_failed " +
			"when it answers with a status other than 2xx (its answer is in data.body).",
		Args:    httpArgs{},
		Outside: runHTTPRequest,
	}
}

type httpArgs struct {
	Method      string  `json:"http_method" jsonschema:"required,enum=GET,enum=POST,enum=PUT,enum=DELETE" jsonschema_description:"HTTP method."`
	URL         string  `json:"url" jsonschema:"required,minLength=1" param:"url,self" jsonschema_description:"Full URL, e.g. \"https://exemple.com/relance\". Must be https in production. Variables are inserted URL-encoded, e.g. \"https://exemple.com/contacts?email={{contact.email}}\"."`
	ContentType string  `json:"content_type" jsonschema:"enum=json,enum=text,default=json" jsonschema_description:"json sends body_json (Content-Type: application/json); text sends body_text (Content-Type: text/plain). json by default."`
	HeadersJSON string  `json:"headers_json" param:"json,self" jsonschema_description:"HTTP headers as a JSON object written as text, e.g. \"{\\\"Authorization\\\": \\\"Bearer VOTRE_TOKEN\\\"}\"; \"\" for none. Put authentication tokens here."`
	BodyJSON    string  `json:"body_json" param:"json,self" jsonschema_description:"Request body as JSON written as text, e.g. \"{\\\"event\\\": \\\"relance_envoyee\\\", \\\"email\\\": \\\"{{contact.email}}\\\"}\"; \"\" for none. Sent when content_type is json."`
	BodyText    string  `json:"body_text" param:"self" jsonschema_description:"Request body as plain text; \"\" for none. Sent when content_type is text."`
	Timeout     seconds `json:"timeout_seconds"`
}

// seconds is timeout_seconds: seed 004 writes it as text ("10"); a JSON
// number is accepted too.
type seconds struct{ raw json.RawMessage }

func (s *seconds) UnmarshalJSON(b []byte) error {
	s.raw = append(json.RawMessage(nil), b...)
	return nil
}

// JSONSchema: a number or a number in text, within the limits.
func (seconds) JSONSchema() *jsonschema.Schema {
	return &jsonschema.Schema{
		AnyOf:   []*jsonschema.Schema{{Type: "string"}, {Type: "number"}},
		Minimum: json.Number(strconv.Itoa(httpMinSeconds)), Maximum: json.Number(strconv.Itoa(httpMaxSeconds)),
		Default: strconv.Itoa(httpDefaultSeconds),
		Description: fmt.Sprintf("How many seconds to wait for the answer, as a number in text, e.g. \"%d\". %d by default, at least %d, at most %d.",
			httpDefaultSeconds, httpDefaultSeconds, httpMinSeconds, httpMaxSeconds),
	}
}

func runHTTPRequest(ctx context.Context, x *Exec) Result {
	var args httpArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "http_request: %v", err)
	}
	timeout, fail := parseTimeout(args.Timeout.raw)
	if fail != nil {
		return *fail
	}
	if strings.HasPrefix(x.Call.Actor, "ai_agent:") && x.Call.named == "" && !x.Workspace.Settings.AIAgentsFreeHTTP {
		names := make([]string, len(x.Workspace.Settings.HTTPActions))
		for i, a := range x.Workspace.Settings.HTTPActions {
			names[i] = a.Name
		}
		return Fail(CodeNotAllowed, "an AI agent may not call a URL of its own choosing: it may call only the workspace's "+
			"named HTTP actions (settings.http_actions), unless settings.ai_agents_free_http is true; nothing was sent", names...)
	}
	vars := x.Vars(ctx)
	rawURL, err := Render(strings.TrimSpace(args.URL), vars, EscapeQuery)
	if err != nil {
		return Fail(CodeInvalidArguments, "url: "+err.Error())
	}
	header, fail := parseHeaders(args.HeadersJSON, vars)
	if fail != nil {
		return *fail
	}
	body, contentType, fail := requestBody(args, vars)
	if fail != nil {
		return *fail
	}
	if body != nil && header.Get("Content-Type") == "" {
		header.Set("Content-Type", contentType)
	}
	reply, fail := x.Catalogue.send(ctx, x.Workspace, httpCall{Method: args.Method, URL: rawURL, Header: header,
		Body: body, Timeout: timeout})
	if fail != nil {
		return *fail
	}
	return reply.result()
}

// parseTimeout reads timeout_seconds: a number in text ("10") or a JSON
// number; absent or "" is the default.
func parseTimeout(raw json.RawMessage) (time.Duration, *Result) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return httpDefaultTimeout, nil
	}
	text := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, failResult(CodeInvalidArguments, "timeout_seconds: %v", err)
		}
		text = strings.TrimSpace(text)
		if text == "" {
			return httpDefaultTimeout, nil
		}
	}
	secs, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
		return 0, failResult(CodeInvalidArguments,
			"timeout_seconds must be a number of seconds written as text, like \"%d\" (between %d and %d); got %s",
			httpDefaultSeconds, httpMinSeconds, httpMaxSeconds, raw)
	}
	max := httpMaxTimeout.Seconds()
	switch {
	case secs > max:
		return 0, failResult(CodeInvalidArguments,
			"timeout_seconds is %s, but the maximum is %g seconds; use \"%g\" or less", text, max, max)
	case secs < httpMinSeconds:
		return 0, failResult(CodeInvalidArguments,
			"timeout_seconds is %s, but it must be at least %d second (and at most %g); the default is \"%d\"",
			text, httpMinSeconds, max, httpDefaultSeconds)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

func failResult(code, format string, args ...any) *Result {
	r := Failf(code, nil, format, args...)
	return &r
}

// headersExample shows a model what headers_json looks like.
const headersExample = `{"Authorization": "Bearer …", "X-Source": "causerie"}`

// parseHeaders reads headers_json (a JSON object of strings, as text) and
// renders the variables of its values.
func parseHeaders(text string, vars map[string]any) (http.Header, *Result) {
	header := http.Header{}
	if strings.TrimSpace(text) == "" {
		return header, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &raw); err != nil {
		return nil, failResult(CodeInvalidArguments,
			"headers_json must be a JSON object of header names to text values, written as a string, e.g. %s; "+
				"it could not be read (%s). Use \"\" for no headers", headersExample, jsonProblem(err))
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var v string
		if err := json.Unmarshal(raw[name], &v); err != nil {
			return nil, failResult(CodeInvalidArguments,
				"headers_json: the value of %q must be text in double quotes, e.g. %s", name, headersExample)
		}
		if !validHeaderName(name) {
			return nil, failResult(CodeInvalidArguments,
				"headers_json: %q is not a valid HTTP header name (letters, digits and -, no spaces or colons), e.g. %s",
				name, headersExample)
		}
		v, err := Render(v, vars, EscapeNone)
		if err != nil {
			return nil, failResult(CodeInvalidArguments, "headers_json: %s: %v", name, err)
		}
		// Never show the value: it may be a token.
		if strings.ContainsAny(v, "\r\n\x00") {
			return nil, failResult(CodeInvalidArguments,
				"headers_json: the value of %q contains a line break, which a header cannot hold", name)
		}
		header.Add(name, v)
	}
	return header, nil
}

// jsonProblem describes a JSON syntax error without repeating the text.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v, at character %d", se, se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		article := "a "
		if strings.ContainsRune("aeiou", rune(te.Value[0])) {
			article = "an "
		}
		return "it is JSON, but " + article + te.Value + ", not an object"
	}
	return err.Error()
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", r):
		default:
			return false
		}
	}
	return true
}

// requestBody picks the body content_type asks for and renders it.
func requestBody(args httpArgs, vars map[string]any) ([]byte, string, *Result) {
	bodyJSON, bodyText := strings.TrimSpace(args.BodyJSON), args.BodyText
	switch args.ContentType {
	case "text":
		if bodyText == "" && bodyJSON != "" {
			return nil, "", failResult(CodeInvalidArguments, `content_type is "text" but the body is in body_json: `+
				`put the text in body_text, or set content_type to "json" to send body_json`)
		}
		if bodyText == "" {
			return nil, "", nil
		}
		s, err := Render(bodyText, vars, EscapeNone)
		if err != nil {
			return nil, "", failResult(CodeInvalidArguments, "body_text: %v", err)
		}
		return []byte(s), "text/plain; charset=utf-8", nil
	default: // json
		if bodyJSON == "" && bodyText != "" {
			return nil, "", failResult(CodeInvalidArguments, `content_type is "json" (the default) but the body is in `+
				`body_text: put JSON in body_json, or set content_type to "text" to send body_text as plain text`)
		}
		if bodyJSON == "" {
			return nil, "", nil
		}
		s, err := Render(bodyJSON, vars, EscapeJSON)
		if err != nil {
			return nil, "", failResult(CodeInvalidArguments, "body_json: %v", err)
		}
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, "", failResult(CodeInvalidArguments,
				`body_json must be JSON written as text, e.g. {"event": "relance_envoyee", "email": "{{contact.email}}"} `+
					`(variables go inside double quotes); it could not be read (%s). Use "" for no body`, jsonProblem(err))
		}
		return []byte(s), "application/json", nil
	}
}

// postJSON posts body as JSON to url through the guarded client (SSRF
// guard, the workspace's allowlist, https in production). res is nil when
// the answer is 2xx; otherwise it says what went wrong, for a model.
func (c *Catalogue) postJSON(ctx context.Context, ws *store.Workspace, url string, headers map[string]string,
	body any, timeout time.Duration) (status int, respBody []byte, res *Result) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, failResult(CodeInvalidArguments, "the request body cannot be written as JSON: %v", err)
	}
	header := http.Header{}
	for name, v := range headers {
		if !validHeaderName(name) || strings.ContainsAny(v, "\r\n\x00") {
			return 0, nil, failResult(CodeInvalidArguments, "the header %q is not a valid HTTP header", name)
		}
		header.Set(name, v)
	}
	if header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json")
	}
	if timeout <= 0 {
		timeout = httpDefaultTimeout
	}
	reply, fail := c.send(ctx, ws, httpCall{Method: http.MethodPost, URL: url, Header: header, Body: b, Timeout: timeout})
	if fail != nil {
		return 0, nil, fail
	}
	if r := reply.result(); !r.OK {
		return reply.Status, reply.Body, &r
	}
	return reply.Status, reply.Body, nil
}

// httpCall is one outgoing request.
type httpCall struct {
	Method  string
	URL     string
	Header  http.Header
	Body    []byte
	Timeout time.Duration
}

// httpReply is the answer to an httpCall.
type httpReply struct {
	Method string
	// Where is the URL for messages: no query string, no password.
	Where     string
	Status    int
	StatusMsg string // "200 OK"
	Header    http.Header
	Body      []byte // at most httpMaxBody bytes
	Truncated bool   // the body was longer than httpMaxBody
}

// errTooManyRedirects stops a redirect chain.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", httpMaxRedirects)

// httpsRequiredError refuses a redirect to http in production.
type httpsRequiredError struct{ where string }

func (e *httpsRequiredError) Error() string {
	return "redirected to " + e.where + ", which is not https"
}

// blockedError refuses to connect to a non-public address.
type blockedError struct {
	host string // the host name dialled, "" until known
	addr string // the IP address it resolved to
	why  error
	// byName: the host name is allow-listed, the address it resolved to
	// (loopback, link-local, metadata) may not be reached by a name.
	byName bool
}

func (e *blockedError) Error() string {
	return fmt.Sprintf("connecting to %s is not allowed: %v", e.addr, e.why)
}

// where shows a URL in messages: scheme, host and path, not the query
// (which may hold a key) nor a password.
func where(u *url.URL) string {
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	return u.Scheme + "://" + u.Host + path
}

// send makes one request through the guarded client: only public
// addresses (or the workspace's allowlist), only https in production, at
// most httpMaxRedirects redirects, each checked the same way, within
// call.Timeout. A failure is returned as a Result.
func (c *Catalogue) send(ctx context.Context, ws *store.Workspace, call httpCall) (*httpReply, *Result) {
	u, err := url.Parse(call.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		want := "https://"
		if !c.production() {
			want = "https:// or http://"
		}
		return nil, failResult(CodeInvalidArguments, "url must be a full URL starting with %s, like "+
			"\"https://exemple.com/relance\"; got %q", want, call.URL)
	}
	if c.production() && u.Scheme != "https" {
		return nil, failResult(CodeHTTPSRequired, "%s uses http, but only https URLs are allowed in production: "+
			"use https://%s", where(u), strings.TrimPrefix(where(u), "http://"))
	}
	var allow []string
	if ws != nil {
		allow = ws.Settings.HTTPAllowlist
	}
	g := newGuard(allow)
	tr := &http.Transport{
		Proxy:                  nil, // never through a proxy: the guard must see the real address
		DialContext:            g.dial,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableKeepAlives:      true,
	}
	defer tr.CloseIdleConnections()
	var rt http.RoundTripper = tr
	if c.opts.HTTPTransport != nil {
		rt = c.opts.HTTPTransport // stubs: nothing leaves the process
	}
	client := &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > httpMaxRedirects {
				return errTooManyRedirects
			}
			if c.production() && req.URL.Scheme != "https" {
				return &httpsRequiredError{where: where(req.URL)}
			}
			return nil
		},
	}

	ctx, cancel := context.WithTimeout(ctx, call.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, call.Method, u.String(), bytes.NewReader(call.Body))
	if err != nil {
		return nil, failResult(CodeInvalidArguments, "%s %s: %v", call.Method, where(u), err)
	}
	if call.Body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header = call.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "Causerie")
	}

	resp, err := client.Do(req)
	if err != nil {
		return nil, c.sendFailure(ctx, call, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, httpMaxBody+1))
	if err != nil {
		return nil, c.sendFailure(ctx, call, u, err)
	}
	reply := &httpReply{Method: call.Method, Where: where(u), Status: resp.StatusCode, StatusMsg: resp.Status,
		Header: resp.Header, Body: body}
	if len(body) > httpMaxBody {
		reply.Body, reply.Truncated = body[:httpMaxBody], true
	}
	return reply, nil
}

// sendFailure turns a failed request into a Result a model can act on.
func (c *Catalogue) sendFailure(ctx context.Context, call httpCall, u *url.URL, err error) *Result {
	what := call.Method + " " + where(u)
	var blocked *blockedError
	var https *httpsRequiredError
	var netErr net.Error
	switch {
	case errors.As(err, &blocked):
		host := blocked.host
		if host == "" {
			host = blocked.addr
		}
		name := host
		if host != blocked.addr {
			name = fmt.Sprintf("%s (%s)", host, blocked.addr)
		}
		if !strings.EqualFold(host, u.Hostname()) {
			name += ", where the service redirected"
		}
		if blocked.byName {
			return failResult(CodeBlocked, "%s: refused to connect to %s: %q is allow-listed by name, but it resolves to "+
				"%s (loopback, link-local or metadata), which an allowed name may not reach; if this service is trusted, "+
				"a workspace administrator must list that address itself in http_allowlist", what, name, host, blocked.addr)
		}
		return failResult(CodeBlocked, "%s: refused to connect to %s: it is not a public internet address "+
			"(loopback, private network, link-local or reserved), and reaching internal services is not allowed. "+
			"If this service is trusted, a workspace administrator can add %q (or a range such as 10.0.0.0/8) to "+
			"the workspace setting http_allowlist", what, name, host)
	case errors.As(err, &https):
		return failResult(CodeHTTPSRequired, "%s: the service %s; only https is allowed in production", what, https.Error())
	case errors.Is(err, errTooManyRedirects):
		return failResult(CodeRequestFailed, "%s: the service redirected more than %d times; call the final URL directly",
			what, httpMaxRedirects)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		(errors.As(err, &netErr) && netErr.Timeout()):
		return failResult(CodeTimeout, "%s: no complete answer within %s (timeout_seconds); the service may "+
			"be slow or down: try again later, or raise timeout_seconds (at most \"%g\")",
			what, call.Timeout, httpMaxTimeout.Seconds())
	}
	// A url.Error repeats the whole URL, query string included: keep its cause.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return failResult(CodeRequestFailed, "%s failed: %v", what, err)
}

// result is the Result of an http_request: OK for a 2xx status, else a
// request_failed failure; Data has the status, the headers and the body,
// shortened for a model.
func (r *httpReply) result() Result {
	headers := make(map[string]string, len(r.Header))
	for name, vs := range r.Header {
		if strings.EqualFold(name, "Set-Cookie") {
			headers[name] = redacted
			continue
		}
		headers[name] = strings.Join(vs, ", ")
	}
	data := map[string]any{
		"status":    r.Status,
		"headers":   headers,
		"body":      modelBody(r.Header.Get("Content-Type"), r.Body, r.Truncated),
		"truncated": r.Truncated,
	}
	msg := fmt.Sprintf("%s %s → %s", r.Method, r.Where, r.StatusMsg)
	if r.Status < 200 || r.Status > 299 {
		res := Fail(CodeRequestFailed, msg+"; the service did not accept the request: its answer is in data.body")
		res.Data = data
		return res
	}
	return Ok(msg, data)
}

// modelBody is the body as the model sees it: a JSON value when the
// answer is small JSON (so flows can address {{http.body.status}}), else
// text of at most httpModelBody bytes, with a marker when shortened.
func modelBody(contentType string, body []byte, truncated bool) any {
	mt, _, _ := mime.ParseMediaType(contentType)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		(contentType == "" && json.Valid(body))
	if isJSON && !truncated && len(body) <= httpModelBody {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber() // keep large ids exact
		var v any
		if d.Decode(&v) == nil && !d.More() {
			return v
		}
	}
	text := strings.ToValidUTF8(string(body), "\uFFFD")
	if len(text) <= httpModelBody && !truncated {
		return text
	}
	cut := httpModelBody
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	total := fmt.Sprintf("%d bytes", len(body))
	if truncated {
		total = fmt.Sprintf("more than %d bytes", httpMaxBody)
	}
	return text[:cut] + fmt.Sprintf("… [cut: the first %d bytes of %s]", cut, total)
}
