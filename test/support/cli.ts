/** The CLI run in-process (its real main), with what it prints collected. */
import { main } from '../../server/src/cli/main';
import { tempDir } from './tempDir';

// heads/history/graph keep answers in the user's cache folder: the tests' own, not the user's.
process.env.XDG_CACHE_HOME = tempDir('alembic-cli-cache-');

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    args,
    (s) => {
      out += s;
    },
    (s) => {
      err += s;
    },
  );
  return { code, out, err };
}
