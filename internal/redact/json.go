package redact

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
)

// JSON redacts a JSON document: the values under secret names and every
// header value are masked, at any depth; strings are redacted as text
// (String) and as URLs; a string holding JSON (seed 004's headers_json
// and body_json) is redacted as JSON and written back as a string. A
// document that is not JSON is redacted as text and returned as a JSON
// string.
func JSON(doc []byte) []byte {
	if !maySecretJSON.Match(doc) && json.Valid(doc) {
		return doc // nothing in it any rule would mask: no decoding
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // keep numbers (ids) exact
	var v any
	if err := dec.Decode(&v); err != nil {
		b, _ := json.Marshal(String(string(doc)))
		return b
	}
	b, err := marshal(Value(v))
	if err != nil {
		return doc
	}
	return b
}

// maySecretJSON matches what a JSON document needs somewhere for any rule
// to mask something in it: a secret name (of a key, a query parameter or
// a name=value pair), a header list, an Authorization scheme, a key shape
// or a URL. It is a superset ("assign" has "sig"): a match only means the
// document is walked.
var maySecretJSON = regexp.MustCompile(`(?i)api.?key|token|secret|passw|pwd|passphrase|auth|cookie|session|sig|` +
	`private.?key|credential|identity|identifier|header|bearer|basic|digest|negotiate|sk[-_]|gh[pousr]_|xox[baprs]-|akia|://`)

// marshal writes JSON without escaping <, > and & (URLs stay readable).
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Value redacts a decoded JSON value (maps, lists, strings, numbers), as
// JSON does, in place for maps and lists.
func Value(v any) any {
	return value(v, false)
}

func value(v any, allSecret bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch {
			case allSecret || IsSecretName(k):
				x[k] = mask(e)
			case IsHeadersName(k):
				x[k] = value(e, true)
			default:
				x[k] = value(e, false)
			}
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = value(e, allSecret)
		}
		return x
	case string:
		if allSecret {
			// Headers written as JSON text keep their names.
			if inner, ok := decodeText(x); ok {
				if b, err := marshal(value(inner, true)); err == nil {
					return string(b)
				}
			}
			return mask(x)
		}
		return stringValue(x)
	}
	if allSecret && v != nil {
		return Mask
	}
	return v
}

// mask masks a secret value, keeping its shape when it is a JSON text of
// headers (so that the names stay readable).
func mask(v any) any {
	if v == nil {
		return nil
	}
	if s, ok := v.(string); ok && s == "" {
		return ""
	}
	return Mask
}

// stringValue redacts a string that may hold JSON, a URL or free text.
func stringValue(s string) string {
	t := strings.TrimSpace(s)
	if inner, ok := decodeText(t); ok {
		if b, err := marshal(Value(inner)); err == nil {
			return string(b)
		}
	}
	if strings.Contains(s, "://") && !strings.ContainsAny(t, " \n") {
		return URL(s)
	}
	return String(s)
}

// decodeText decodes a string that holds a JSON object or list.
func decodeText(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if len(t) < 2 || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(t))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// URL redacts a URL's password and the values of its secret query
// parameters; what does not parse as a URL is redacted as text.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return String(raw)
	}
	changed := false
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), Mask)
		changed = true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name, vs := range q {
			if IsSecretName(name) {
				for i := range vs {
					vs[i] = Mask
				}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return String(raw)
	}
	// Encode escapes the mask's brackets: keep it readable.
	return strings.NewReplacer("%5Bredacted%5D", Mask).Replace(u.String())
}
