package source_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/causerie/causerie/internal/source"
)

type textDoc struct {
	Text   string         `yaml:"text"`
	Texts  []string       `yaml:"texts"`
	Count  int            `yaml:"count"`
	Args   map[string]any `yaml:"args"`
	Extra  any            `yaml:"extra"`
	Agents []struct {
		Name         string `yaml:"name"`
		Instructions string `yaml:"instructions"`
	} `yaml:"ai_agents"`
}

// fileLines splits src into lines as the decoder counts them: YAML breaks
// at "\n", "\r\n" and "\r", JSON at "\n" only.
func fileLines(src string, json bool) []string {
	if json {
		return strings.Split(src, "\n")
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	return strings.Split(strings.ReplaceAll(src, "\r", "\n"), "\n")
}

// lineWidth is the number of columns of a line: its characters in YAML
// (an invalid byte is one), the bytes starting a character in JSON.
func lineWidth(line string, json bool) int {
	if !json {
		return utf8.RuneCountInString(line)
	}
	n := 0
	for i := 0; i < len(line); i++ {
		if utf8.RuneStart(line[i]) {
			n++
		}
	}
	return n
}

// checkPositions asks every offset of the text at path until one is not
// ok (its length): each must be within the file (a column at most one
// past its line's end), none before the previous one. It returns the
// length found.
func checkPositions(t *testing.T, d *source.Decoder, path, src string, json bool) int {
	t.Helper()
	if l, c, ok := d.TextPosition(path, -1); ok {
		t.Fatalf("TextPosition(%s, -1) = %d:%d, ok", path, l, c)
	}
	lines := fileLines(src, json)
	prevL, prevC := 0, 0
	for off := 0; ; off++ {
		line, col, ok := d.TextPosition(path, off)
		if !ok {
			return off
		}
		if line < 1 || line > len(lines) || col < 1 || col > lineWidth(lines[line-1], json)+1 {
			t.Fatalf("TextPosition(%s, %d) = %d:%d, outside the file", path, off, line, col)
		}
		if line < prevL || line == prevL && col < prevC {
			t.Fatalf("TextPosition(%s, %d) = %d:%d, before the previous offset's %d:%d", path, off, line, col, prevL, prevC)
		}
		prevL, prevC = line, col
	}
}

// charAt returns the character of src at line:col (columns in runes).
func charAt(src string, json bool, line, col int) (rune, bool) {
	lines := fileLines(src, json)
	if line < 1 || line > len(lines) {
		return 0, false
	}
	runes := []rune(lines[line-1])
	if col < 1 || col > len(runes) {
		return 0, false
	}
	return runes[col-1], true
}

func decodeText(t *testing.T, file, src string) (textDoc, *source.Decoder) {
	t.Helper()
	var v textDoc
	d, err := source.Decode(file, []byte(src), &v, source.Options{})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if err := d.Err(); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return v, d
}

// The character at an offset of a decoded text is found at its line and
// column, counted as problems are (columns in characters), in every
// scalar style and in JSON.
func TestTextPosition(t *testing.T) {
	const agents = "ai_agents:\n  - name: A\n    instructions: |\n      Tu es l'assistante.\n" +
		"      - Si le contact demande des prix, assigne à @Équipe des Ventes.\n"
	for _, tc := range []struct {
		name, file, src, path string
		target                string // found in the decoded text (its first occurrence)
		want                  string // line:col of the target's first character
		// exact: every character of the text that is not whitespace is at
		// a position holding that character (no escapes in the text).
		exact bool
	}{
		{"agent instructions", "w.yaml", agents, "ai_agents[0].instructions", "@Équipe", "5:51", true},
		{"literal, third line, accents before", "t.yaml",
			"text: |\n  Première ligne.\n  Deuxième ligne.\n  Troisième: réservé à @Équipe.\ncount: 1\n", "text", "@Équipe", "4:24", true},
		{"literal with comment on header", "t.yaml", "text: | # a comment with @\n  un @deux\n", "text", "@deux", "2:6", true},
		{"literal strip", "t.yaml", "text: |-\n  a\n  é @b\n", "text", "@b", "3:5", true},
		{"literal keep", "t.yaml", "text: |+\n  a\n  é @b\n\n\ncount: 2\n", "text", "@b", "3:5", true},
		{"indentation indicator", "t.yaml", "texts:\n  - |2\n      plus indenté\n    à @x\n", "texts[0]", "@x", "4:7", true},
		{"indentation indicator, more-indented target", "t.yaml", "text: |1\n   é @x\n a\n", "text", "@x", "2:6", true},
		{"folded", "t.yaml", "text: >\n  première\n  é @pli\n\n  para @x\n", "text", "@pli", "3:5", true},
		{"folded, paragraph", "t.yaml", "text: >-\n  première\n  é @pli\n\n  para @x\n", "text", "@x", "5:8", true},
		{"plain", "t.yaml", "text: Équipe @x\n", "text", "@x", "1:14", true},
		{"plain multi-line", "t.yaml", "text: é ligne\n  deuxième\n  troisième à @x\ncount: 3\n", "text", "@x", "3:15", true},
		{"plain in a flow list", "t.yaml", "texts: [é, 'à', ü @x]\n", "texts[2]", "@x", "1:19", true},
		{"tab", "t.yaml", "text: a\té\t@b\n", "text", "@b", "1:11", true},
		{"number as text", "t.yaml", "texts: [é, 12.50]\n", "texts[1]", "50", "1:15", true},
		{"single-quoted", "t.yaml", "text: 'l''é''té @x'\n", "text", "@x", "1:17", true},
		{"single-quoted multi-line", "t.yaml", "text: 'a\n  l''é\n\n  à @x'\n", "text", "@x", "4:5", true},
		{"double-quoted", "t.yaml", `text: "dit \"é\"\n à @x"` + "\n", "text", "@x", "1:22", false},
		{"double-quoted unicode escapes", "t.yaml", `text: "caf\u00e9 \xe9 \U0001F600 @x"` + "\n", "text", "@x", "1:34", false},
		{"double-quoted escaped line break", "t.yaml", "text: \"ab\\\n  cd @x\"\n", "text", "@x", "2:6", false},
		{"double-quoted multi-line", "t.yaml", "text: \"une\n  é @x\"\n", "text", "@x", "2:5", true},
		{"in a free-form value", "t.yaml", "args:\n  msg: |\n    é\n    à @x\n", "args.msg", "@x", "4:7", true},
		{"in a free-form list", "t.yaml", "extra: [1, {m: 'é @x'}]\n", "extra[1].m", "@x", "1:19", true},
		{"CRLF literal", "t.yaml", "text: |\r\n  é\r\n  à @x\r\ncount: 1\r\n", "text", "@x", "3:5", true},
		{"CRLF plain", "t.yaml", "text: é\r\n  à @x\r\n", "text", "@x", "2:5", true},
		{"lone CR", "t.yaml", "text: é\r  à @x\rcount: 1\r", "text", "@x", "2:5", true},
		{"JSON", "t.json", "{\n  \"count\": 1,\n  \"text\": \"Équipe @x\"\n}", "text", "@x", "3:19", true},
		{"JSON escapes", "t.json", `{"text": "\"é\" \u00e9\u00E9 \ud83d\ude00 \\ \/ \n\t@x"}`, "text", "@x", "1:53", false},
		{"JSON escape at its backslash", "t.json", `{"text": "\"é\" \u00e9\u00E9 \ud83d\ude00 @x"}`, "text", "éé", "1:17", false},
		{"JSON surrogate pair at its backslash", "t.json", `{"text": "\"é\" \u00e9\u00E9 \ud83d\ude00 @x"}`, "text", "😀", "1:30", false},
		{"double-quoted \\\" at its backslash", "t.yaml", `text: "é \"à\""` + "\n", "text", `"à`, "1:10", false},
		{"JSON CRLF", "t.json", "{\r\n\t\"texts\": [\"é\", \"à @x\"]\r\n}", "texts[1]", "@x", "2:20", true},
		{"JSON free-form", "t.json", `{"args": {"m": ["é", "à @x"]}}`, "args.m[1]", "@x", "1:25", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, d := decodeText(t, tc.file, tc.src)
			json := strings.HasSuffix(tc.file, ".json")
			value := lookup(t, v, tc.path)
			off := strings.Index(value, tc.target)
			if off < 0 {
				t.Fatalf("%q not in %q", tc.target, value)
			}
			line, col, ok := d.TextPosition(tc.path, off)
			if got := fmt.Sprintf("%d:%d", line, col); !ok || got != tc.want {
				t.Errorf("TextPosition(%s, %d) = %s %t, want %s", tc.path, off, got, ok, tc.want)
			}
			// The file holds the target's first character there, or the
			// backslash of its escape.
			if r, _ := charAt(tc.src, json, line, col); r != []rune(tc.target)[0] && r != '\\' {
				t.Errorf("%s holds %q, want %q", tc.want, r, []rune(tc.target)[0])
			}
			// The bytes of a character share its position.
			if _, w := utf8.DecodeRuneInString(value[off:]); w > 1 {
				if l, c, _ := d.TextPosition(tc.path, off+w-1); l != line || c != col {
					t.Errorf("last byte of %q at %d:%d", value[off:off+w], l, c)
				}
			}
			checkText(t, d, tc.path, value, tc.src, json, tc.exact)
		})
	}
}

