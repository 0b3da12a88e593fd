package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	stdmail "net/mail"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/invopop/jsonschema"
	gomail "github.com/wneessen/go-mail"
)

// Environment variables that configure e-mail (see MailerFromEnv).
const (
	EnvSMTPURL  = "CAUSERIE_SMTP_URL"
	EnvSMTPFrom = "CAUSERIE_SMTP_FROM"
)

// Mailer sends e-mail.
type Mailer interface {
	// Send delivers m, or returns why it could not.
	Send(ctx context.Context, m Email) error
}

// Email is one plain-text message to send. Addresses are RFC 5322
// addresses ("camille@example.fr" or "Camille Petit <camille@example.fr>").
// Bcc recipients receive the message but appear in none of its headers.
type Email struct {
	To, Cc, Bcc   []string
	Subject, Body string
}

// maxRecipients bounds the recipients of one send_email call.
const maxRecipients = 50

// notConfigured is what send_email says when the server has no Mailer.
var notConfigured = fmt.Sprintf("e-mail is not configured on this Causerie server, so nothing was sent: "+
	"the administrator must set %s (e.g. smtp://user:password@smtp.example.com:587, or smtps://…:465 for implicit TLS) "+
	"and %s (the sender, e.g. \"Salon Élégance <salon@example.fr>\") and restart Causerie; "+
	"do not retry this action in this conversation", EnvSMTPURL, EnvSMTPFrom)

func sendEmail() *Action {
	return &Action{
		Name: SendEmail,
		Description: "Send a plain-text e-mail, e.g. a booking confirmation to the contact, a summary of the conversation " +
			"or a notification to the team. subject and body are templates: {{contact.name}}, {{contact.email}}, " +
			"{{contact.<field id>}} (e.g. {{contact.bookingdate}}), {{conversation.id}}, {{workspace.name}} are replaced " +
			"by their values; a variable that has no value makes the call fail, so only use ones you know are set. " +
			"to, cc and bcc are one address or a list of addresses (they may be templates too, e.g. \"{{contact.email}}\"); " +
			"bcc recipients are hidden from the others. Write the subject and body in the language of the conversation.",
		Args:    emailArgs{},
		Outside: runSendEmail,
	}
}

type emailArgs struct {
	Subject string    `json:"subject" jsonschema:"required,minLength=1" param:"self" jsonschema_description:"Subject line, e.g. \"Réservation confirmée pour {{contact.name}}\"."`
	To      addresses `json:"to" jsonschema:"required" param:"addresses,self" jsonschema_description:"Main recipient(s): one address such as \"{{contact.email}}\", or a list."`
	Cc      addresses `json:"cc" param:"addresses,self" jsonschema_description:"Recipient(s) in copy, visible to all: one address or a list."`
	Bcc     addresses `json:"bcc" param:"addresses,self" jsonschema_description:"Hidden recipient(s), not shown to the others: one address or a list."`
	Body    string    `json:"body" jsonschema:"required,minLength=1" param:"self" jsonschema_description:"Plain-text body; {{…}} variables are replaced."`
}

// addresses is one address or a list of them, as the arguments give it.
type addresses []string

// JSONSchema: one address, or a list of at most maxRecipients.
func (addresses) JSONSchema() *jsonschema.Schema {
	one := uint64(1)
	most := uint64(maxRecipients)
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
		{Type: "string", MinLength: &one},
		{Type: "array", Items: &jsonschema.Schema{Type: "string", MinLength: &one}, MinItems: &one, MaxItems: &most},
	}}
}

func (a *addresses) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = addresses{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*a = list
	return nil
}

