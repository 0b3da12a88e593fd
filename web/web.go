// Package web holds the browser side of Causerie, embedded in the binary
// so that `causerie serve` needs no Node: the chat widget (sources in
// widget/, built by esbuild into dist/ — the built files are committed,
// and `make test` fails when they differ from a fresh build), the human
// agents' inbox page (inbox/, plain files) and the demo page (demo/: its
// html/template files). The npm packages (package.json, pinned by
// package-lock.json) build the widget and run its browser tests (e2e/,
// Playwright on Debian's chromium; not embedded).
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist inbox demo
var files embed.FS

// FS is the web assets: dist/widget.js, inbox/…, demo/….
var FS fs.FS = files
