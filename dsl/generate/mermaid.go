package generate

import (
	"regexp"
	"strings"

	"github.com/causerie/causerie/dsl"
)

// mnode is a node of a Mermaid flowchart.
type mnode struct {
	id, text string
	diamond  bool
	line     int
	outs     []medge
	in       int
}

type medge struct {
	to, label string
	line      int
}

var (
	mNodeRe  = regexp.MustCompile(`^([A-Za-z0-9_\-]+)\s*(\(\[.*?\]\)|\[\[.*?\]\]|\(\(.*?\)\)|\[.*?\]|\{\{.*?\}\}|\{.*?\}|\(.*?\)|>.*?\])?`)
	mArrowRe = regexp.MustCompile(`^(?:--\s*([^->|][^>]*?)\s*-->|==\s*([^=>|][^>]*?)\s*==>|-\.\s*([^.>|][^>]*?)\s*\.->|-->|==>|-\.->|---)\s*(?:\|([^|]*)\|)?`)
	mSkipRe  = regexp.MustCompile(`^(?i)(%%|classDef\b|class\b|style\b|linkStyle\b|click\b|subgraph\b|end\s*$|direction\b)`)
)

// FromMermaid imports a Mermaid flowchart (graph TD, flowchart LR…) as
// seed 001 draws one: a first node that says the visitor triggers the
// flow is the trigger (its quoted words, if any, its keywords); a node
// with several labelled edges out is a choice whose options are the
// labels; a diamond is a choice too; the other nodes are read as steps
// are (FromSteps: asking → a question, telling → a message, confirming →
// the end), a label that says neither being a message; a node no edge
// leaves ends the flow. Without keywords the trigger is the flow's name.
func FromMermaid(name, src, lang string) (*dsl.Flow, error) {
	if lang == "" {
		lang = detectLang(src)
	}
	d := newDraft(name, lang)
	nodes := map[string]*mnode{}
	var order []*mnode
	get := func(id, shape string, line int) *mnode {
		n := nodes[id]
		if n == nil {
			n = &mnode{id: id, text: id, line: line}
			nodes[id] = n
			order = append(order, n)
		}
		if shape != "" {
			n.diamond = strings.HasPrefix(shape, "{")
			n.text = strings.Trim(strings.TrimSpace(strings.Trim(shape, "[](){}>")), `"`)
		}
		return n
	}
	header := false
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(raw), ";"))
		n := i + 1
		if line == "" || mSkipRe.MatchString(line) {
			continue
		}
		if !header {
			w := strings.Fields(strings.ToLower(line))
			if w[0] != "graph" && w[0] != "flowchart" {
				d.problem(n, "a Mermaid flowchart starts with « graph TD » or « flowchart LR »")
				break
			}
			header = true
			continue
		}
		rest := line
		var prev *mnode
		pending := ""
		for {
			m := mNodeRe.FindStringSubmatch(rest)
			if m == nil {
				d.problem(n, "cannot read %q as Mermaid: expected a node such as B[Étape 1 : Accueil] or C{Quel service ?}", rest)
				break
			}
			cur := get(m[1], m[2], n)
			if prev != nil {
				prev.outs = append(prev.outs, medge{to: cur.id, label: strings.TrimSpace(pending), line: n})
				cur.in++
			}
			rest = strings.TrimSpace(rest[len(m[0]):])
			if rest == "" {
				break
			}
			a := mArrowRe.FindStringSubmatch(rest)
			if a == nil {
				d.problem(n, "cannot read %q as a Mermaid edge: expected -->, -->|label| or -- label -->", rest)
				break
			}
			pending = a[1] + a[2] + a[3] + a[4]
			rest = strings.TrimSpace(rest[len(a[0]):])
			prev = cur
		}
	}
	if !header && len(d.problems) == 0 {
		d.problem(1, "a Mermaid flowchart starts with « graph TD » or « flowchart LR »")
	}
	if len(d.problems) > 0 {
		return d.finish()
	}
	// The trigger: a root that says the visitor starts the flow.
	skip := map[string]bool{}
	for _, n := range order {
		t := fold(n.text)
		if n.in == 0 && containsAny(t, []string{"declench", "trigger", "le visiteur", "the visitor", "visitor"}) {
			skip[n.id] = true
			d.keywords = append(d.keywords, keywords(quotedOnly(n.text))...)
		}
	}
	ids := map[string]string{}
	outs := map[string][][2]string{}
	for _, n := range order {
		if skip[n.id] {
			continue
		}
		label := strings.TrimSpace(stepPrefixRe.ReplaceAllString(n.text, ""))
		labelled := 0
		for _, e := range n.outs {
			if e.label != "" {
				labelled++
			}
		}
		switch {
		case len(n.outs) >= 2 || n.diamond && len(n.outs) > 0:
			if labelled != len(n.outs) {
				d.problem(n.line, "node %s has %d edges out: label each with the option that takes it, e.g. %s -->|Coupe| D", n.id, len(n.outs), n.id)
				continue
			}
			st := step{line: n.line, text: label, kind: dsl.KindChoice, subject: label}
			for _, e := range n.outs {
				st.options = append(st.options, e.label)
			}
			seg := d.step(st)[0]
			ids[n.id] = seg.entry
			for i, e := range n.outs {
				outs[n.id] = append(outs[n.id], [2]string{e.to, st.options[i]})
			}
			continue
		}
		st := classify(n.line, label, lang)
		var seg segment
		switch {
		case len(n.outs) == 0 && (st.kind == dsl.KindEnd || st.kind == dsl.KindMessage || st.kind == ""):
			t := text(lang, "confirm")
			if st.kind == dsl.KindMessage || st.kind == "" {
				t = label
			}
			seg = segment{entry: d.add(dsl.KindEnd, label, map[string]any{"text": t})}
		case st.kind == dsl.KindEnd:
			// An end with a way out: a confirmation message.
			st.kind = dsl.KindMessage
			seg = d.step(st)[0]
			d.f.Nodes[len(d.f.Nodes)-1].Data.Parameters["text"] = text(lang, "confirm")
		case st.kind == "":
			st.kind = dsl.KindMessage
			seg = d.step(st)[0]
		default:
			seg = d.step(st)[0]
		}
		ids[n.id] = seg.entry
		if len(seg.outs) > 0 {
			// Each edge leaves by the way out of the step's last node.
			for _, e := range n.outs {
				outs[n.id] = append(outs[n.id], [2]string{e.to, seg.outs[0][1] + "\x00" + seg.outs[0][0]})
			}
		}
	}
	for _, n := range order {
		if skip[n.id] {
			continue
		}
		for _, o := range outs[n.id] {
			from, handle := ids[n.id], o[1]
			if h, src, ok := strings.Cut(o[1], "\x00"); ok {
				handle, from = h, src
			}
			if skip[o[0]] {
				continue
			}
			d.edge(from, handle, ids[o[0]])
		}
	}
	// The flow starts at the trigger's target.
	for _, n := range order {
		if skip[n.id] && len(n.outs) > 0 {
			d.f.Start = ids[n.outs[0].to]
			break
		}
	}
	return d.finish()
}

var stepPrefixRe = regexp.MustCompile(`(?i)^\s*(?:[ée]tape|step)\s*\d*\s*[:.)-]\s*`)

// quotedOnly keeps s when it quotes words, else "".
func quotedOnly(s string) string {
	if quotedRe.MatchString(s) {
		return s
	}
	return ""
}
