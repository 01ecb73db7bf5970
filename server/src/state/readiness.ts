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

  markDiscovered(): void {
    this.discoveredResolve();
  }

  markReady(): void {
    this.discoveredResolve();
    this.isReady = true;
    this.readyResolve();
  }

  /** Runs `fn` now when ready, else once ready (through `run`, which guards it). */
  whenReady(fn: () => void, run: (fn: () => void) => void): void {
    if (this.isReady) fn();
    else void this.ready.then(() => run(fn));
  }
}
