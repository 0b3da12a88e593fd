package tools

import "context"

// Temporary: replaced by email.go (being written).
func sendEmail() *Action { return &Action{Name: SendEmail, Schema: `{"type":"object"}`} }

// Mailer sends e-mail.
type Mailer interface {
	Send(ctx context.Context, m Email) error
}

// Email is one message to send.
type Email struct {
	To, Cc, Bcc   []string
	Subject, Body string
}
