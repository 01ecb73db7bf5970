#!/usr/bin/env node
// Entry point of the `alembic-migrations` command: runs the bundled CLI (dist/cli.js).
const path = require('node:path');
const fs = require('node:fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('alembic-migrations: the CLI is not built yet; run `npm run build` in ' + path.dirname(__dirname) + '\n');
  process.exit(2);
}
require(cli)
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write('alembic-migrations: internal error: ' + ((e && e.stack) || e) + '\n');
      process.exitCode = 2;
    },
  );
