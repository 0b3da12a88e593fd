package agent

import (
	"context"
	"regexp"
	"slices"
	"strconv"

	"github.com/causerie/causerie/store"
	"github.com/causerie/causerie/tools"
)

// ground puts the passages most relevant to the visitor's message in the
// prompt, when the AI agent asks for it.
func (t *turn) ground(ctx context.Context) error {
	k := t.a.opts.Knowledge
	if !t.agent.Knowledge.Ground || k == nil || len(t.agent.KnowledgeBaseIDs) == 0 || t.in.Visitor.Text == "" {
		return nil
	}
	all, err := t.a.store.ListKnowledgeBases(ctx, t.ws.ID)
	if err != nil {
		return err
	}
	kbs := slices.DeleteFunc(all, func(kb *store.KnowledgeBase) bool { return !slices.Contains(t.agent.KnowledgeBaseIDs, kb.ID) })
	top := t.agent.Knowledge.TopK
	if top == 0 {
		top = tools.DefaultTopK
	}
	passages, err := k.SearchKnowledge(ctx, kbs, t.in.Visitor.Text, top)
	if err != nil {
		// Grounding helps; its failure must not cost the visitor an answer.
		return t.event(ctx, "knowledge.grounding_failed", map[string]any{"error": err.Error()})
	}
	for _, p := range passages {
		p.N = len(t.passages) + 1
		t.passages = append(t.passages, p)
	}
	return nil
}

// number renumbers the passages of a search_knowledge result after those
// the model already saw, so that [n] is unique within the turn.
func (t *turn) number(res *tools.Result) {
	ps, ok := res.Data["passages"].([]tools.Passage)
	if !ok {
		return
	}
	for i := range ps {
		ps[i].N = len(t.passages) + 1
		t.passages = append(t.passages, ps[i])
	}
}

// sayBeforeSearching sends the AI agent's "message before the action"
// (seed 003), once per turn, before a knowledge search.
func (t *turn) sayBeforeSearching(ctx context.Context) error {
	text := t.agent.Knowledge.MessageBefore
	if text == "" || t.saidBefore {
		return nil
	}
	t.saidBefore = true
	return t.store(ctx, text, map[string]any{"before_action": tools.SearchKnowledge})
}

var citeMarker = regexp.MustCompile(`\[(\d+)\]`)

// Citation is a knowledge passage a reply cites, kept in the message's
// metadata ("citations").
type Citation struct {
	N             int    `json:"n"`
	Title         string `json:"title"`
	URL           string `json:"url,omitempty"`
	Heading       string `json:"heading,omitempty"`
	KnowledgeBase string `json:"knowledge_base"`
	DocumentID    string `json:"document_id"`
	ChunkID       string `json:"chunk_id"`
}

// citations lists the passages a reply cites by [n], in order of first
// citation.
func citations(reply string, passages []tools.Passage) []Citation {
	var out []Citation
	seen := map[int]bool{}
	for _, m := range citeMarker.FindAllStringSubmatch(reply, -1) {
		n, _ := strconv.Atoi(m[1])
		if n < 1 || n > len(passages) || seen[n] {
			continue
		}
		seen[n] = true
		p := passages[n-1]
		out = append(out, Citation{N: n, Title: p.Title, URL: p.URL, Heading: p.Heading, KnowledgeBase: p.KnowledgeBase,
			DocumentID: p.DocumentID, ChunkID: p.ChunkID})
	}
	return out
}
