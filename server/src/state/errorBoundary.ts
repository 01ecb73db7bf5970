/**
 * Where unexpected failures stop: an event handler or a request that throws is logged with its
 * stack and never kills the server; a request answers its fallback.
 */
export class ErrorBoundary {
  constructor(private readonly log: (message: string) => void) {}

  logError(what: string, e: unknown): void {
    this.log(`[alembic] ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }

  /** Runs an event handler; a failure is logged with its stack and never kills the server. */
  guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.logError(what, e);
    }
  }

  /** Runs a request handler; a failure is logged and answered with `fallback`. */
  async request<T>(what: string, fallback: T, fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.logError(what, e);
      return fallback;
    }
  }
}
