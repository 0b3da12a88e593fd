package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/causerie/causerie/conversation"
	"github.com/causerie/causerie/internal/redact"
	"github.com/causerie/causerie/internal/source"
	"github.com/causerie/causerie/store"
)

// Problem is an RFC 9457 problem document: every error of the API is
// one, sent as application/problem+json.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors list what is wrong in the input, each where it is.
	Errors []FieldError `json:"errors,omitempty"`

	// retryAfter, when > 0, is sent as Retry-After (seconds).
	retryAfter int
}

// FieldError is one problem of a request: a field of the JSON body (its
// JSON Pointer-like path, e.g. "contact.email"), a query parameter, a
// header, or a position in an uploaded file.
type FieldError struct {
	// Field is the request field: "body.contact.email", "query.limit",
	// "header.Idempotency-Key", or for a workspace or flow file the path
	// inside it ("agents[0].instructions").
	Field  string   `json:"field,omitempty"`
	File   string   `json:"file,omitempty"`
	Line   int      `json:"line,omitempty"`
	Column int      `json:"column,omitempty"`
	Node   string   `json:"node,omitempty"`
	Detail string   `json:"detail"`
	Valid  []string `json:"valid,omitempty"`
}

func (p *Problem) Error() string { return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail) }

// problemTypes name the kinds of problem clients branch on.
const problemBase = "https://causerie.dev/problems/"

func problem(status int, kind, detail string, args ...any) *Problem {
	if len(args) > 0 {
		detail = fmt.Sprintf(detail, args...)
	}
	return &Problem{Type: problemBase + kind, Title: http.StatusText(status), Status: status, Detail: detail}
}

func badRequest(detail string, errs ...FieldError) *Problem {
	p := problem(http.StatusBadRequest, "invalid-request", "%s", detail)
	p.Errors = errs
	return p
}

func invalid(field, detail string, valid ...string) *Problem {
	return badRequest("the request is invalid: "+field+": "+detail, FieldError{Field: field, Detail: detail, Valid: valid})
}

func notFound(what string) *Problem {
	return problem(http.StatusNotFound, "not-found", "%s was not found", what)
}

// sourceErrors turns a file's positioned problems into field errors.
func sourceErrors(ps source.Problems) []FieldError {
	out := make([]FieldError, len(ps))
	for i, p := range ps {
		out[i] = FieldError{Field: p.Path, File: p.File, Line: p.Line, Column: p.Column, Node: p.Node, Detail: p.Message, Valid: p.Valid}
	}
	return out
}

// errorHandler answers every error as a problem document; errors it does
// not know are 500s whose detail is logged, not sent.
func (s *Server) errorHandler(c *echo.Context, err error) {
	if r, _ := echo.UnwrapResponse(c.Response()); r != nil && r.Committed {
		return
	}
	p := s.asProblem(c, err)
	p.Instance = c.Request().URL.Path
	h := c.Response().Header()
	if p.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.retryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="causerie"`)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(p)
	_ = c.Blob(p.Status, "application/problem+json", buf.Bytes())
}

func (s *Server) asProblem(c *echo.Context, err error) *Problem {
	var p *Problem
	var ps source.Problems
	var tooLong *conversation.TooLongError
	var badAudio *conversation.AudioFormatError
	var maxBytes *http.MaxBytesError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		cp := *p
		return &cp
	case errors.As(err, &ps):
		return badRequest(fmt.Sprintf("the document has %d problem(s)", len(ps)), sourceErrors(ps)...)
	case errors.As(err, &tooLong):
		return invalid("body.text", tooLong.Error())
	case errors.As(err, &badAudio):
		return invalid("body.audio", badAudio.Error(), conversation.AudioFormats...)
	case errors.As(err, &maxBytes):
		return problem(http.StatusRequestEntityTooLarge, "too-large", "the request body is larger than %d bytes; send less", maxBytes.Limit)
	case errors.Is(err, store.ErrNotFound):
		return problem(http.StatusNotFound, "not-found", "%s", "no such object in this workspace")
	case errors.As(err, &he):
		q := problem(he.Code, "http", "%s", he.Message)
		if he.Code == http.StatusNotFound {
			q.Type, q.Detail = problemBase+"no-route", fmt.Sprintf("there is no route %s %s; see /openapi.json", c.Request().Method, c.Request().URL.Path)
		}
		if he.Code == http.StatusMethodNotAllowed {
			q.Detail = fmt.Sprintf("%s is not allowed on %s; see /openapi.json", c.Request().Method, c.Request().URL.Path)
		}
		return q
	}
	if sc := echo.StatusCode(err); sc != 0 {
		q := problem(sc, "http", "%s", http.StatusText(sc))
		if sc == http.StatusNotFound {
			q.Type, q.Detail = problemBase+"no-route", fmt.Sprintf("there is no route %s %s; see /openapi.json", c.Request().Method, c.Request().URL.Path)
		}
		if sc == http.StatusMethodNotAllowed {
			q.Detail = fmt.Sprintf("%s is not allowed on %s; see /openapi.json", c.Request().Method, c.Request().URL.Path)
		}
		return q
	}
	s.log(c).Error("request failed", "error", redact.String(err.Error()))
	return problem(http.StatusInternalServerError, "internal", "the server failed to handle the request; its log has the cause (request id %s)", c.Response().Header().Get(echo.HeaderXRequestID))
}

// decodeJSON reads a JSON body into v strictly: one JSON object, no
// unknown fields, the right types, within the size cap. Each problem
// names the body field it is about.
func decodeJSON(c *echo.Context, v any) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return problem(http.StatusUnsupportedMediaType, "unsupported-media-type", "the body is %s; send application/json", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("the body holds more than one JSON value; send one object",
			FieldError{Field: "body", Detail: "unexpected data after the JSON object"})
	}
	return nil
}

// jsonProblem explains a decoding error: where, and what was expected.
func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return err
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty; send a JSON object", FieldError{Field: "body", Detail: "empty body"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("the body is not valid JSON: it ends too early", FieldError{Field: "body", Detail: "unexpected end of JSON"})
	case errors.As(err, &syn):
		return badRequest(fmt.Sprintf("the body is not valid JSON at byte %d: %v", syn.Offset, syn),
			FieldError{Field: "body", Detail: fmt.Sprintf("%v (at byte %d)", syn, syn.Offset)})
	case errors.As(err, &typ):
		field := "body"
		if typ.Field != "" {
			field += "." + typ.Field
		}
		return badRequest(fmt.Sprintf("%s: expected %s, got a JSON %s", field, typeName(typ.Type.Kind().String()), typ.Value),
			FieldError{Field: field, Detail: fmt.Sprintf("expected %s, got a JSON %s", typeName(typ.Type.Kind().String()), typ.Value)})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badRequest(fmt.Sprintf("the body has an unknown field %q", name),
			FieldError{Field: "body." + name, Detail: "unknown field; see the request schema in /openapi.json"})
	}
	return badRequest("the body is not valid JSON: "+err.Error(), FieldError{Field: "body", Detail: err.Error()})
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	case "int", "int64", "int32", "float64", "uint":
		return "a number"
	}
	return "a " + kind
}
