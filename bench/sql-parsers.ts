/**
 * Why libpg-query: PostgreSQL's own parser against pgsql-ast-parser (the card's first choice)
 * on the shared corpus of 8,638 statements — acceptance of valid statements, rejection of
 * invalid ones, agreement of the error position with PostgreSQL's, and statements per second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModule, parseSync } from 'libpg-query';
import { parse as astParse } from 'pgsql-ast-parser';
import { table } from './benchUtil';

interface Row {
  sql: string;
  valid: boolean;
  source: string;
}

async function main(): Promise<void> {
  const corpus = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpora', 'postgres-statements.jsonl');
  const rows = fs
    .readFileSync(corpus, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
  await loadModule();
  type Outcome = { ok: boolean; pos?: number };
  const runPg = (sql: string): Outcome => {
    try {
      parseSync(sql);
      return { ok: true };
    } catch (e) {
      return { ok: false, pos: (e as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition };
    }
  };
  const runAst = (sql: string): Outcome => {
    try {
      astParse(sql);
      return { ok: true };
    } catch (e) {
      const m = /line (\d+) col (\d+)/.exec(String((e as Error).message));
      if (!m) return { ok: false };
      const lines = sql.split('\n');
      let pos = 0;
      for (let i = 0; i < Number(m[1]) - 1; i++) pos += [...lines[i]].length + 1;
      return { ok: false, pos: pos + Number(m[2]) - 1 };
    }
  };
  const results: Array<Array<string | number>> = [];
  const pgOutcomes = rows.map((r) => runPg(r.sql));
  for (const [name, fn] of [
    ['libpg-query 18 (PostgreSQL grammar, WASM)', runPg],
    ['pgsql-ast-parser 12', runAst],
  ] as const) {
    const t0 = performance.now();
    const outcomes = rows.map((r) => fn(r.sql));
    const secs = (performance.now() - t0) / 1000;
    const valid = rows.filter((r) => r.valid);
    const invalid = rows.filter((r) => !r.valid);
    const acceptedValid = rows.filter((r, i) => r.valid && outcomes[i].ok).length;
    const rejectedInvalid = rows.filter((r, i) => !r.valid && !outcomes[i].ok).length;
    // Position accuracy: on invalid statements both reject, is the reported position within one character of PostgreSQL's?
    const both = rows.map((r, i) => ({ r, o: outcomes[i], pg: pgOutcomes[i] })).filter((x) => !x.r.valid && !x.o.ok && !x.pg.ok && x.pg.pos !== undefined);
    const near = both.filter((x) => x.o.pos !== undefined && Math.abs(x.o.pos - x.pg.pos!) <= 1).length;
    results.push([
      name,
      `${((100 * acceptedValid) / valid.length).toFixed(1)}% (${acceptedValid}/${valid.length})`,
      `${((100 * rejectedInvalid) / invalid.length).toFixed(1)}% (${rejectedInvalid}/${invalid.length})`,
      both.length ? `${((100 * near) / both.length).toFixed(0)}% (${near}/${both.length})` : 'n/a',
      `${Math.round(rows.length / secs).toLocaleString('en-US')}`,
    ]);
  }
  console.log(table(['parser', 'accepts valid', 'rejects invalid', "error position = PostgreSQL's (±1 char)", 'statements/s'], results));
  console.log(`\nCorpus: ${rows.length} statements (PostgreSQL regression tests and linter fixtures), ../shared/corpora/postgres-statements.jsonl.`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
