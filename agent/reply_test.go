package agent

import (
	"strings"
	"testing"
)

// However the model splits its reply into deltas, the streamed text is the
// rendered reply.
func TestVarStreamRendersAcrossSplits(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"bookingdate": "2026-12-05", "bookingtime": "14h30", "name": "Camille"}
	for _, text := range []string{
		"Nous sommes impatients de te voir le $contact.bookingdate à $contact.bookingtime.",
		"Bonjour {{contact.name}}, rendez-vous le {{ contact.bookingdate }} ! Prix : 35 $ et {accolade}",
		"$contact.unknown reste tel quel, $contact.name aussi ? Non : $contact",
	} {
		want := renderReply(text, vars)
		for i := 0; i <= len(text); i++ {
			for j := i; j <= len(text); j++ {
				var got strings.Builder
				s := newVarStream(vars, func(x string) { got.WriteString(x) })
				s.write(text[:i])
				s.write(text[i:j])
				s.write(text[j:])
				s.flush()
				if got.String() != want {
					t.Fatalf("split %d/%d of %q: streamed %q, want %q", i, j, text, got.String(), want)
				}
			}
		}
	}
	if got := renderReply("le $contact.bookingdate.", vars); got != "le 2026-12-05." {
		t.Errorf("renderReply = %q", got)
	}
	if got := renderReply("$contact.budget €", vars); got != "$contact.budget €" {
		t.Errorf("a variable without value should stay visible: %q", got)
	}
}
