/**
 * `opsdeck doctor` and the Hosts screen's "test" action: walk the path to a server's Docker
 * API one step at a time and say which step fails and how to fix it. It uses the real
 * connection code (the same session, host key policy and tunnel), only watching it closely.
 */
import fs from 'node:fs';
import type Dockerode from 'dockerode';
import { sanitise } from '../text/sanitise.js';
import type { StepReport } from './carrier.js';
import { ConnectError } from './connect-errors.js';
import { dockerOverAgent } from './connection.js';
import { DockerTunnel, TunnelAgent } from './docker-agent.js';
import { localDocker, localExec } from './local.js';
import type { ExecResult } from './exec-types.js';
import type { Prompter } from './prompter.js';
import { SshSession } from './ssh-session.js';
import { endpointLabel, hopChain, type LocalTarget, type SshTarget, type Target } from './target.js';

export type DoctorStepName = 'dns' | 'tcp' | 'proxy' | 'handshake' | 'host-key' | 'auth' | 'docker-socket' | 'engine' | 'compose' | 'path';
export type DoctorStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface DoctorStep {
  step: DoctorStepName;
  title: string;
  status: DoctorStatus;
  /** Already sanitised where it quotes a server. */
  detail: string;
  hint?: string;
  /** The hop (user@host:port) for SSH steps of a ProxyJump chain. */
  hop?: string;
}

export interface DoctorReport {
  target: { kind: 'ssh' | 'local'; label: string; destination: string; socketPath: string; via?: string };
  steps: DoctorStep[];
  ok: boolean;
}

const TITLES: Record<DoctorStepName, string> = {
  dns: 'name resolution',
  tcp: 'TCP connection',
  proxy: 'proxy',
  handshake: 'SSH handshake',
  'host-key': 'host key',
  auth: 'authentication',
  'docker-socket': 'Docker socket',
  engine: 'Docker Engine',
  compose: 'compose CLI',
  path: 'Docker API path',
};

const DOCKER_GROUP_HINT =
  'Add the login user to the group that owns the socket (usually docker: sudo usermod -aG docker USER, then log in again). ' +
  'Be aware that docker group membership is root-equivalent: it can start a container that mounts the whole host.';

function step(s: DoctorStepName, status: DoctorStatus, detail: string, extra: { hint?: string | undefined; hop?: string } = {}): DoctorStep {
  return { step: s, title: TITLES[s], status, detail, ...(extra.hint ? { hint: extra.hint } : {}), ...(extra.hop ? { hop: extra.hop } : {}) };
}

