import type Dockerode from 'dockerode';
import type { ContainerView } from './container.js';
import type { ExecResult } from '../transport/exec-types.js';
import { shellCommand } from '../transport/shell-quote.js';
import { sanitise } from '../text/sanitise.js';

/** What an action works on: a whole service (all its replicas) or one container. */
export interface ActionTarget {
  /** "shop/api" or a container name: what confirmations and results name. */
  label: string;
  containers: readonly ContainerView[];
}

export type ServiceAction = 'restart' | 'stop' | 'start' | 'recreate';

export interface ActionResult {
  ok: boolean;
  /** One line for the status bar, sanitised. */
  message: string;
}

export interface ActionSource {
  docker: Dockerode;
  exec(argv: readonly string[], opts?: { timeoutMs?: number }): Promise<ExecResult>;
}

/**
 * Actions act on container ids through the API (never on names, which are untrusted text);
 * recreate is the one that needs Compose, so it runs `docker compose` on the server as argv.
 */
export async function runAction(src: ActionSource, action: ServiceAction, target: ActionTarget, opts: { composeDir?: string | undefined } = {}): Promise<ActionResult> {
  try {
    if (action === 'recreate') {
      const argv = recreateArgv(target, opts.composeDir);
      const r = await src.exec(argv, { timeoutMs: 5 * 60_000 });
      if (r.code !== 0) return { ok: false, message: `recreate ${target.label} failed: ${lastLine(r.stderr || r.stdout) || `exit ${r.code}`}` };
      return { ok: true, message: `recreated ${target.label}` };
    }
    await Promise.all(
      target.containers.map(async (c) => {
        const ctr = src.docker.getContainer(c.id);
        if (action === 'restart') await ctr.restart();
        else if (action === 'stop') await ctr.stop().catch(ignoreNotModified);
        else await ctr.start().catch(ignoreNotModified);
      }),
    );
    const past = { restart: 'restarted', stop: 'stopped', start: 'started' }[action];
    return { ok: true, message: `${past} ${target.label} (${target.containers.length} container${target.containers.length === 1 ? '' : 's'})` };
  } catch (err) {
    const e = err as { json?: { message?: string }; message?: string };
    return { ok: false, message: `${action} ${target.label} failed: ${sanitise(e.json?.message ?? e.message ?? String(err))}` };
  }
}

/**
 * `docker compose up -d --no-deps --force-recreate SERVICE`, pointed at the project's own files:
 * the compose labels record the working directory and config files, and a profile's compose
 * directory overrides them. Throws when there is nothing to point at.
 */
export function recreateArgv(target: ActionTarget, composeDir?: string): string[] {
  const first = target.containers[0];
  if (!first?.project || !first.service) throw new Error(`${target.label} is not a Compose service: recreate needs Compose`);
  const labels = first.labels;
  const dir = composeDir ?? labels['com.docker.compose.project.working_dir'];
  if (!dir) throw new Error(`no compose directory known for ${first.project}: set one in the host profile`);
  const files = composeDir ? [] : (labels['com.docker.compose.project.config_files'] ?? '').split(',').filter(Boolean);
  return ['docker', 'compose', '--project-directory', dir, '-p', first.project, ...files.flatMap((f) => ['-f', f]), 'up', '-d', '--no-deps', '--force-recreate', first.service];
}

/** The exact command a recreate will run, for the confirmation dialog. */
export function describeRecreate(target: ActionTarget, composeDir?: string): string {
  try {
    return shellCommand(recreateArgv(target, composeDir));
  } catch (err) {
    return (err as Error).message;
  }
}

function ignoreNotModified(err: { statusCode?: number }): void {
  // 304: already stopped / already running. Not an error for an operator.
  if (err.statusCode !== 304) throw err;
}

function lastLine(s: string): string {
  return sanitise(s.trim().split('\n').at(-1) ?? '');
}
