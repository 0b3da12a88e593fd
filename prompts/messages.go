package prompts

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// Keys of the visitor-facing message catalogue (messages.json).
const (
	// FallbackAgent is sent when the AI agent's model fails.
	FallbackAgent = "fallback.agent"
	// FallbackFlow is sent when a flow step fails with no error edge.
	FallbackFlow = "fallback.flow"
	// MermaidTrigger and MermaidKeyword label a flow's trigger in its
	// graph (a format with one %s).
	MermaidTrigger = "mermaid.trigger"
	MermaidKeyword = "mermaid.keyword"
	// FlowExit confirms that the visitor left a flow.
	FlowExit = "flow.exit"
	// FlowRetry prefixes the retry hints of a question, by validation
	// ("flow.retry.email"…) and for a choice ("flow.retry.choice").
	FlowRetry = "flow.retry."
)

//go:embed messages.json
var messagesJSON []byte

// catalogue holds the visitor-facing texts by language, then key.
var catalogue = func() map[string]map[string]string {
	var c map[string]map[string]string
	if err := json.Unmarshal(messagesJSON, &c); err != nil {
		panic(fmt.Sprintf("prompts: messages.json: %v", err))
	}
	return c
}()

// Message returns the visitor-facing text key in language lang (English
// when the language has none); "" when the key is unknown.
func Message(lang, key string) string {
	if s, ok := catalogue[lang][key]; ok {
		return s
	}
	return catalogue["en"][key]
}

// MessageLanguages lists the languages of the catalogue.
func MessageLanguages() []string {
	out := make([]string, 0, len(catalogue))
	for l := range catalogue {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// MessageKeys lists the keys of the catalogue in language lang.
func MessageKeys(lang string) []string {
	out := make([]string, 0, len(catalogue[lang]))
	for k := range catalogue[lang] {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
