/**
 * The lab is shared: other engineers' tests stop and start its sshd (reconnect tests) and load
 * its dockerd. A measurement that fails is run again, up to `attempts` times, and each failure
 * is logged so it shows in the output; one that keeps failing fails the benchmark.
 */
export async function retrying<T>(what: string, fn: () => Promise<T>, log: (s: string) => void, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      log(`  ${what} failed (${(err as Error).message.split('\n')[0]}); running it again`);
    }
  }
}
