package lint_test

import (
	"os"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/causerie/causerie/lint"
)

// FuzzInstructions: any draft lints without a panic, every finding's
// offsets hold its words, and its position is inside the draft.
func FuzzInstructions(f *testing.F) {
	data, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		f.Fatal(err)
	}
	var c struct {
		Good, Bad []corpusCase
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		f.Fatal(err)
	}
	for _, k := range append(c.Good, c.Bad...) {
		f.Add(k.Instructions)
	}
	f.Add("@")
	f.Add("« \"@Équipe « des")
	ws := salon(f)
	f.Fuzz(func(t *testing.T, draft string) {
		fs, err := lint.Instructions(ws, "Assistante Salon", draft)
		if err != nil {
			t.Fatal(err)
		}
		lines := 1
		for _, r := range draft {
			if r == '\n' {
				lines++
			}
		}
		for _, fd := range fs {
			if fd.Start < 0 || fd.End < fd.Start || fd.End > len(draft) || draft[fd.Start:fd.End] != fd.Words {
				t.Fatalf("offsets %d..%d of %q do not hold %q", fd.Start, fd.End, draft, fd.Words)
			}
			if fd.Line < 1 || fd.Line > lines || fd.Column < 1 || fd.Message == "" || fd.Fix == "" {
				t.Fatalf("finding %+v of %q", fd, draft)
			}
		}
	})
}