// lookup returns the text at one of the paths the tests use.
func lookup(t *testing.T, v textDoc, path string) string {
	t.Helper()
	switch {
	case path == "text":
		return v.Text
	case path == "ai_agents[0].instructions":
		return v.Agents[0].Instructions
	case strings.HasPrefix(path, "texts["):
		var i int
		fmt.Sscanf(path, "texts[%d]", &i)
		return v.Texts[i]
	case path == "args.msg":
		return v.Args["msg"].(string)
	case path == "args.m[1]":
		return v.Args["m"].([]any)[1].(string)
	case path == "extra[1].m":
		return v.Extra.([]any)[1].(map[string]any)["m"].(string)
	}
	t.Fatalf("no text at %s", path)
	return ""
}

// checkText checks every offset of the text at path (see
// checkPositions), that the text's length ends them, and (exact) that
// each character that is not whitespace is at its place in the file.
func checkText(t *testing.T, d *source.Decoder, path, value, src string, json, exact bool) {
	t.Helper()
	if n := checkPositions(t, d, path, src, json); n != len(value) {
		t.Errorf("TextPosition(%s, %d) not ok, the text has %d bytes", path, n, len(value))
	}
	for _, off := range []int{len(value), len(value) + 5} {
		if l, c, ok := d.TextPosition(path, off); ok {
			t.Errorf("TextPosition(%s, %d) = %d:%d, ok for an offset outside the text", path, off, l, c)
		}
	}
	if !exact {
		return
	}
	for off, r := range value {
		line, col, _ := d.TextPosition(path, off)
		if !unicode.IsSpace(r) {
			if got, _ := charAt(src, json, line, col); got != r {
				t.Errorf("offset %d (%q) at %d:%d, which holds %q", off, r, line, col, got)
			}
		}
	}
}

