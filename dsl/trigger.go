package dsl

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/causerie/causerie/internal/suggest"
)

// Matcher matches a visitor's message against keywords, ignoring case and
// accents: "Réserver" matches "reserver". Triggers and response rules use
// it.
type Matcher struct {
	mode  string
	words []string         // normalised keywords (contains, exact)
	res   []*regexp.Regexp // regex
}

// NewMatcher compiles keywords for a match mode (contains when "").
func NewMatcher(keywords []string, mode string) (*Matcher, error) {
	if mode == "" {
		mode = MatchContains
	}
	m := &Matcher{mode: mode}
	for _, k := range keywords {
		if mode == MatchRegex {
			re, err := compileKeyword(k, mode)
			if err != nil {
				return nil, err
			}
			m.res = append(m.res, re)
			continue
		}
		if w := normText(k); w != "" {
			m.words = append(m.words, w)
		}
	}
	return m, nil
}

// compileKeyword compiles a regex keyword to match without regard to case
// or accents.
func compileKeyword(k, mode string) (*regexp.Regexp, error) {
	return regexp.Compile("(?i)" + stripAccents(k))
}

// Match reports whether text matches one of the keywords: for contains,
// the keyword's words appear together in the message, each allowing an
// ending of up to two letters ("rendez-vous" matches "je voudrais un
// rendez vous", "ouvert" matches "ouverts", "aide" does not match
// "plaider");
// for exact, the message is the keyword; for regex, the expression
// matches somewhere.
func (m *Matcher) Match(text string) bool {
	switch m.mode {
	case MatchRegex:
		plain := stripAccents(text)
		for _, re := range m.res {
			if re.MatchString(plain) || re.MatchString(text) {
				return true
			}
		}
		return false
	case MatchExact:
		t := normText(text)
		for _, w := range m.words {
			if t == w {
				return true
			}
		}
		return false
	default:
		for _, clause := range clauses(text) {
			words := strings.Fields(normText(clause))
			for _, w := range m.words {
				if containsWordsAffirmed(words, strings.Fields(w)) {
					return true
				}
			}
		}
		return false
	}
}

// clauseBreak splits a message into clauses: a negation or a cancel word
// only reaches the keywords of its own clause ("pas de souci, je veux un
// rendez-vous" asks for one).
var clauseBreak = regexp.MustCompile(`[.,;:!?()\n]+|\s[-–—]\s|\b(?:mais|but|puis|then|et|and|ou|or)\b`)

func clauses(text string) []string {
	return clauseBreak.Split(strings.ToLower(text), -1)
}

// refusals are the words (folded) that turn a keyword after them, in the
// same clause, into a refusal: « je veux annuler ma réservation », « je ne
// veux pas de rendez-vous », "I don't need an appointment", "cancel my
// booking".
var refusals = map[string]bool{
	// French
	"ne": true, "n": true, "pas": true, "plus": true, "jamais": true, "aucun": true, "aucune": true, "sans": true,
	"annuler": true, "annule": true, "annulez": true, "annulation": true, "supprimer": true, "supprime": true,
	"arreter": true, "arrete": true, "stopper": true, "refuse": true, "refuser": true,
	// English
	"not": true, "no": true, "never": true, "without": true, "dont": true, "doesnt": true, "didnt": true, "cant": true, "cannot": true, "wont": true, "cancel": true, "cancelling": true, "canceling": true, "cancelled": true,
	"canceled": true, "cancellation": true, "delete": true, "remove": true, "stop": true,
}

// refusalWindow is how many words before a keyword a refusal reaches.
const refusalWindow = 6

// containsWordsAffirmed is containsWords, ignoring an occurrence that a
// refusal word precedes in the clause.
func containsWordsAffirmed(words, keyword []string) bool {
	for i := 0; i+len(keyword) <= len(words); i++ {
		if !containsWords(words[i:i+len(keyword)], keyword) {
			continue
		}
		refused := false
		for j := max(0, i-refusalWindow); j < i; j++ {
			// "don't", "can't": folded to "don t", "can t".
			if refusals[words[j]] || (words[j] == "t" && j > 0 && strings.HasSuffix(words[j-1], "n")) {
				refused = true
				break
			}
		}
		if !refused {
			return true
		}
	}
	return false
}

// containsWords reports whether the keyword's words appear in a row in
// words, each word as written or with an ending of up to two letters
// ("ouvert" matches "ouverts" and "ouverte", "help" matches "helps" but
// not "helpful").
func containsWords(words, keyword []string) bool {
	if len(keyword) == 0 {
		return false
	}
	for i := 0; i+len(keyword) <= len(words); i++ {
		ok := true
		for j, k := range keyword {
			w := words[i+j]
			if !strings.HasPrefix(w, k) || len([]rune(w))-len([]rune(k)) > 2 {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func stripAccents(s string) string { return suggest.StripAccents(s) }

// normText folds case and accents and keeps words: letters and digits
// separated by single spaces.
func normText(s string) string {
	f := suggest.Fold(s)
	var b strings.Builder
	space := true
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
