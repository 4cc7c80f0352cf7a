// Builds the web console (web/) into dist/web: one JS entry (with chunks loaded on demand) and one CSS file, content-hashed, each
// with a gzipped copy the daemon sends when the browser accepts it, and index.html naming them.
// `npm run build` runs it after tsc; the daemon serves dist/web at / (src/api/routes/console.ts).
import console from 'node:console';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'dist', 'web');
const assets = path.join(out, 'assets');

const result = await esbuild.build({
  entryPoints: [path.join(root, 'web/src/main.tsx'), path.join(root, 'web/src/style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  // Code a view loads on demand (xterm.js, for the terminal) goes into chunks of its own, named by
  // esbuild with their content hash, so the first load stays small.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['chrome110', 'firefox110', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  write: false,
  outdir: assets,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});

fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(assets, { recursive: true });
const names = {};
for (const file of result.outputFiles) {
  const ext = path.extname(file.path);
  if (path.basename(file.path).startsWith('chunk-')) {
    // Imported by the entry under this very name: written as it is.
    fs.writeFileSync(file.path, file.contents);
    fs.writeFileSync(`${file.path}.gz`, zlib.gzipSync(file.contents, { level: 9 }));
    continue;
  }
  const hash = crypto.createHash('sha256').update(file.contents).digest('hex').slice(0, 12);
  const name = `app-${hash}${ext}`;
  fs.writeFileSync(path.join(assets, name), file.contents);
  fs.writeFileSync(path.join(assets, `${name}.gz`), zlib.gzipSync(file.contents, { level: 9 }));
  names[ext] = name;
}
const html = fs
  .readFileSync(path.join(root, 'web/index.html'), 'utf8')
  .replace('%JS%', names['.js'])
  .replace('%CSS%', names['.css']);
fs.writeFileSync(path.join(out, 'index.html'), html);
fs.writeFileSync(path.join(out, 'index.html.gz'), zlib.gzipSync(html, { level: 9 }));
const gz = (n) => fs.statSync(path.join(assets, `${n}.gz`)).size;
console.log(
  `web console: dist/web (${names['.js']} ${gz(names['.js'])} B gz, ${names['.css']} ${gz(names['.css'])} B gz)`,
);
