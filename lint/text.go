package lint

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// text is one text under lint (an AI agent's instructions, a reply) and
// its folded form: lower case, without accents, typographic apostrophes
// and spaces made plain, one rune for each rune of the original. The
// lexicon's patterns match the folded form; offsets map back to the
// original, so that findings quote and point at the words as written.
type text struct {
	orig string
	fold string
	// back[i] is the byte offset in orig of the rune at byte i of fold;
	// back[len(fold)] is len(orig).
	back []int
	// quoted are the spans of fold inside quotation marks: replies the
	// instructions dictate, not instructions.
	quoted []span
}

// span is a half-open byte range of fold.
type span struct{ start, end int }

func newText(s string) *text {
	t := &text{orig: s}
	var b strings.Builder
	b.Grow(len(s))
	t.back = make([]int, 0, len(s)+1)
	for i, r := range s {
		f := foldRune(r)
		n := utf8.RuneLen(f)
		for range n {
			t.back = append(t.back, i)
		}
		b.WriteRune(f)
	}
	t.back = append(t.back, len(s))
	t.fold = b.String()
	t.quoted = quotedSpans(t.fold)
	return t
}

// foldRune maps one rune to one rune: its base letter, lower-cased
// (É → e, ç → c), with typographic apostrophes, dashes and spaces made
// plain. Ligatures and letters without a decomposition stay.
func foldRune(r rune) rune {
	switch r {
	case '’', 'ʼ', '‘', '`':
		return '\''
	case '\u00a0', '\u202f', '\u2009', '\t':
		return ' '
	case '‑', '‐':
		return '-'
	}
	if r >= utf8.RuneSelf {
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		d := norm.NFD.Bytes(buf[:n])
		if base, _ := utf8.DecodeRune(d); base != utf8.RuneError {
			r = base
		}
	}
	return unicode.ToLower(r)
}

// quotedSpans finds "…", “…”, «…» and „…“ in a folded text (their
// insides). A quote left open ends at the end of its line.
func quotedSpans(f string) []span {
	var out []span
	closing := map[rune]rune{'"': '"', '“': '”', '«': '»', '„': '“'}
	for i := 0; i < len(f); {
		r, n := utf8.DecodeRuneInString(f[i:])
		c, ok := closing[r]
		if !ok {
			i += n
			continue
		}
		start := i + n
		end := strings.IndexRune(f[start:], c)
		nl := strings.IndexByte(f[start:], '\n')
		switch {
		case end < 0 && nl < 0:
			end = len(f) - start
		case end < 0 || (nl >= 0 && nl < end):
			end = nl
		}
		out = append(out, span{start, start + end})
		i = start + end + utf8.RuneLen(c)
		if i > len(f) {
			i = len(f)
		}
	}
	return out
}

// inQuotes reports whether byte i of fold is inside quotation marks.
func (t *text) inQuotes(i int) bool {
	for _, q := range t.quoted {
		if i >= q.start && i < q.end {
			return true
		}
	}
	return false
}

// quoteAt returns the quoted span that starts at i (just after the
// opening mark), if any.
func (t *text) quoteAt(i int) (span, bool) {
	for _, q := range t.quoted {
		if q.start == i {
			return q, true
		}
	}
	return span{}, false
}

// words returns the original text of the folded span [start,end).
func (t *text) words(start, end int) string {
	return t.orig[t.back[start]:t.back[end]]
}

// scenario is one instruction: a bullet item (with its continuation
// lines) or a sentence of running text; a bullet holding several
// sentences that each start with a condition is several scenarios.
type scenario struct{ span }

var (
	bulletRe = regexp.MustCompile(`^\s*(?:[-*•–]|\d+[.)]|\d\x{fe0f}?\x{20e3})\s+`)
	// A sentence ends at . ! ? followed by a space and a capital or a
	// digit-free word start; "status.json" and "35 €." inside a line do
	// not end one unless followed by a space.
	sentenceEndRe    = regexp.MustCompile(`[.!?…]+\s+`)
	conditionStartRe = regexp.MustCompile(`^(?:si|s'il|s'ils|if|when|whenever|lorsque|lorsqu'|quand|une fois|once|des que|as soon as|sinon|otherwise|else|en cas|in case|pour (?:les|toute|tout)|for (?:any|every|all))\b`)
)

// scenarios splits the text into its instructions.
func (t *text) scenarios() []scenario {
	type item struct {
		span
		bullet bool
		indent int
	}
	var items []item
	var cur *item
	flush := func() {
		if cur != nil {
			items = append(items, *cur)
			cur = nil
		}
	}
	for _, l := range lineSpans(t.fold) {
		line := t.fold[l.start:l.end]
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch m := bulletRe.FindStringIndex(line); {
		case m != nil:
			flush()
			cur = &item{span{l.start + m[1], l.end}, true, indent}
		case cur != nil && (!cur.bullet || indent > cur.indent):
			cur.end = l.end // the item goes on
		default:
			flush()
			cur = &item{span{l.start + indent, l.end}, false, indent}
		}
	}
	flush()
	var out []scenario
	for _, it := range items {
		out = append(out, t.sentences(it.span, !it.bullet)...)
	}
	return out
}

// sentences splits an item into scenarios: running text at every
// sentence, a bullet at the sentences that start with a condition.
func (t *text) sentences(it span, every bool) []scenario {
	var out []scenario
	start := it.start
	s := t.fold[it.start:it.end]
	for _, m := range sentenceEndRe.FindAllStringIndex(s, -1) {
		end := it.start + m[0]
		next := it.start + m[1]
		if t.inQuotes(end) || next >= it.end {
			continue
		}
		if !every && !conditionStartRe.MatchString(t.fold[next:it.end]) {
			continue
		}
		out = append(out, scenario{span{start, end}})
		start = next
	}
	return append(out, scenario{span{start, it.end}})
}

// lineSpans returns the lines of s, without their line breaks.
func lineSpans(s string) []span {
	var out []span
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '\n' {
			end := i
			if end > start && s[end-1] == '\r' {
				end--
			}
			out = append(out, span{start, end})
			start = i + 1
		}
	}
	return out
}
