// `npm run package`: a production build, then `vsce package` into alembic-migrations-<version>.vsix
// (dependencies are bundled by esbuild, so --no-dependencies). Prints the file list and size.
//   node scripts/package.mjs [--out <file.vsix>]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const outArg = process.argv.indexOf('--out');
const out = path.resolve(outArg > 0 ? process.argv[outArg + 1] : path.join(root, `${pkg.name}-${pkg.version}.vsix`));

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${path.basename(args[0] ?? cmd)} failed`);
    process.exit(r.status ?? 1);
  }
}

run(process.execPath, [path.join(root, 'esbuild.mjs'), '--production']);
// Sourcemaps from a previous development build would not match the minified bundles.
for (const f of fs.readdirSync(path.join(root, 'dist'))) if (f.endsWith('.map')) fs.rmSync(path.join(root, 'dist', f));
run(process.execPath, [
  path.join(root, 'node_modules/@vscode/vsce/vsce'),
  'package',
  '--no-dependencies',
  '--allow-missing-repository',
  '--no-rewrite-relative-links',
  '--out',
  out,
]);
const bytes = fs.statSync(out).size;
console.log(`${path.relative(process.cwd(), out)}: ${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes)`);
