package conversation

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// DefaultMaxMessageBytes is the largest visitor message text accepted by
// default: about 8,000 tokens, far more than anyone types, small enough
// that a pasted file cannot cost the process hundreds of megabytes.
const DefaultMaxMessageBytes = 32 << 10

// TooLongError refuses a visitor message over the size limit, before
// anything is stored.
type TooLongError struct {
	Bytes, Limit int
}

func (e *TooLongError) Error() string {
	return fmt.Sprintf("the message is %d bytes long; the limit is %d bytes (conversation.Options.MaxMessageBytes, CAUSERIE_MAX_MESSAGE_BYTES): shorten it or send it in parts", e.Bytes, e.Limit)
}

// normalizeText makes a visitor's text the same on every store: invalid
// UTF-8 becomes U+FFFD, NUL and the other control characters but tab and
// line breaks are removed (PostgreSQL refuses NUL, SQLite keeps it), and
// the text is put in Unicode NFC so that "é" typed two ways matches the
// same keywords.
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, isDropped) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isDropped(r) {
				return -1
			}
			return r
		}, s)
	}
	return norm.NFC.String(s)
}

func isDropped(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}
