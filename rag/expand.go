package rag

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Entry is a file to ingest and its source: its key in the knowledge
// base, the same however the folder was named on the command line.
type Entry struct {
	// Path is where the file is read from.
	Path string
	// Source is the file's path relative to the ingested folder's parent
	// ("knowledge/tarifs.md" for the folder examples/salon/knowledge, by
	// a relative path, an absolute one or from another directory), or
	// its base name for a file given on its own; with slashes.
	Source string
	// Root is the folder's name ("knowledge"), "" for a file given on its
	// own: the documents under Root/ that are gone are deleted.
	Root string
}

// DefaultExcludes are always left out: hidden files and folders, and
// node_modules.
var DefaultExcludes = []string{".*", "node_modules"}

// Expand turns paths (files, or folders walked recursively) into the
// files of a supported format to ingest, sorted by source. A path that
// does not exist is an error; unsupported files inside folders are
// skipped, and so are files or folders whose name or source matches one
// of exclude (path.Match globs, e.g. "drafts", "*.tmp.md",
// "knowledge/old/*") or of DefaultExcludes. Two files that would have the
// same source are an error naming both.
func Expand(paths, exclude []string) ([]Entry, error) {
	for _, g := range exclude {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("--exclude %q is not a valid glob (use *, ?, [a-z]): %w", g, err)
		}
	}
	excluded := func(name, source string) bool {
		for _, g := range slices.Concat(DefaultExcludes, exclude) {
			if m, _ := path.Match(g, name); m {
				return true
			}
			if m, _ := path.Match(g, source); m {
				return true
			}
		}
		return false
	}
	var out []Entry
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, Entry{Path: filepath.Clean(p), Source: filepath.Base(p)})
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		root := filepath.Base(abs)
		err = filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(p, file)
			if err != nil {
				return err
			}
			source := path.Join(root, filepath.ToSlash(rel))
			if rel != "." && excluded(d.Name(), source) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.IsDir() && slices.Contains(Formats, strings.ToLower(filepath.Ext(file))) {
				out = append(out, Entry{Path: filepath.Clean(file), Source: source, Root: root})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// A file given on its own and inside a given folder is the folder's.
	inFolder := map[string]bool{}
	for _, e := range out {
		if e.Root != "" {
			inFolder[e.Path] = true
		}
	}
	out = slices.DeleteFunc(out, func(e Entry) bool { return e.Root == "" && inFolder[e.Path] })
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Source, b.Source) })
	for i := 1; i < len(out); i++ {
		if out[i].Source == out[i-1].Source {
			if out[i].Path == out[i-1].Path {
				out = slices.Delete(out, i, i+1)
				i--
				continue
			}
			return nil, fmt.Errorf("%s and %s would both be the document %q of the knowledge base: rename one, or ingest them into different knowledge bases",
				out[i-1].Path, out[i].Path, out[i].Source)
		}
	}
	return out, nil
}
