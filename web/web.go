// Package web holds the browser side of Causerie, embedded in the binary
// so that `causerie serve` needs no Node: the chat widget (sources in
// widget/, built by esbuild into dist/ — the built files are committed,
// and `make test` fails when they differ from a fresh build), the human
// agents' inbox page (inbox/, plain files) and the demo page (demo/).
package web

import (
	"embed"
	"io/fs"
)

//go:embed dist inbox demo
var files embed.FS

// FS is the web assets: dist/widget.js, inbox/…, demo/….
var FS fs.FS = files