func runSendEmail(ctx context.Context, x *Exec) Result {
	mailer := x.Catalogue.opts.Mailer
	if mailer == nil {
		return Fail(CodeNotConfigured, notConfigured)
	}
	var args emailArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "send_email: %v", err)
	}
	vars := x.Vars(ctx)
	subject, err := Render(args.Subject, vars, EscapeNone)
	if err != nil {
		return Fail(CodeInvalidArguments, "subject: "+err.Error())
	}
	// A value with a line break must not start a new header.
	subject = strings.Join(strings.Fields(subject), " ")
	if subject == "" {
		return Fail(CodeInvalidArguments, "subject: the subject is empty once its variables are replaced")
	}
	body, err := Render(args.Body, vars, EscapeNone)
	if err != nil {
		return Fail(CodeInvalidArguments, "body: "+err.Error())
	}
	if strings.TrimSpace(body) == "" {
		return Fail(CodeInvalidArguments, "body: the body is empty once its variables are replaced")
	}

	seen := map[string]bool{} // an address receives the message once
	var lists [3][]*stdmail.Address
	for i, f := range []struct {
		name string
		list addresses
	}{{"to", args.To}, {"cc", args.Cc}, {"bcc", args.Bcc}} {
		addrs, msg := parseRecipients(f.name, f.list, vars)
		if msg != "" {
			return Fail(CodeInvalidArguments, msg)
		}
		for _, a := range addrs {
			if k := strings.ToLower(a.Address); !seen[k] {
				seen[k] = true
				lists[i] = append(lists[i], a)
			}
		}
	}
	if strings.HasPrefix(x.Call.Actor, "ai_agent:") {
		if r := x.recipientsAllowed(lists); r != nil {
			return *r
		}
	}
	if len(lists[0]) == 0 {
		return Fail(CodeInvalidArguments, "to: no recipient once the variables are replaced")
	}
	if len(seen) > maxRecipients {
		return Failf(CodeInvalidArguments, nil, "too many recipients (%d); at most %d", len(seen), maxRecipients)
	}

	header := func(l []*stdmail.Address) []string { // what the mailer parses back
		out := make([]string, len(l))
		for i, a := range l {
			out[i] = a.String()
		}
		return out
	}
	bare := func(l []*stdmail.Address) []string { // what the model reads
		out := make([]string, len(l))
		for i, a := range l {
			out[i] = a.Address
		}
		return out
	}
	m := Email{To: header(lists[0]), Cc: header(lists[1]), Bcc: header(lists[2]), Subject: subject, Body: body}
	if err := mailer.Send(ctx, m); err != nil {
		hint := "a permanent failure: check the addresses before trying again"
		var temp interface{ IsTemp() bool }
		if errors.As(err, &temp) && temp.IsTemp() {
			hint = "a temporary failure: trying again later may work"
		}
		return Failf(CodeSendFailed, nil, "the e-mail %q was not sent (%s): %v", subject, hint, err)
	}
	to, cc, bcc := bare(lists[0]), bare(lists[1]), bare(lists[2])
	data := map[string]any{"to": to, "cc": cc, "bcc": bcc, "subject": subject}
	x.Emit("email.sent", data)
	msg := fmt.Sprintf("e-mail %q sent to %s", subject, strings.Join(to, ", "))
	if len(cc) > 0 {
		msg += fmt.Sprintf(", cc %s", strings.Join(cc, ", "))
	}
	if len(bcc) > 0 {
		msg += fmt.Sprintf(", bcc %s", strings.Join(bcc, ", "))
	}
	return Ok(msg, data)
}

// parseRecipients renders and parses the addresses of one field; a
// non-empty message says what is wrong. An entry may hold several
// addresses separated by commas; an entry that renders empty (an unset
// {{contact.email}}) is skipped.
func parseRecipients(field string, list addresses, vars map[string]any) ([]*stdmail.Address, string) {
	var out []*stdmail.Address
	for _, raw := range list {
		s, err := Render(raw, vars, EscapeNone)
		if err != nil {
			return nil, field + ": " + err.Error()
		}
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		addrs, err := stdmail.ParseAddressList(s)
		if err != nil {
			bad := s
			for part := range strings.SplitSeq(s, ",") {
				if _, err := stdmail.ParseAddress(part); err != nil && strings.TrimSpace(part) != "" {
					bad = strings.TrimSpace(part)
					break
				}
			}
			return nil, fmt.Sprintf("%s: %q is not a valid e-mail address", field, bad)
		}
		out = append(out, addrs...)
	}
	return out, ""
}

