// Builds the dashboard into a directory of static files: index.html plus one bundled script
// and stylesheet (uPlot included), so that dmaemud serves it with no network at all.
// usage: node build.cjs --out DIR   (NODE_PATH names the node_modules holding esbuild, uPlot)
'use strict';
const fs = require('fs');
const path = require('path');
const esbuild = require('esbuild');

function outDir() {
  const i = process.argv.indexOf('--out');
  if (i < 0 || !process.argv[i + 1]) {
    console.error('usage: node build.cjs --out DIR');
    process.exit(2);
  }
  return path.resolve(process.argv[i + 1]);
}

async function main() {
  const out = outDir();
  fs.mkdirSync(path.join(out, 'assets'), { recursive: true });
  await esbuild.build({
    entryPoints: { app: path.join(__dirname, 'src', 'main.js') },
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    outdir: path.join(out, 'assets'),
    nodePaths: (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean),
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(__dirname, 'index.html'), path.join(out, 'index.html'));
}

main().catch((e) => {
  console.error(`web build failed: ${e.message}`);
  process.exit(1);
});
