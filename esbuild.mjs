// Builds the product bundles into dist/ (client, server, CLI + the .wasm files they load)
// and, with --tests, transpiles every TypeScript file to out/ for the test runners.
//   node esbuild.mjs               bundles (development: sourcemaps, no minify)
//   node esbuild.mjs --production  bundles, minified, no sourcemaps
//   node esbuild.mjs --watch       rebuild bundles on change
//   node esbuild.mjs --tests       transpile server/, client/, test/, bench/ to out/ (no bundling)
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(new URL(import.meta.url).pathname);
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');

/** The .wasm files the bundles load from their own folder at run time. */
const wasmFiles = [
  require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
  require.resolve('tree-sitter-python/tree-sitter-python.wasm'),
  path.join(path.dirname(require.resolve('libpg-query')), 'libpg-query.wasm'),
];

/** Python the client runs with the user's interpreter (the env.py probe). */
const pythonFiles = [path.join(root, 'client/python/alembic_target.py')];

function copyRuntimeFiles(outdir) {
  fs.mkdirSync(outdir, { recursive: true });
  for (const file of [...wasmFiles, ...pythonFiles]) fs.copyFileSync(file, path.join(outdir, path.basename(file)));
}

/**
 * `import * as fs from 'node:fs'` bundles as `__toESM(require('node:fs'))`: a copy of every
 * export as a getter, once per importing module — 23 copies in dist/cli.js, 8–11 ms of every
 * start on the 2-core CI machine (and 22 copies of the `vscode` API in dist/client.js). Our own
 * TypeScript files import Node's modules and `vscode` as `import fs = require('node:fs')` in the
 * bundles instead (the same module object, no copy); the sources keep the ES form, and the line
 * count is unchanged (source maps hold).
 */
const NODE_NAMESPACE_IMPORT = /^import \* as ([A-Za-z_$][\w$]*) from '(node:[a-z_/]+|vscode)';$/gm;
/** @type {esbuild.Plugin} */
const nodeImportsPlugin = {
  name: 'node-namespace-imports',
  setup(build) {
    build.onLoad({ filter: /[\\/](server|client)[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      return { contents: source.replace(NODE_NAMESPACE_IMPORT, "import $1 = require('$2');"), loader: 'ts' };
    });
  },
};

/** @type {esbuild.BuildOptions} */
const common = {
  plugins: [nodeImportsPlugin],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // web-tree-sitter's ESM build needs import.meta.url, which a CJS bundle does not have (BUILD.md).
  alias: { 'web-tree-sitter': path.join(root, 'node_modules/web-tree-sitter/web-tree-sitter.cjs') },
};

const bundles = [
  { entryPoints: { client: 'client/src/extension.ts' }, external: ['vscode'] },
  { entryPoints: { server: 'server/src/server.ts' } },
  // The CLI: a light entry (heads, history, graph without the parsers) and the full CLI it loads for the rest.
  {
    entryPoints: { cli: 'server/src/cli/entry.ts' },
    banner: { js: '#!/usr/bin/env node' },
    define: { ALEMBIC_MIGRATIONS_FULL_CLI: '"cliFull.js"', ALEMBIC_MIGRATIONS_ANSWERS: '"cliAnswers.js"' },
  },
  // What the light entry computes when an answer is not cached (the scanner, the graph, the formatting).
  { entryPoints: { cliAnswers: 'server/src/cli/readAnswers.ts' } },
  { entryPoints: { cliFull: 'server/src/cli/main.ts' } },
  // check's lint workers: the parsers and rules only.
  { entryPoints: { lintWorker: 'server/src/cli/lintWorker.ts' } },
  // The revision graph webview's script: runs in the page, not in Node.
  { entryPoints: { graphView: 'client/src/graphView/webview/main.ts' }, platform: 'browser', format: 'iife', target: 'es2022' },
].filter((b) => Object.values(b.entryPoints).every((f) => fs.existsSync(path.join(root, f))));

function listTs(dir) {
  const out = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'fixtures') out.push(...listTs(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

if (args.has('--tests')) {
  const entryPoints = ['server/src', 'client/src', 'test', 'bench'].flatMap((d) => listTs(path.join(root, d)));
  await esbuild.build({
    entryPoints,
    outdir: path.join(root, 'out'),
    outbase: root,
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
} else {
  const outdir = path.join(root, 'dist');
  copyRuntimeFiles(outdir);
  const contexts = await Promise.all(bundles.map((b) => esbuild.context({ ...common, ...b, outdir })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[esbuild] watching for changes');
  } else {
    await Promise.all(contexts.map((c) => c.rebuild()));
    await Promise.all(contexts.map((c) => c.dispose()));
    if (fs.existsSync(path.join(outdir, 'cli.js'))) fs.chmodSync(path.join(outdir, 'cli.js'), 0o755);
  }
}
