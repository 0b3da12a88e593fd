package workspace

import "github.com/causerie/causerie/internal/yamlfile"

// Problem is one thing wrong in a workspace file: file:line:column, field
// path, message.
type Problem = yamlfile.Problem

// Problems is every problem found in a file; as an error it lists them
// one per line.
type Problems = yamlfile.Problems
