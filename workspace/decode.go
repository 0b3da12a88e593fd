package workspace

import "github.com/causerie/causerie/internal/source"

// decoder decodes workspace files (internal/source: every problem, with
// file:line:column and field path) and carries the checks of validate.go.
type decoder struct{ *source.Decoder }

// parseYAML decodes data into v; a syntax error is returned as
// source.Problems.
func parseYAML(file string, data []byte, v any) (*decoder, error) {
	d, err := source.Decode(file, data, v, source.Options{
		Kind:  "a workspace file",
		Empty: "a workspace file starts with a `workspace:` mapping (slug, name)",
	})
	if err != nil {
		return nil, err
	}
	return &decoder{d}, nil
}

func (d *decoder) at(path, format string, args ...any)      { d.At(path, format, args...) }
func (d *decoder) missing(path, format string, args ...any) { d.Missing(path, format, args...) }
