package workspace

import (
	"context"
	"fmt"

	"github.com/causerie/causerie/store"
)

// ExportPositioned is Export read back from what Marshal writes: its
// values have positions, those of `causerie export -w SLUG`'s output
// (file names it "SLUG (causerie export -w SLUG)"), for tools that point
// into the text, such as the linter.
func ExportPositioned(ctx context.Context, q store.Queries, slug string) (*File, error) {
	f, err := Export(ctx, q, slug)
	if err != nil {
		return nil, err
	}
	data, err := Marshal(f)
	if err != nil {
		return nil, err
	}
	return Parse(fmt.Sprintf("%s (causerie export -w %s)", slug, slug), data)
}
