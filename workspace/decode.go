package workspace

import "github.com/causerie/causerie/internal/yamlfile"

// decoder decodes workspace files (internal/yamlfile: every problem, with
// file:line:column and field path) and carries the checks of validate.go.
type decoder struct{ *yamlfile.Decoder }

// parseYAML decodes data into v; a syntax error is returned as Problems.
func parseYAML(file string, data []byte, v any) (*decoder, error) {
	d, err := yamlfile.Decode(file, data, v)
	if err != nil {
		return nil, err
	}
	return &decoder{d}, nil
}

func (d *decoder) at(path, format string, args ...any)      { d.At(path, format, args...) }
func (d *decoder) missing(path, format string, args ...any) { d.Missing(path, format, args...) }
