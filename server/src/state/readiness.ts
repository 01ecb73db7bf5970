/**
 * The server's start-up in two steps: `discovered` once the projects are found and their graph
 * snapshots checked (requests that snapshots can answer go out from then on), `ready` once every
 * project is indexed (everything else waits for it, and events that arrive earlier are deferred).
 */
export class Readiness {
  private discoveredResolve!: () => void;
  private readyResolve!: () => void;
  readonly discovered = new Promise<void>((r) => {
    this.discoveredResolve = r;
  });
  readonly ready = new Promise<void>((r) => {
    this.readyResolve = r;
  });
  isReady = false;
  private firstGraphResolve!: () => void;
  /**
   * Resolves once a revision graph has been answered (the answer written first): start-up
   * work that is not needed for it (the parsers, git) waits for this or a short grace period,
   * so the first graph a client asks for is not queued behind it.
   */
  readonly firstGraph = new Promise<void>((r) => {
    this.firstGraphResolve = r;
  });

  markDiscovered(): void {
    this.discoveredResolve();
  }

  markReady(): void {
    this.discoveredResolve();
    this.isReady = true;
    this.readyResolve();
  }

  /** A revision graph was answered: resolves `firstGraph` once the answer has been written. */
  graphAnswered(): void {
    setImmediate(this.firstGraphResolve);
  }

  /** Runs `fn` now when ready, else once ready (through `run`, which guards it). */
  whenReady(fn: () => void, run: (fn: () => void) => void): void {
    if (this.isReady) fn();
    else void this.ready.then(() => run(fn));
  }
}
