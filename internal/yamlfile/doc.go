// Package yamlfile decodes the project's YAML files (workspace files,
// evaluation suites) with errors that name file:line:column, the field
// path and what would be valid — every problem at once, not the first.
// It lives apart because several packages read such files.
package yamlfile
