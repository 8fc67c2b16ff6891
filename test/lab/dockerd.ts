// The lab's own Docker Engine: Debian's dockerd on a private socket, data-root and exec-root,
// with no container networking at all, so nothing the lab runs can reach a private or public
// address and nothing it "publishes" is really bound on the host (the bindings stay in config).
import { chmodSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { EnginePaths } from './paths.js';
import { runningPid, spawnDaemon, stopPid, waitFor, type DaemonIdentity } from './processes.js';

/**
 * Every dockerd the tests start (the lab's, and the private ones of the fault tests) runs without
 * container networking and never touches the host's firewall or forwarding: tests reach only
 * loopback. Socket access is for group docker.
 */
export const DOCKERD_NO_NETWORK: readonly string[] = [
  '--group=docker',
  '--bridge=none',
  '--iptables=false',
  '--ip6tables=false',
  '--ip-forward=false',
  '--ip-masq=false',
  '--userland-proxy=false',
];

export const DOCKERD = '/usr/sbin/dockerd';

export function dockerdIdentity(paths: EnginePaths): DaemonIdentity {
  return { exe: DOCKERD, marker: paths.dockerdPidFile };
}

/** GET /_ping on the unix socket: true when the Engine answers "OK". */
export function pingDocker(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    if (!existsSync(socketPath)) return resolve(false);
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(res.statusCode === 200 && body === 'OK'));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

export function dockerdPid(paths: EnginePaths, onStale?: (message: string) => void): number | null {
  // A dead dockerd leaves its socket behind; it goes with the stale pid file.
  return runningPid(paths.dockerdPidFile, dockerdIdentity(paths), [paths.dockerSocket], onStale);
}

export async function startDockerd(paths: EnginePaths, onStale?: (message: string) => void): Promise<{ pid: number; started: boolean }> {
  const running = dockerdPid(paths, onStale);
  if (running !== null) {
    await waitFor('dockerd answering on its socket', () => pingDocker(paths.dockerSocket), {
      timeoutMs: 30_000,
      logFile: paths.dockerdLog,
      pid: running,
    });
    return { pid: running, started: false };
  }
  // No live dockerd of ours: whatever socket is there is a leftover.
  rmSync(paths.dockerSocket, { force: true });
  for (const dir of [paths.runDir, paths.dockerDataRoot, paths.pidDir, paths.logDir]) mkdirSync(dir, { recursive: true });
  // The deploy user reaches the socket (group docker) through ssh, so the run dir must be traversable.
  chmodSync(paths.runDir, 0o755);
  const pid = spawnDaemon(
    [
      DOCKERD,
      `--host=unix://${paths.dockerSocket}`,
      `--data-root=${paths.dockerDataRoot}`,
      `--exec-root=${paths.dockerExecRoot}`,
      `--pidfile=${paths.dockerdPidFile}`,
      ...DOCKERD_NO_NETWORK,
      // Several lab containers write logs forever: cap them, as a careful operator would.
      '--log-opt=max-size=10m',
      '--log-opt=max-file=3',
    ],
    paths.dockerdLog,
  );
  await waitFor('dockerd answering on its socket', () => pingDocker(paths.dockerSocket), {
    timeoutMs: 60_000,
    logFile: paths.dockerdLog,
    pid,
  });
  return { pid, started: true };
}

export async function stopDockerd(paths: EnginePaths): Promise<boolean> {
  const pid = dockerdPid(paths);
  if (pid === null) return false;
  // dockerd stops its containers and its own containerd before exiting; that can take a while.
  await stopPid(pid, 60_000);
  rmSync(paths.dockerSocket, { force: true });
  rmSync(paths.dockerdPidFile, { force: true });
  return true;
}
