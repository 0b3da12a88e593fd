package dsl

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/causerie/causerie/prompts"
)

// Mermaid draws the flow as a Mermaid flowchart, as seed 001 does: the
// trigger, then each node (choices and conditions as diamonds, ends
// rounded, actions as subroutines) and each edge, labelled with its way
// out. The trigger's label is in lang, the workspace's language.
func (p *Program) Mermaid(lang string) string {
	f := p.Flow
	var b strings.Builder
	b.WriteString("graph TD\n")
	trigger := prompts.Message(lang, prompts.MermaidTrigger)
	var words []string
	for _, t := range f.Triggers {
		for _, w := range t.Keywords {
			words = append(words, fmt.Sprintf(prompts.Message(lang, prompts.MermaidKeyword), w))
		}
	}
	if len(words) > 0 {
		sep := ": "
		if lang == "fr" {
			sep = " : " // French puts a space before the colon
		}
		trigger += sep + strings.Join(words, ", ")
	}
	fmt.Fprintf(&b, "    %s([%s]) --> %s\n", "trigger", mermaidText(trigger), mermaidID(p.start))
	for _, n := range f.Nodes {
		fmt.Fprintf(&b, "    %s%s\n", mermaidID(n.ID), shape(&n))
	}
	for _, n := range f.Nodes {
		c := p.nodes[n.ID]
		for _, way := range ways(c) {
			target, ok := c.next[way]
			if !ok {
				continue
			}
			if way == "" {
				fmt.Fprintf(&b, "    %s --> %s\n", mermaidID(n.ID), mermaidID(target))
			} else {
				fmt.Fprintf(&b, "    %s -->|%s| %s\n", mermaidID(n.ID), mermaidText(way), mermaidID(target))
			}
		}
	}
	return b.String()
}

var notIDChar = regexp.MustCompile(`[^A-Za-z0-9_]`)

// mermaidID makes a node id safe for Mermaid ("create-sales-task" →
// "create_sales_task"; "end" is a Mermaid keyword).
func mermaidID(id string) string {
	s := notIDChar.ReplaceAllString(id, "_")
	return "n_" + s
}

// mermaidText quotes a label for Mermaid.
func mermaidText(s string) string {
	s = strings.NewReplacer(`"`, "#quot;", "\n", " ", "|", "#124;").Replace(s)
	return `"` + s + `"`
}

func shape(n *Node) string {
	label := n.Data.Label
	if label == "" {
		label = n.ID
	}
	if n.Type == KindAction {
		if at, _ := n.Data.Parameters["action_type"].(string); at != "" {
			label += " (" + at + ")"
		}
	}
	t := mermaidText(label)
	switch n.Type {
	case KindChoice, KindCondition:
		return "{" + t + "}"
	case KindEnd:
		return "([" + t + "])"
	case KindAction, KindAIReply, KindHandoff:
		return "[[" + t + "]]"
	case KindQuestion:
		return "[/" + t + "/]"
	}
	return "[" + t + "]"
}
