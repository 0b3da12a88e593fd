package prompts_test

import (
	"slices"
	"testing"

	"github.com/causerie/causerie/prompts"
)

// Every text of the catalogue exists in every language, so that no
// visitor gets a blank message in one language.
func TestMessageCatalogueComplete(t *testing.T) {
	t.Parallel()
	langs := prompts.MessageLanguages()
	if !slices.Equal(langs, []string{"en", "fr"}) {
		t.Fatalf("languages = %v", langs)
	}
	en := prompts.MessageKeys("en")
	for _, l := range langs {
		if keys := prompts.MessageKeys(l); !slices.Equal(keys, en) {
			t.Errorf("%s keys %v differ from en keys %v", l, keys, en)
		}
		for _, k := range en {
			if prompts.Message(l, k) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
		}
	}
	for _, k := range []string{prompts.FallbackAgent, prompts.FallbackFlow, prompts.FlowExit, prompts.FlowRetry + "email"} {
		if !slices.Contains(en, k) {
			t.Errorf("key %s is not in the catalogue", k)
		}
	}
	if got := prompts.Message("de", prompts.FlowExit); got != prompts.Message("en", prompts.FlowExit) {
		t.Errorf("unknown language: %q, want the English text", got)
	}
}
