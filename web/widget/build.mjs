// Builds the widget: web/widget/main.js and what it imports → web/dist/widget.js,
// one minified script (its CSS inlined as text). The output is committed;
// `make web-check` rebuilds it and fails when it differs. Prints the size,
// and fails past the budget: 40 KB gzipped.
import { build, transform } from 'esbuild';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'widget.js');
const BUDGET = 40 * 1024;

// The stylesheet is imported as a string (for the shadow root), minified.
const minifiedCSS = {
  name: 'minified-css',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await transform(readFileSync(args.path, 'utf8'), { loader: 'css', minify: true, target: ['chrome90', 'firefox90', 'safari15'] });
      return { contents: code.trim(), loader: 'text' };
    });
  },
};

await build({
  entryPoints: [join(here, 'main.js')],
  outfile: out,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  plugins: [minifiedCSS],
  legalComments: 'none',
  charset: 'utf8',
  banner: { js: '/* Causerie chat widget — built from web/widget/ by `make web`; do not edit. */' },
  logLevel: 'warning',
});

const code = readFileSync(out);
const gz = gzipSync(code, { level: 9 }).length;
console.log(`web/dist/widget.js: ${(code.length / 1024).toFixed(1)} KB, ${(gz / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`);
if (gz > BUDGET) {
  console.error('widget.js is over its size budget');
  process.exit(1);
}
