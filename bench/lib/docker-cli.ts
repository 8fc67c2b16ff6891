/**
 * The docker CLI as the peer, used the way an operator uses it against a server:
 * `docker -H ssh://HOST …`. The CLI runs plain `ssh`; the lab's wrapper (lab.json
 * sshd.sshWrapperDir, first in PATH) adds the lab's ssh_config, and the server side finds the
 * lab's socket through DOCKER_HOST in ~deploy/.ssh/environment.
 */
import { spawn } from 'node:child_process';
import type { LabInfo } from '../../test/lab/api.js';

export function dockerCliEnv(lab: LabInfo, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PATH: `${lab.sshd.sshWrapperDir}:${base.PATH ?? '/usr/bin:/bin'}` };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  return env;
}

/** argv (docker first) for `docker -H ssh://HOST ARGS…`. */
export function dockerSshArgv(lab: LabInfo, ...args: string[]): string[] {
  return ['docker', '-H', `ssh://${lab.sshd.hostAlias}`, ...args];
}

export interface Timed {
  wallMs: number;
  /** User + system CPU of the process and every descendant it waited for (GNU time). */
  cpuMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run argv to completion under GNU time, which reports the CPU of the process and the children
 * it reaped (for the docker CLI: its ssh). Wall time is taken here, around the whole spawn.
 */
export function timed(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '@@cpu %U %S', ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      let stderr = Buffer.concat(err).toString('utf8');
      const m = /@@cpu (\d+\.\d+) (\d+\.\d+)\s*$/.exec(stderr);
      if (!m) return reject(new Error(`no CPU figures from /usr/bin/time for ${argv.join(' ')}: ${stderr.slice(-300)}`));
      stderr = stderr.slice(0, m.index).replace(/Command exited with non-zero status \d+\n$/, '');
      resolve({ wallMs, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, code, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}
