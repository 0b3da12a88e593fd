package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/causerie/causerie/store"
	"github.com/invopop/jsonschema"
)

// Knowledge searches knowledge bases; package rag implements it.
type Knowledge interface {
	SearchKnowledge(ctx context.Context, kbs []*store.KnowledgeBase, query string, k int) ([]Passage, error)
}

// Passage is a knowledge-base passage, as search_knowledge returns it and
// a reply cites it ([n]).
type Passage struct {
	N             int     `json:"n"`
	Text          string  `json:"text"`
	Title         string  `json:"title"`
	Heading       string  `json:"heading,omitempty"`
	URL           string  `json:"url,omitempty"`
	KnowledgeBase string  `json:"knowledge_base"`
	DocumentID    string  `json:"document_id"`
	ChunkID       string  `json:"chunk_id"`
	Score         float64 `json:"score"`
}

// How many passages a search returns: DefaultTopK unless told otherwise,
// at most MaxTopK.
const (
	DefaultTopK = 4
	MaxTopK     = 20
)

func searchKnowledge() *Action {
	return &Action{
		Name: SearchKnowledge,
		Description: "Search the workspace's knowledge bases for passages that answer a question. Ground your answer " +
			"in the passages returned and cite them as [n]; if nothing relevant is found, say you do not know.",
		Args:    knowledgeArgs{},
		Outside: runSearchKnowledge,
	}
}

type knowledgeArgs struct {
	Query         string `json:"query" jsonschema:"required,minLength=1" jsonschema_description:"The question, in the contact's words."`
	KnowledgeBase string `json:"knowledge_base" jsonschema_description:"Exact name of the knowledge base to search (default: all of yours)."`
	TopK          int    `json:"top_k"`
}

// JSONSchemaExtend bounds top_k by the constants.
func (knowledgeArgs) JSONSchemaExtend(s *jsonschema.Schema) {
	if k, ok := s.Properties.Get("top_k"); ok {
		k.Minimum, k.Maximum, k.Default = "1", json.Number(strconv.Itoa(MaxTopK)), DefaultTopK
	}
}

func runSearchKnowledge(ctx context.Context, x *Exec) Result {
	var args knowledgeArgs
	if err := x.Args(&args); err != nil {
		return Failf(CodeInvalidArguments, nil, "search_knowledge: %v", err)
	}
	k := x.Catalogue.opts.Knowledge
	if k == nil {
		return Fail(CodeNotConfigured, "knowledge search is not configured in this deployment; answer without it or hand over to the team")
	}
	all, err := x.Q.ListKnowledgeBases(ctx, x.Workspace.ID)
	if err != nil {
		return internal("reading knowledge bases", err)
	}
	var allowed []*store.KnowledgeBase
	for _, kb := range all {
		if x.Call.KnowledgeBaseIDs == nil || slices.Contains(x.Call.KnowledgeBaseIDs, kb.ID) {
			allowed = append(allowed, kb)
		}
	}
	if len(allowed) == 0 {
		return Fail(CodeNotConfigured, "no knowledge base is available to search here; answer without it or hand over to the team")
	}
	kbs := allowed
	if args.KnowledgeBase != "" {
		entities := make([]named, len(allowed))
		for i, kb := range allowed {
			entities[i] = named{id: kb.ID, keys: []string{kb.Name, kb.ID}, name: kb.Name}
		}
		m, ok := match(args.KnowledgeBase, entities)
		if !ok {
			return unknown(CodeUnknownKnowledgeBase, "knowledge base", args.KnowledgeBase, entities)
		}
		kbs = slices.DeleteFunc(slices.Clone(allowed), func(kb *store.KnowledgeBase) bool { return kb.ID != m.id })
	}
	if args.TopK == 0 {
		args.TopK = DefaultTopK
	}
	passages, err := k.SearchKnowledge(ctx, kbs, args.Query, args.TopK)
	if err != nil {
		return Failf(CodeRequestFailed, nil, "the knowledge search failed: %v", err)
	}
	names := make([]string, len(kbs))
	for i, kb := range kbs {
		names[i] = kb.Name
	}
	msg := fmt.Sprintf("found %d passages in %s", len(passages), strings.Join(names, ", "))
	if len(passages) == 0 {
		msg = fmt.Sprintf("nothing in %s answers this; say you do not know rather than guess", strings.Join(names, ", "))
	}
	return Ok(msg, map[string]any{"passages": passages})
}
