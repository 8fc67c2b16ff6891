/**
 * OpenSSH allows MaxSessions (default 10) session channels per connection; exec channels and
 * dial-stdio tunnels are session channels, stream-local ones are not. Queueing past that limit
 * here turns "channel open failure" errors into a short wait.
 */
export class ChannelSlots {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Resolves with a release function that must be called exactly once (extra calls are ignored). */
  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}