// MailerFromEnv returns the SMTP Mailer configured by the environment:
//
//   - CAUSERIE_SMTP_URL: the server, see NewSMTPMailer for its form,
//     e.g. smtp://user:password@smtp.example.com:587;
//   - CAUSERIE_SMTP_FROM: the sender, e.g. "Salon Élégance <salon@example.fr>".
//
// It returns (nil, nil) when CAUSERIE_SMTP_URL is not set (e-mail is then
// off: send_email fails with not_configured), and an error when the URL is
// malformed or CAUSERIE_SMTP_FROM is missing or invalid.
func MailerFromEnv() (Mailer, error) {
	raw := strings.TrimSpace(os.Getenv(EnvSMTPURL))
	if raw == "" {
		return nil, nil
	}
	from := strings.TrimSpace(os.Getenv(EnvSMTPFrom))
	if from == "" {
		return nil, fmt.Errorf("%s is set but %s is not: set it to the sender address, e.g. \"Salon Élégance <salon@example.fr>\"",
			EnvSMTPURL, EnvSMTPFrom)
	}
	m, err := NewSMTPMailer(raw, from)
	if err != nil {
		return nil, fmt.Errorf("%s / %s: %w", EnvSMTPURL, EnvSMTPFrom, err)
	}
	return m, nil
}

// defaultSMTPTimeout bounds a whole send (connection and each command)
// unless the URL or the context says less.
const defaultSMTPTimeout = 30 * time.Second

// NewSMTPMailer returns a Mailer that sends through the SMTP server of
// rawURL, from the address from ("salon@example.fr" or
// "Salon Élégance <salon@example.fr>").
//
// The URL is smtp://[user:password@]host[:port][?parameters] or
// smtps://…:
//
//   - smtp:// connects in plain text then upgrades with STARTTLS, which is
//     required by default (the send fails if the server does not offer it);
//     the default port is 587 (submission);
//   - smtps:// uses implicit TLS from the first byte; the default port is
//     465.
//
// User and password, when given, are used for SMTP AUTH (percent-encode
// reserved characters: "p%40ss" for "p@ss"); the mechanism is chosen from
// what the server offers, and PLAIN or LOGIN are only used over TLS.
// Parameters:
//
//   - starttls=true (default) | opportunistic | false — smtp:// only:
//     require STARTTLS, use it if offered, or never use it (a local relay
//     such as smtp://127.0.0.1:25?starttls=false);
//   - auth=auto (default with credentials) | plain | login | cram-md5 |
//     scram-sha-256 | xoauth2 | none | plain-noenc | login-noenc … — force a
//     mechanism; plain-noenc and login-noenc allow sending the password
//     without TLS (only for a trusted local relay);
//   - timeout=30s — a Go duration bounding the connection and each command.
//
// Every message gets a Date and a Message-ID (at the sender's domain),
// UTF-8 headers and a quoted-printable UTF-8 text body; Bcc recipients
// are only envelope recipients.
func NewSMTPMailer(rawURL, from string) (Mailer, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its message quotes the URL, password included
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid SMTP URL: %v", err)
	}
	m := &smtpMailer{timeout: defaultSMTPTimeout}
	var port int
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		port = 587
	case "smtps":
		port, m.ssl = 465, true
	default:
		return nil, fmt.Errorf("invalid SMTP URL %s: the scheme must be smtp:// (STARTTLS) or smtps:// (implicit TLS)", u.Redacted())
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, fmt.Errorf("invalid SMTP URL %s: no host; write it as %s://host:port", u.Redacted(), u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("invalid SMTP URL %s: unexpected path %q", u.Redacted(), u.Path)
	}
	m.host = u.Hostname()
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("invalid SMTP URL %s: invalid port %q", u.Redacted(), p)
		}
	}
	m.addr = net.JoinHostPort(m.host, strconv.Itoa(port))
	m.opts = append(m.opts, gomail.WithPort(port))
	if m.ssl {
		m.opts = append(m.opts, gomail.WithSSL())
	}

	policy := gomail.TLSMandatory
	authSet := false
	authType := gomail.SMTPAuthAutoDiscover
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("invalid SMTP URL %s: %v", u.Redacted(), err)
	}
	for k, vs := range q {
		v := strings.ToLower(strings.TrimSpace(vs[len(vs)-1]))
		switch k {
		case "starttls":
			if m.ssl {
				return nil, fmt.Errorf("invalid SMTP URL %s: starttls does not apply to smtps:// (already TLS); use smtp:// for STARTTLS", u.Redacted())
			}
			switch v {
			case "true", "1", "yes", "required", "mandatory":
				policy = gomail.TLSMandatory
			case "opportunistic":
				policy = gomail.TLSOpportunistic
			case "false", "0", "no", "none", "off":
				policy = gomail.NoTLS
			default:
				return nil, fmt.Errorf("invalid SMTP URL %s: starttls=%s; use true, opportunistic or false", u.Redacted(), v)
			}
		case "auth":
			if err := authType.UnmarshalString(v); err != nil || authType == gomail.SMTPAuthCustom {
				return nil, fmt.Errorf("invalid SMTP URL %s: unknown auth mechanism %q", u.Redacted(), v)
			}
			authSet = true
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("invalid SMTP URL %s: timeout=%s is not a positive duration such as 30s", u.Redacted(), v)
			}
			m.timeout = d
		default:
			return nil, fmt.Errorf("invalid SMTP URL %s: unknown parameter %q (known: starttls, auth, timeout)", u.Redacted(), k)
		}
	}
	if !m.ssl {
		m.opts = append(m.opts, gomail.WithTLSPolicy(policy))
	}
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		if authType != gomail.SMTPAuthNoAuth {
			m.opts = append(m.opts, gomail.WithSMTPAuth(authType),
				gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
		}
	} else if authSet && authType != gomail.SMTPAuthNoAuth {
		return nil, fmt.Errorf("invalid SMTP URL %s: auth=%s needs a user and password (smtp://user:password@host)", u.Redacted(), authType)
	}

	m.from, err = stdmail.ParseAddress(strings.TrimSpace(from))
	if err != nil {
		return nil, fmt.Errorf("invalid sender address %q: %v", from, err)
	}
	_, m.domain, _ = strings.Cut(m.from.Address, "@")
	return m, nil
}

