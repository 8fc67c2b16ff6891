import type Dockerode from 'dockerode';
import { COMPOSE_LABELS, type ContainerView } from './container.js';
import type { ExecResult } from '../transport/exec-types.js';
import { shellCommand } from '../transport/shell-quote.js';
import { sanitise } from '../text/sanitise.js';
import { ContainerInspectSchema } from './schemas.js';
import { composeConfigFiles, composeProjectName, composeServiceName, containerId, serverDirectory, ServerNameError } from './server-names.js';

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
      let argv: string[];
      try {
        argv = await liveRecreateArgv(src, target, opts.composeDir);
      } catch (err) {
        if (err instanceof ServerNameError) return { ok: false, message: `recreate ${target.label}: ${err.message}` };
        throw err;
      }
      const r = await src.exec(argv, { timeoutMs: 5 * 60_000 });
      if (r.code !== 0) return { ok: false, message: `recreate ${target.label} failed: ${lastLine(r.stderr || r.stdout) || `exit ${r.code}`}` };
      return { ok: true, message: `recreated ${target.label}` };
    }
    await Promise.all(
      target.containers.map(async (c) => {
        const ctr = src.docker.getContainer(containerId(c.id));
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
 * The recreate argv from the container's labels as dockerd has them now: the model holds
 * sanitised labels, and a label with control characters would sanitise into a different, valid
 * looking name (another service's). So the first container is inspected again by id and its raw
 * labels are checked.
 */
async function liveRecreateArgv(src: ActionSource, target: ActionTarget, composeDir: string | undefined): Promise<string[]> {
  const first = target.containers[0];
  if (!first) throw new Error(`${target.label} has no container`);
  const info = ContainerInspectSchema.parse(await src.docker.getContainer(containerId(first.id)).inspect());
  return recreateArgv(target.label, info.Config?.Labels ?? {}, composeDir);
}

/**
 * `docker compose up -d --no-deps --force-recreate -- SERVICE`, pointed at the project's own
 * files: the compose labels record the working directory and config files, and a profile's
 * compose directory overrides them. Every name from the labels is checked (server-names.ts);
 * throws a ServerNameError for one that is not plainly a name, an Error when there is nothing
 * to point at.
 */
export function recreateArgv(label: string, labels: Readonly<Record<string, string | undefined>>, composeDir?: string): string[] {
  const rawProject = labels[COMPOSE_LABELS.project];
  const rawService = labels[COMPOSE_LABELS.service];
  if (!rawProject || !rawService) throw new Error(`${label} is not a Compose service: recreate needs Compose`);
  const project = composeProjectName(rawProject);
  const service = composeServiceName(rawService);
  const rawDir = composeDir ?? labels[COMPOSE_LABELS.workingDir];
  if (!rawDir) throw new Error(`no compose directory known for ${project}: set one in the host profile`);
  const dir = serverDirectory(composeDir ? 'compose directory' : 'compose working_dir label', rawDir);
  const files = composeDir ? [] : composeConfigFiles(labels[COMPOSE_LABELS.configFiles]);
  return ['docker', 'compose', '--project-directory', dir, '-p', project, ...files.flatMap((f) => ['-f', f]), 'up', '-d', '--no-deps', '--force-recreate', '--', service];
}

/** The exact command a recreate will run, for the confirmation dialog. */
export function describeRecreate(target: ActionTarget, composeDir?: string): string {
  try {
    const first = target.containers[0];
    if (!first) return `${target.label} has no container`;
    return shellCommand(recreateArgv(target.label, first.labels, composeDir));
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