export async function diagnose(target: Target, prompter: Prompter, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<DoctorReport> {
  return target.kind === 'local' ? diagnoseLocal(target) : diagnoseSsh(target, prompter, opts);
}

async function diagnoseLocal(target: LocalTarget): Promise<DoctorReport> {
  const steps: DoctorStep[] = [];
  const socket = target.socketPath;
  let socketOk = false;
  try {
    const st = fs.statSync(socket);
    if (!st.isSocket()) steps.push(step('docker-socket', 'fail', `${socket} exists but is not a socket`, { hint: 'Point --socket at the Docker socket.' }));
    else {
      fs.accessSync(socket, fs.constants.R_OK | fs.constants.W_OK);
      socketOk = true;
      steps.push(step('docker-socket', 'pass', `${socket} is reachable`));
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') steps.push(step('docker-socket', 'fail', `permission denied on ${socket}`, { hint: DOCKER_GROUP_HINT.replace(/USER/g, '$USER') }));
    else steps.push(step('docker-socket', 'fail', `no Docker socket at ${socket}`, { hint: 'Is Docker running here? Use --socket PATH (rootless Docker: /run/user/UID/docker.sock).' }));
  }
  const docker = localDocker(socket);
  await engineAndCompose(steps, socketOk ? docker : undefined, (argv) => localExec(argv, { timeoutMs: 15_000 }));
  steps.push(step('path', socketOk ? 'pass' : 'skip', socketOk ? 'local socket (no SSH)' : 'skipped'));
  return { target: { kind: 'local', label: target.label, destination: 'local', socketPath: socket }, steps, ok: !steps.some((s) => s.status === 'fail') };
}

async function diagnoseSsh(target: SshTarget, prompter: Prompter, opts: { env?: NodeJS.ProcessEnv }): Promise<DoctorReport> {
  const steps: DoctorStep[] = [];
  const hops = hopChain(target);
  const multi = hops.length > 1;
  const onStep = (r: StepReport) => {
    steps.push(step(r.step, r.ok ? 'pass' : 'fail', r.detail, multi ? { hop: r.hop } : {}));
  };
  const session = new SshSession(target, prompter, { ...(opts.env ? { env: opts.env } : {}), onStep, reconnect: false });
  const report = (): DoctorReport => ({
    target: {
      kind: 'ssh',
      label: target.label,
      destination: endpointLabel(target),
      socketPath: target.socketPath,
      ...(target.via.kind === 'jump' ? { via: `ProxyJump ${hops.slice(0, -1).map(endpointLabel).join(' → ')}` } : target.via.kind === 'command' ? { via: `ProxyCommand ${target.via.command}` } : {}),
    },
    steps,
    ok: !steps.some((s) => s.status === 'fail'),
  });

  try {
    await session.open();
  } catch (err) {
    const e = err instanceof ConnectError ? err : undefined;
    // Attach the fix hint to the failing step the session reported (or add one).
    const failed = [...steps].reverse().find((s) => s.status === 'fail');
    if (failed && e?.hint) failed.hint = e.hint;
    if (!failed) steps.push(step(e?.step === 'host-key' || e?.step === 'auth' || e?.step === 'dns' || e?.step === 'tcp' ? e.step : 'handshake', 'fail', sanitise((err as Error)?.message ?? String(err)), { hint: e?.hint }));
    // The SSH steps after the one that failed never ran: say so, in order.
    const sshSteps: DoctorStepName[] = target.via.kind === 'command' || multi ? ['handshake', 'host-key', 'auth'] : ['dns', 'tcp', 'handshake', 'host-key', 'auth'];
    for (const s of sshSteps) if (!steps.some((x) => x.step === s && (!multi || x.hop === endpointLabel(target)))) steps.push(step(s, 'skip', 'skipped: an earlier step failed', multi ? { hop: endpointLabel(target) } : {}));
    for (const s of ['docker-socket', 'engine', 'compose', 'path'] as const) steps.push(step(s, 'skip', 'skipped: the SSH connection failed'));
    return report();
  }

  const exec = (argv: string[]) => session.exec(argv, { timeoutMs: 15_000 });
  const tunnel = new DockerTunnel(session, target.socketPath);
  const agent = new TunnelAgent(tunnel);
  let docker: Dockerode | undefined = dockerOverAgent(agent);
  try {
    // Pick the route as connect() does (stream-local, else dial-stdio), then ping through it.
    let socketStep: DoctorStep;
    try {
      await tunnel.probe();
      await docker.ping();
      socketStep = step('docker-socket', 'pass', `${target.socketPath} answers (through ${tunnel.path})`);
    } catch (err) {
      socketStep = await explainSocketFailure(target, exec, err);
      docker = undefined;
    }
    steps.push(socketStep);
    await engineAndCompose(steps, docker, exec);
    if (docker) {
      steps.push(
        step(
          'path',
          'pass',
          tunnel.path === 'streamlocal'
            ? 'streamlocal: direct-streamlocal channels to the socket over the one SSH connection'
            : `dial-stdio: 'docker system dial-stdio' over exec channels (${tunnel.fallbackReason ?? 'chosen explicitly'})`,
          tunnel.path === 'dial-stdio' ? { hint: 'Works, but costs a process per API stream on the server; AllowStreamLocalForwarding yes in sshd_config enables the direct path.' } : {},
        ),
      );
    } else steps.push(step('path', 'skip', 'skipped: the Docker socket is not reachable'));
  } finally {
    agent.destroy();
    await session.close();
  }
  return report();
}

async function explainSocketFailure(target: SshTarget, exec: (argv: string[]) => Promise<ExecResult>, err: unknown): Promise<DoctorStep> {
  const socket = target.socketPath;
  const said = sanitise((err as Error)?.message ?? String(err));
  try {
    const isSocket = await exec(['test', '-S', socket]);
    if (isSocket.code !== 0) {
      return step('docker-socket', 'fail', `no Docker socket at ${socket} on the server`, {
        hint: 'Is Docker running there? Use --socket PATH (or the profile’s socket) for another path; rootless Docker lives at /run/user/UID/docker.sock.',
      });
    }
    const writable = await exec(['test', '-w', socket]);
    if (writable.code !== 0) {
      const who = sanitise((await exec(['id', '-un'])).stdout.trim()) || target.user;
      const owner = sanitise((await exec(['stat', '-c', '%U:%G %A', socket])).stdout.trim());
      return step('docker-socket', 'fail', `permission denied: ${who} cannot use ${socket}${owner ? ` (${owner})` : ''}`, { hint: DOCKER_GROUP_HINT.replace(/USER/g, who) });
    }
  } catch {
    // exec not possible (forced command, no shell): fall through to what the tunnel said.
  }
  return step('docker-socket', 'fail', said, {
    hint:
      'Check that dockerd runs and listens on that socket. If sshd refuses stream-local forwarding (AllowStreamLocalForwarding no), ' +
      'the fallback runs `docker system dial-stdio` on the server, which needs the docker CLI there.',
  });
}

async function engineAndCompose(steps: DoctorStep[], docker: Dockerode | undefined, exec: (argv: string[]) => Promise<ExecResult>): Promise<void> {
  if (!docker) steps.push(step('engine', 'skip', 'skipped: the Docker socket is not reachable'));
  else {
    try {
      const v = (await docker.version()) as { Version?: string; ApiVersion?: string; Os?: string; Arch?: string };
      steps.push(step('engine', 'pass', sanitise(`Docker Engine ${v.Version ?? '?'} (API ${v.ApiVersion ?? '?'}, ${v.Os ?? '?'}/${v.Arch ?? '?'})`)));
    } catch (err) {
      steps.push(step('engine', 'fail', `GET /version failed: ${sanitise((err as Error)?.message ?? String(err))}`));
    }
  }
  // Compose v2 plugin first, then the standalone v1 (Debian 12 ships only docker-compose 1.29).
  const found: string[] = [];
  for (const argv of [
    ['docker', 'compose', 'version', '--short'],
    ['docker-compose', 'version', '--short'],
  ]) {
    try {
      const r = await exec(argv);
      if (r.code === 0 && r.stdout.trim()) found.push(`${argv[0] === 'docker' ? 'docker compose' : 'docker-compose'} ${sanitise(r.stdout.trim().split('\n')[0] ?? '')}`);
    } catch {
      /* not runnable */
    }
  }
  steps.push(
    found.length
      ? step('compose', 'pass', found.join(', '))
      : step('compose', 'warn', 'neither `docker compose` nor `docker-compose` runs on the server', {
          hint: 'opsdeck reads compose projects from container labels without it; actions that run compose (up, pull) need it installed.',
        }),
  );
}