// smtpMailer sends through one SMTP server, one connection per message.
type smtpMailer struct {
	host, addr string
	ssl        bool
	opts       []gomail.Option
	timeout    time.Duration
	from       *stdmail.Address
	domain     string
}

func (m *smtpMailer) Send(ctx context.Context, e Email) error {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(m.from)
	for _, h := range []struct {
		set   func(...string) error
		name  string
		addrs []string
	}{{msg.To, "To", e.To}, {msg.Cc, "Cc", e.Cc}, {msg.Bcc, "Bcc", e.Bcc}} {
		if len(h.addrs) == 0 {
			continue
		}
		if err := h.set(h.addrs...); err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
	}
	msg.Subject(e.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(uuid.NewString() + "@" + m.domain)
	msg.SetUserAgent("Causerie")
	msg.SetBodyString(gomail.TypeTextPlain, e.Body)

	timeout := m.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if timeout <= 0 {
		return context.DeadlineExceeded
	}
	c, err := gomail.NewClient(m.host, append(slices.Clone(m.opts), gomail.WithTimeout(timeout))...)
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, msg)
	if err != nil && msg.IsDelivered() {
		// The server accepted the message; only the RSET or QUIT after it
		// failed. Reporting a failure would make the caller send it again.
		return nil
	}
	if err != nil {
		return fmt.Errorf("SMTP %s: %w", m.addr, err)
	}
	return nil
}

// recipientsAllowed keeps an AI agent's e-mail to the conversation's
// contact and the workspace's settings.email_recipients (addresses, and
// domains written @domain): a model that a visitor's message or a
// knowledge passage talked into it cannot send the conversation anywhere.
// nil when every recipient is allowed.
func (x *Exec) recipientsAllowed(lists [3][]*stdmail.Address) *Result {
	var allowed []string
	if x.Contact != nil && x.Contact.Email != "" {
		allowed = append(allowed, x.Contact.Email)
	}
	if x.Workspace != nil {
		allowed = append(allowed, x.Workspace.Settings.EmailRecipients...)
	}
	ok := func(addr string) bool {
		addr = strings.ToLower(addr)
		for _, a := range allowed {
			a = strings.ToLower(a)
			if addr == a || (strings.HasPrefix(a, "@") && strings.HasSuffix(addr, a)) {
				return true
			}
		}
		return false
	}
	for _, list := range lists {
		for _, a := range list {
			if !ok(a.Address) {
				r := Fail(CodeNotAllowed, fmt.Sprintf("send_email may write to the contact and to the workspace's e-mail "+
					"recipients only, and %s is neither; nothing was sent. Do not retry with another address: tell the "+
					"visitor a team member will follow up", a.Address), allowed...)
				return &r
			}
		}
	}
	return nil
}
