// Builds the dashboard into OUT_DIR (default ./dist): index.html, app.<hash>.js and
// app.<hash>.css. The hash in the names lets the server cache assets forever;
// index.html is the only file that must be revalidated.
//   node build.mjs [OUT_DIR [NODE_MODULES_DIR]]
// NODE_MODULES_DIR (default ./node_modules) holds the packages of package-lock.json;
// the CMake build installs them in its own build directory.
// Exits non-zero (with esbuild's message) when a source does not build.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(process.argv[2] ?? join(here, 'dist'));
const modules = resolve(process.argv[3] ?? join(here, 'node_modules'));
const src = join(here, 'src');
const esbuild = createRequire(join(modules, '..', 'package.json'))('esbuild');

const bundle = await esbuild.build({
  entryPoints: [join(src, 'main.js')],
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: true,
  legalComments: 'none',
  nodePaths: [modules],
  write: false,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0].text;

// uPlot's own stylesheet first, so the dashboard's rules can refine it.
const uplotCss = readFileSync(join(modules, 'uplot', 'dist', 'uPlot.min.css'), 'utf8');
const css = (await esbuild.transform(uplotCss + '\n' + readFileSync(join(src, 'app.css'), 'utf8'), {
  loader: 'css',
  minify: true,
  legalComments: 'none',
})).code;

const shortHash = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);
const jsName = `app.${shortHash(js)}.js`;
const cssName = `app.${shortHash(css)}.css`;
const html = readFileSync(join(src, 'index.html'), 'utf8')
  .replaceAll('{{APP_JS}}', `/assets/${jsName}`)
  .replaceAll('{{APP_CSS}}', `/assets/${cssName}`);
if (html.includes('{{')) throw new Error('index.html holds an unknown {{placeholder}}');

mkdirSync(outDir, { recursive: true });
for (const old of readdirSync(outDir)) rmSync(join(outDir, old), { recursive: true });
writeFileSync(join(outDir, 'index.html'), html);
writeFileSync(join(outDir, jsName), js);
writeFileSync(join(outDir, cssName), css);
console.log(`dashboard: ${outDir}: index.html, ${jsName} (${js.length} B), ${cssName} (${css.length} B)`);
