import { spawn } from 'node:child_process';

export interface BundleRun {
  code: number | null;
  out: string;
  err: string;
  /** Killed (by pid) after the time limit. */
  timedOut: boolean;
}

/** Run the bundled binary as a separate process with exactly `env`, killing it after `limitMs`. */
export function runBundle(bundle: string, args: readonly string[], env: NodeJS.ProcessEnv, limitMs: number): Promise<BundleRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [bundle, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, out, err, timedOut });
    });
  });
}
