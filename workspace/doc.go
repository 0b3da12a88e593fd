// Package workspace is workspace-as-code: the YAML file that describes a
// whole workspace (users, teams, AI agents, contact fields, lifecycle
// stages, closing notes, tags, classifications, knowledge bases), its
// validation, and the two directions between file and store — Apply
// (create or update the workspace to match the file, all or nothing) and
// Export (write the workspace back as a file; applying it changes nothing).
//
// It is a package of its own because both the CLI (causerie apply/export)
// and the HTTP admin API use it, and it sits above store and tools.
//
// Errors in a file are reported all at once, each with file:line:column,
// the field path (teams[0].members[1]) and what would be valid.
package workspace