// Whitespace is placed where the file has it, else at the next character.
func TestTextPositionWhitespace(t *testing.T) {
	src := "text: |\n  un deux\n  trois\ntexts:\n  - >\n    un\n    deux\n"
	_, d := decodeText(t, "w.yaml", src)
	for _, tc := range []struct {
		path string
		off  int
		want string
	}{
		{"text", 2, "2:5"},     // the space between "un" and "deux"
		{"text", 7, "2:10"},    // the line break after "deux": the line's end
		{"text", 13, "3:8"},    // the final line break
		{"texts[0]", 2, "7:5"}, // the folded line break: at "deux"
	} {
		line, col, ok := d.TextPosition(tc.path, tc.off)
		if got := fmt.Sprintf("%d:%d", line, col); !ok || got != tc.want {
			t.Errorf("TextPosition(%s, %d) = %s %t, want %s", tc.path, tc.off, got, ok, tc.want)
		}
	}
}

func TestTextPositionUnknown(t *testing.T) {
	var nilDecoder *source.Decoder
	if _, _, ok := nilDecoder.TextPosition("text", 0); ok {
		t.Error("nil Decoder: ok")
	}
	_, d := decodeText(t, "u.yaml", "text: ''\ncount: 3\ntexts: [a]\n")
	for _, tc := range []struct {
		path string
		off  int
	}{{"text", 0}, {"count", 0}, {"texts", 0}, {"texts[1]", 0}, {"nothing", 0}, {"", 0}, {"texts[0]", 1}} {
		if l, c, ok := d.TextPosition(tc.path, tc.off); ok {
			t.Errorf("TextPosition(%q, %d) = %d:%d, ok", tc.path, tc.off, l, c)
		}
	}
	if _, _, ok := d.TextPosition("texts[0]", 0); !ok {
		t.Error("texts[0] not found")
	}
	if got := strings.Join(source.TextPaths(d), " "); got != "text texts[0]" {
		t.Errorf("TextPaths = %s", got)
	}
}

// Columns are goccy/go-yaml's (and jsonTree's): the first character of a
// text is where the decoder places its value (after the opening quote),
// on lines with accents before it.
func TestTextPositionColumnsAsDecoder(t *testing.T) {
	for _, tc := range []struct {
		file, src string
		quoted    []bool
	}{
		{"c.yaml", "texts: [é, 'à', ü @x, \"Équipe\", œuvre]\n", []bool{false, true, false, true, false}},
		{"c.yaml", "texts:\n- é\n- 'à'\n- \"Équipe\"\n- ü\n", []bool{false, true, true, false}},
		{"c.json", "{\"texts\": [\"é\", \"à\",\n\t\"Équipe\", \"ü\"]}", []bool{true, true, true, true}},
	} {
		_, d := decodeText(t, tc.file, tc.src)
		for i, quoted := range tc.quoted {
			path := fmt.Sprintf("texts[%d]", i)
			p := d.Locate(source.Problem{Path: path})
			want := fmt.Sprintf("%d:%d", p.Line, p.Column)
			if quoted {
				want = fmt.Sprintf("%d:%d", p.Line, p.Column+1)
			}
			line, col, ok := d.TextPosition(path, 0)
			if got := fmt.Sprintf("%d:%d", line, col); !ok || got != want {
				t.Errorf("%s %s: TextPosition = %s, decoder's position %s", tc.file, path, got, want)
			}
		}
	}
}
