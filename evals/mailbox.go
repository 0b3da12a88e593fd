package evals

import (
	"context"
	"sync"

	"github.com/causerie/causerie/tools"
)

// mailbox keeps the e-mails a case sends instead of sending them: nothing
// leaves the process, and the transcript shows them.
type mailbox struct {
	mu   sync.Mutex
	sent []tools.Email
}

// Send implements tools.Mailer.
func (m *mailbox) Send(_ context.Context, e tools.Email) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, e)
	return nil
}
