// Package redact is Causerie's one redaction of secrets. Audit events,
// evaluation cassettes, log lines, terminal output and error messages all
// pass what they show through it, so that a token typed in a flow's
// headers, an API key in a URL's query or a password in a DSN never
// reaches a screen, a file that gets committed, or the audit log.
//
// What counts as a secret is written once, here: names (of JSON keys,
// query parameters, headers, form fields) that say they hold one, and
// patterns that give one away in free text (an Authorization scheme, an
// sk- key, a URL's password).
package redact

import (
	"regexp"
	"strings"
)

// Mask replaces every secret.
const Mask = "[redacted]"

// secretName matches names whose values are secrets: api_key, apiKey,
// X-Api-Key, access_token, client_secret, password, Authorization,
// Cookie, signature… as a whole name or a part of one (words split on
// "_", "-", "." or a change of case).
var secretName = regexp.MustCompile(`(?i)^(?:.*[_.-])?(?:api[_-]?key|apikey|token|access[_-]?token|refresh[_-]?token|id[_-]?token|auth[_-]?token|secret|client[_-]?secret|password|passwd|pwd|passphrase|authorization|auth|cookie|set[_-]?cookie|session(?:[_-]?id)?|sig|signature|private[_-]?key|credentials?|identity[_-]?secret|identifier[_-]?hash)(?:[_.-].*)?$`)

// camelBoundary splits apiKey into api_Key for secretName.
var camelBoundary = regexp.MustCompile(`([a-z0-9])([A-Z])`)

// IsSecretName reports whether values under name are secrets.
func IsSecretName(name string) bool {
	if name == "" {
		return false
	}
	return secretName.MatchString(camelBoundary.ReplaceAllString(name, "${1}_${2}"))
}

// IsHeadersName reports whether name holds HTTP headers (headers,
// headers_json): every one of their values is redacted, since headers
// carry credentials under any name.
func IsHeadersName(name string) bool {
	n := strings.ToLower(name)
	return n == "headers" || n == "headers_json" || n == "header"
}

// Patterns of secrets in free text.
var (
	// Authorization schemes with their credentials: "Bearer abc",
	// "Basic dXNlcjpwYXNz", "Token abc", "ApiKey abc".
	// Case matters but for bearer: "the token budget" is prose.
	authScheme = regexp.MustCompile(`\b((?i:bearer)|Basic|BASIC|Token|TOKEN|ApiKey|Api-Key|APIKEY|Digest|Negotiate)(\s+)([A-Za-z0-9._~+/=:-]{4,})`)
	// Well-known key shapes: OpenAI, Anthropic, GitHub, Slack, AWS, Stripe.
	keyShape = regexp.MustCompile(`\b(?:csk_[a-f0-9]{16,}|sk-[A-Za-z0-9_-]{8,}|sk_(?:live|test)_[A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{16,}|xox[baprs]-[A-Za-z0-9-]{8,}|AKIA[0-9A-Z]{16})\b`)
	// A URL's user:password@.
	urlPassword = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@"']+:)([^/\s@"']+)@`)
	// name=value pairs (query strings, forms, DSNs, logs): the value of a
	// secret name.
	pair = regexp.MustCompile(`([A-Za-z0-9_.\-]+)(=)([^&\s"',;]+)`)
	// "name": "value" in JSON text (also escaped inside a JSON string).
	jsonPair = regexp.MustCompile(`(\\?"([A-Za-z0-9_.\-]+)\\?"\s*:\s*\\?")((?:[^"\\]|\\[^"])*)(\\?")`)
	// "Name: value" header lines.
	headerLine = regexp.MustCompile(`(?m)^([A-Za-z0-9-]+)(:[ \t]*)(.+)$`)
	// maySecret is what every pattern above needs somewhere in the text:
	// text without any is returned as is, without the six replacements
	// (most strings redacted are plain words, on every action's audit).
	maySecret = regexp.MustCompile(`[=:]|\b(?i:bearer|basic|token|apikey|api-key|digest|negotiate)|sk[-_]|gh[pousr]_|xox[baprs]-|AKIA`)
)

// String redacts the secrets of free text: authorization schemes, key
// shapes, URL passwords, and the values of secret names in name=value
// pairs, JSON pairs and header lines.
func String(s string) string {
	if s == "" || !maySecret.MatchString(s) {
		return s
	}
	s = authScheme.ReplaceAllString(s, "${1}${2}"+Mask)
	s = keyShape.ReplaceAllString(s, Mask)
	s = urlPassword.ReplaceAllString(s, "${1}"+Mask+"@")
	s = pair.ReplaceAllStringFunc(s, func(m string) string {
		sub := pair.FindStringSubmatch(m)
		if IsSecretName(sub[1]) && sub[3] != Mask {
			return sub[1] + sub[2] + Mask
		}
		return m
	})
	s = jsonPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := jsonPair.FindStringSubmatch(m)
		if IsSecretName(sub[2]) && sub[3] != Mask {
			return sub[1] + Mask + sub[4]
		}
		return m
	})
	s = headerLine.ReplaceAllStringFunc(s, func(m string) string {
		sub := headerLine.FindStringSubmatch(m)
		if IsSecretName(sub[1]) && !strings.Contains(sub[3], Mask) {
			return sub[1] + sub[2] + Mask
		}
		return m
	})
	return s
}
