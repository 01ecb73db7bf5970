/**
 * PostgreSQL's parser (libpg-query, WASM), loaded when first wanted. The package compiles its
 * WASM as soon as it is required; required at the top of a module, that happened while the
 * language server started and while `check` built its index on the main thread. Now only
 * `ensureSqlParser` loads it.
 */
type LibPgQuery = typeof import('libpg-query');

let lib: LibPgQuery | undefined;
let ready: Promise<void> | undefined;

/** Loads PostgreSQL's parser (WASM, ~50 ms) once per process. */
export function ensureSqlParser(): Promise<void> {
  ready ??= (async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('libpg-query') as LibPgQuery;
    await loaded.loadModule();
    lib = loaded;
  })();
  return ready;
}

/** libpg-query's `parseSync`: throws its SqlError for invalid SQL, and before `ensureSqlParser` has resolved. */
export function parseSync(sql: string): unknown {
  if (!lib) throw new Error('the SQL parser is not loaded yet (ensureSqlParser)');
  return lib.parseSync(sql);
}
