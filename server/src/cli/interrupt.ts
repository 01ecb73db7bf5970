/**
 * Ctrl-C for the CLI's long runs (alembic, pg_dump, a throwaway database): SIGINT and SIGTERM
 * abort the run's signal instead of killing the process, so the run stops its own child
 * processes and database sessions and cleans up before the command exits.
 */

/**
 * Runs `fn` with a signal that SIGINT or SIGTERM aborts (after `onCancel`, which says what is
 * being stopped); the handlers are removed when `fn` settles.
 */
export async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>, onCancel?: () => void): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    onCancel?.();
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
