package source

import (
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// How a text is written in the file.
const (
	plainText    = iota // plain scalar, number or boolean read as a text
	doubleQuoted        // "…" in YAML, every JSON string
	singleQuoted        // '…'
	blockText           // literal (|) or folded (>) block scalar
)

// text is a decoded text and where its scalar starts: the opening quote,
// the first character of a plain scalar, the header (| or >) of a block
// scalar. Its table of positions (Decoder.tables) is built on the first
// TextPosition: table[i] is the position of the character at byte i.
type text struct {
	value string
	at    pos
	style uint8
}

// record remembers that the text at path is s, read from node n.
func (d *Decoder) record(n ast.Node, path, s string) {
	at, ok := position(n)
	if !ok {
		return
	}
	t := text{value: s, at: at}
	switch x := n.(type) {
	case *ast.LiteralNode:
		t.style = blockText
	case *ast.StringNode:
		switch x.GetToken().Type {
		case token.DoubleQuoteType:
			t.style = doubleQuoted
		case token.SingleQuoteType:
			t.style = singleQuoted
		}
	}
	if d.texts == nil {
		d.texts = map[string]text{}
	}
	d.texts[path] = t
}

// TextPosition returns the line and column in the file of the character
// at byte offset of the text decoded at path (a string field, or a text
// inside a free-form value), so that a word found in a text can be
// pointed at: in a block scalar, on its own line.
//
// Lines and columns are counted as the positions of problems are: both
// 1-based, the column in characters (runes, not bytes; a tab is one).
// An offset inside a multi-byte character gives that character's
// position. Whitespace is placed loosely: a space or line break that is
// not in the file as it is in the text (the break that folds two lines,
// the indentation of a block) is placed at the next character that is
// not whitespace, or after the last one. In double-quoted scalars and
// JSON strings, escapes (\", \n, \u00e9, a surrogate pair…) are read, and
// a character written as an escape is placed at its backslash; an escape
// the decoder reads otherwise than described may shift what follows by a
// character or so, never beyond the text's neighbourhood.
//
// ok is false for a nil Decoder (a document built in Go), a path where
// no text was decoded, and an offset outside the text (offset < 0 or
// offset >= len of the text).
//
// The positions of a text are computed on its first call and kept: ask
// as many offsets of it as needed. TextPosition is safe for concurrent
// use.
func (d *Decoder) TextPosition(path string, offset int) (line, col int, ok bool) {
	if d == nil {
		return 0, 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.texts[path]
	if !ok || offset < 0 || offset >= len(t.value) {
		return 0, 0, false
	}
	table, ok := d.tables[path]
	if !ok {
		table = d.align(t)
		if d.tables == nil {
			d.tables = map[string][]pos{}
		}
		d.tables[path] = table
	}
	p := table[offset]
	return int(p.line), int(p.col), true
}

// textPaths returns the paths where a text was decoded, sorted.
func (d *Decoder) textPaths() []string {
	if d == nil {
		return nil
	}
	paths := make([]string, 0, len(d.texts))
	for p := range d.texts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// maxLook is how many characters of the file (that are not whitespace)
// are tried for one character of a text before it is given up as not
// written as it reads: quotes and escapes are read, not skipped, so a
// text's characters follow each other in the file.
const maxLook = 4

// align places every character of t in the file. It walks the text and
// the file together from the scalar's start: a character that is not
// whitespace is matched to the next one of the file that equals it,
// within maxLook of them (indentation, line breaks and other blanks are
// skipped); one not found there keeps the walk where it is. Whitespace
// is placed at the same whitespace right after the last character
// matched, or else with the next character placed.
func (d *Decoder) align(t text) []pos {
	sc := d.scanner(t)
	table := make([]pos, len(t.value))
	var pending []int // offsets of whitespace waiting for a position
	place := func(i int, at pos) {
		for _, j := range pending {
			setRune(table, t.value, j, at)
		}
		pending = pending[:0]
		setRune(table, t.value, i, at)
	}
	cur := 0 // the next unit of the file to match
	// exact: the last character placed is right before cur (in a block,
	// the text starts after the indentation).
	exact := t.style != blockText
	for i := 0; i < len(t.value); {
		r, w := utf8.DecodeRuneInString(t.value[i:])
		sc.drop(cur)
		if unicode.IsSpace(r) {
			if u, ok := sc.unit(cur); exact && ok && u.r == r {
				place(i, u.at)
				cur++
				exact = r != '\n' // after a line break comes indentation
			} else {
				pending = append(pending, i)
				exact = false
			}
			i += w
			continue
		}
		j, found := sc.nonBlank(cur), false
		for range maxLook {
			if j < 0 {
				break
			}
			if u, _ := sc.unit(j); u.r == r {
				found = true
				break
			}
			j = sc.nonBlank(j + 1)
		}
		if found {
			u, _ := sc.unit(j)
			place(i, u.at)
			cur = j + 1
			exact = true
		} else {
			place(i, sc.posOf(sc.nonBlank(cur), cur))
			exact = false
		}
		i += w
	}
	if len(pending) > 0 {
		at := sc.posOf(-1, cur)
		for _, j := range pending {
			setRune(table, t.value, j, at)
		}
	}
	return table
}

// setRune places the character at byte i of s (all its bytes) at at.
func setRune(table []pos, s string, i int, at pos) {
	_, w := utf8.DecodeRuneInString(s[i:])
	for k := i; k < i+w; k++ {
		table[k] = at
	}
}

// A unit is one character of the file as a scalar reads it: an escape
// sequence is one unit holding the character it stands for, and so are a
// doubled quote in single quotes and a CRLF line break ("\n"). r is -1 for
// what stands for nothing (an escaped line break).
type unit struct {
	r  rune
	at pos
}

// blank reports whether a unit is skipped freely when matching.
func (u unit) blank() bool { return u.r < 0 || unicode.IsSpace(u.r) }

// textScanner reads the units of a scalar from the file, on demand.
type textScanner struct {
	d     *Decoder
	style uint8
	off   int // the next byte to read
	at    pos // its position
	done  bool
	// units[i-base] is unit i; nb[i-base] the index of the first unit at
	// or after i that is not blank (-1: none; unknown beyond known).
	units []unit
	nb    []int
	base  int
	known int // nb is set for the units before it
}

// scanner starts reading the file where t's characters start.
func (d *Decoder) scanner(t text) *textScanner {
	sc := &textScanner{d: d, style: t.style}
	lines := d.lineStarts()
	line := int(t.at.line)
	if t.style == blockText {
		// The content starts on the line after the header (which may end
		// with a comment).
		if line < len(lines) {
			sc.off = lines[line]
		} else {
			sc.off = len(d.src)
		}
	} else {
		sc.off = d.offsetOf(line, int(t.at.col))
		switch {
		case t.style == doubleQuoted && sc.off < len(d.src) && d.src[sc.off] == '"',
			t.style == singleQuoted && sc.off < len(d.src) && d.src[sc.off] == '\'':
			sc.off++
		}
	}
	sc.at = d.posAt(sc.off)
	return sc
}

// unit returns unit i, reading the file as far as needed.
func (sc *textScanner) unit(i int) (unit, bool) {
	for i-sc.base >= len(sc.units) {
		if !sc.read() {
			return unit{}, false
		}
	}
	return sc.units[i-sc.base], true
}

// nonBlank returns the index of the first unit at or after i that is not
// blank, or -1.
func (sc *textScanner) nonBlank(i int) int {
	for i >= sc.known {
		if !sc.read() {
			for k := sc.known; k < sc.base+len(sc.units); k++ {
				sc.nb[k-sc.base] = -1
			}
			sc.known = sc.base + len(sc.units)
			return -1
		}
	}
	return sc.nb[i-sc.base]
}

// posOf is the position of unit i, or (i < 0) of unit cur, or (after the
// last unit) where the scalar ends.
func (sc *textScanner) posOf(i, cur int) pos {
	if i < 0 {
		i = cur
	}
	if u, ok := sc.unit(i); ok {
		return u.at
	}
	return sc.at
}

// drop forgets the units before cur, which are never looked at again.
func (sc *textScanner) drop(cur int) {
	n := min(cur, sc.known) - sc.base
	if n < 1024 || n < len(sc.units)/2 {
		return
	}
	sc.units = sc.units[:copy(sc.units, sc.units[n:])]
	sc.nb = sc.nb[:copy(sc.nb, sc.nb[n:])]
	sc.base += n
}

// read appends the next unit; false at the end of the scalar or file.
func (sc *textScanner) read() bool {
	if sc.done || sc.off >= len(sc.d.src) {
		sc.done = true
		return false
	}
	src, at := sc.d.src, sc.at
	c := src[sc.off]
	r, n := rune(c), 1
	switch {
	case c == '\n', c == '\r' && !sc.d.json:
		if c == '\r' && sc.off+1 < len(src) && src[sc.off+1] == '\n' {
			n = 2
		}
		sc.append(unit{'\n', at})
		sc.off += n
		sc.at = pos{at.line + 1, 1}
		return true
	case c == '"' && sc.style == doubleQuoted:
		sc.done = true
		return false
	case c == '\'' && sc.style == singleQuoted:
		if sc.off+1 >= len(src) || src[sc.off+1] != '\'' {
			sc.done = true
			return false
		}
		n = 2
	case c == '\\' && sc.style == doubleQuoted:
		r, n = escape(src[sc.off:])
	case c >= utf8.RuneSelf:
		r, n = utf8.DecodeRuneInString(src[sc.off:])
	}
	sc.append(unit{r, at})
	sc.at.col += int32(sc.d.columns(src[sc.off : sc.off+n]))
	sc.off += n
	return true
}

func (sc *textScanner) append(u unit) {
	sc.units = append(sc.units, u)
	sc.nb = append(sc.nb, -1)
	if !u.blank() {
		i := sc.base + len(sc.units) - 1
		for k := sc.known; k <= i; k++ {
			sc.nb[k-sc.base] = i
		}
		sc.known = i + 1
	}
}

// escape reads the escape sequence at the start of s (a backslash in a
// double-quoted scalar or a JSON string): the character it stands for (-1
// for an escaped line break, which stands for nothing) and its length. A
// backslash that starts no escape it knows stands for itself.
func escape(s string) (rune, int) {
	if len(s) < 2 {
		return '\\', 1
	}
	switch c := s[1]; c {
	case '\n', '\r':
		return -1, 1 // the line break is read as one next
	case 'x', 'u', 'U':
		n := 2 // hex digits
		switch c {
		case 'u':
			n = 4
		case 'U':
			n = 8
		}
		r, ok := hexRune(s[2:], n)
		if !ok {
			return '\\', 1
		}
		if c == 'u' && utf16Surrogate(r) {
			// A surrogate pair is one character (encoding/json, goccy);
			// a lone surrogate is U+FFFD.
			if len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
				if lo, ok := hexRune(s[8:], 4); ok && lo >= 0xDC00 && lo <= 0xDFFF && r < 0xDC00 {
					return (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000, 12
				}
			}
			return utf8.RuneError, 6
		}
		return r, 2 + n
	default:
		if r, ok := escapes[c]; ok {
			return r, 2
		}
		return '\\', 1
	}
}

var escapes = map[byte]rune{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f', 'r': '\r', 'e': 0x1b,
	' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029,
}

func hexRune(s string, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	x, err := strconv.ParseUint(s[:n], 16, 32)
	if err != nil || x > unicode.MaxRune {
		return 0, false
	}
	return rune(x), true
}

func utf16Surrogate(r rune) bool { return r >= 0xD800 && r <= 0xDFFF }

// lineStarts returns the byte offset where each line of the file starts.
// Lines break as the positions of the decoder count them: in YAML at
// "\n", "\r\n" and a lone "\r" (goccy/go-yaml's scanner), in JSON at "\n"
// (jsonTree).
func (d *Decoder) lineStarts() []int {
	if d.lines != nil {
		return d.lines
	}
	d.lines = []int{0}
	for i := 0; i < len(d.src); i++ {
		switch d.src[i] {
		case '\n':
			d.lines = append(d.lines, i+1)
		case '\r':
			if d.json {
				continue
			}
			if i+1 < len(d.src) && d.src[i+1] == '\n' {
				i++
			}
			d.lines = append(d.lines, i+1)
		}
	}
	return d.lines
}

// columns counts the columns s takes: its characters in YAML (goccy/go-yaml
// reads the file as runes, an invalid byte being one), in JSON the bytes
// that start a character (jsonTree).
func (d *Decoder) columns(s string) int {
	n := 0
	if d.json {
		for i := 0; i < len(s); i++ {
			if utf8.RuneStart(s[i]) {
				n++
			}
		}
		return n
	}
	for i := 0; i < len(s); {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		n++
	}
	return n
}

// lineEnd is where the line starting at lines[i] ends, its line break
// excluded.
func (d *Decoder) lineEnd(i int) int {
	lines := d.lineStarts()
	if i+1 >= len(lines) {
		return len(d.src)
	}
	end := lines[i+1]
	if end > 0 && d.src[end-1] == '\n' {
		end--
	}
	if end > lines[i] && d.src[end-1] == '\r' && !d.json {
		end--
	}
	return end
}

// offsetOf is the byte offset of line:col, kept within the file (a column
// beyond its line is the line's end).
func (d *Decoder) offsetOf(line, col int) int {
	lines := d.lineStarts()
	if line < 1 {
		return 0
	}
	if line > len(lines) {
		return len(d.src)
	}
	i, end := lines[line-1], d.lineEnd(line-1)
	for c := 1; i < end; {
		if c >= col && (!d.json || utf8.RuneStart(d.src[i])) {
			break
		}
		w := 1
		if !d.json {
			_, w = utf8.DecodeRuneInString(d.src[i:])
		}
		c += d.columns(d.src[i : i+w])
		i += w
	}
	return i
}

// posAt is the position of byte offset off.
func (d *Decoder) posAt(off int) pos {
	lines := d.lineStarts()
	i := sort.Search(len(lines), func(i int) bool { return lines[i] > off }) - 1
	if i < 0 {
		i = 0
	}
	return pos{int32(i + 1), int32(1 + d.columns(d.src[lines[i]:min(off, len(d.src))]))}
}
