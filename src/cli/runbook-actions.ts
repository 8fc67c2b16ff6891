/**
 * The typed actions a runbook step can name, done by the code the grid and the commands already
 * use, over the run's one connection: restart/stop/start/recreate through the grid's service
 * actions, `healthy` from the grid's own rows, and status, logs, backup, restore and unlock by
 * running those commands in-process with the connection handed in and their output captured.
 * (The TUI runs `unlock` through its own Unlock flow instead: src/session/session-store.ts.)
 */
import { Readable, Writable } from 'node:stream';
import type { CommandContext, CommandSpec } from './command.js';
import { parseCommandArgs } from './command.js';
import { formatError, UserError } from '../errors.js';
import { GridStore } from '../model/grid-store.js';
import { createBackupContext } from '../backup/backup-context.js';
import { readListing } from '../backup/listing.js';
import { version } from '../version.js';
import { runAction, type ServiceAction } from '../docker/service-actions.js';
import type { ActionPort, ActionResult, OutputStream } from '../runbook/runbook-runner.js';
import type { RunbookTarget } from '../runbook/runbook-types.js';
import { matchService, serviceHealthy } from '../runbook/service-match.js';
import type { ServerConnection } from '../transport/connection.js';

const SERVICE_ACTIONS = new Set<string>(['restart', 'stop', 'start', 'recreate']);
/** The commands a step may run in-process; loaded when a step names one, as the CLI loads them. */
const COMMANDS: Record<string, () => Promise<CommandSpec>> = {
  status: async () => (await import('./commands/status.js')).statusCommand,
  logs: async () => (await import('./commands/logs.js')).logsCommand,
  backup: async () => (await import('./commands/backup.js')).backupCommand,
  restore: async () => (await import('./commands/restore.js')).restoreCommand,
  unlock: async () => (await import('./commands/unlock.js')).unlockCommand,
};

/**
 * What `unlock` needs beyond the connection: the run's own server flags (it dials the initramfs
 * beside the server, and waits for the server's sshd), and the terminal, where it asks for the
 * passphrase with echo off. Without a terminal it cannot ask, and says so.
 */
export interface UnlockAccess {
  flags: Record<string, string | boolean | string[] | undefined>;
  terminal?: { stdin: NodeJS.ReadableStream & { isTTY?: boolean }; stderr: NodeJS.WritableStream };
}

const SERVER_FLAGS = ['host', 'local', 'ssh-config', 'socket', 'config', 'accept-new'];
const ANSWERS_WITH_EXIT_1 = new Set(['status', 'backup list']);
/** A logs step without --tail or --since would print a service's whole history into the transcript. */
const DEFAULT_LOG_TAIL = '200';

export function commandActionPort(conn: ServerConnection, env: NodeJS.ProcessEnv, unlock?: UnlockAccess): ActionPort {
  return {
    async run(argv, ctx) {
      const [name, ...rest] = argv;
      if (name && SERVICE_ACTIONS.has(name)) return serviceAction(conn, name as ServiceAction, rest, ctx.target);
      if (name === 'healthy') return healthy(conn, rest, ctx.target);
      if (name === 'logs' && rest.some((w) => w === '-f' || w === '--follow')) return { ok: false, code: null, message: 'logs --follow never ends: a step reads logs up to now' };
      if (name !== undefined && Object.hasOwn(COMMANDS, name)) {
        const words = name === 'logs' && !rest.some((w) => w === '--tail' || w === '-n' || w.startsWith('--tail=') || w === '--since' || w.startsWith('--since=')) ? [...rest, '--tail', DEFAULT_LOG_TAIL] : rest;
        const r = await runCommand(conn, env, name, words, ctx.output, ctx.signal, name === 'unlock' ? unlock : undefined);
        if (name === 'backup' && words[0] === 'list' && r.ok) return { ...r, captures: await newestBackup(conn) };
        return r;
      }
      return { ok: false, code: null, message: `'${name ?? ''}' is not an action a runbook step can run here` };
    },
  };
}

async function rows(conn: ServerConnection) {
  const store = new GridStore(conn);
  try {
    return await store.snapshotOnce(50);
  } finally {
    store.stop();
  }
}

async function serviceAction(conn: ServerConnection, action: ServiceAction, words: readonly string[], target: RunbookTarget): Promise<ActionResult> {
  if (words.length !== 1) return { ok: false, code: null, message: `${action} takes one service, got ${words.length}` };
  const snap = await rows(conn);
  if (snap.status === 'error') return { ok: false, code: null, message: `cannot read the containers: ${snap.error ?? 'unknown error'}` };
  const m = matchService(snap.groups, words[0]!, target.project);
  if (!m.ok) return { ok: false, code: null, message: m.error };
  const containers = m.row.replicas.map((r) => r.container);
  const r = await runAction(conn, action, { label: m.label, containers }, { composeDir: target.directory ?? conn.target.profile?.compose?.directory });
  return { ok: r.ok, code: r.ok ? 0 : 1, message: r.message };
}

async function healthy(conn: ServerConnection, words: readonly string[], target: RunbookTarget): Promise<ActionResult> {
  if (words.length !== 1) return { ok: false, code: null, message: `healthy takes one service, got ${words.length}` };
  const snap = await rows(conn);
  if (snap.status === 'error') return { ok: false, code: null, message: `cannot read the containers: ${snap.error ?? 'unknown error'}` };
  const m = matchService(snap.groups, words[0]!, target.project);
  if (!m.ok) return { ok: false, code: null, message: m.error };
  const h = serviceHealthy(m.row);
  return { ok: h.ok, code: h.ok ? 0 : 1, message: `${m.label}: ${h.detail}` };
}

/** Run an opsdeck command in this process over `conn`, its stdout and stderr going to the step. */
async function runCommand(
  conn: ServerConnection,
  env: NodeJS.ProcessEnv,
  name: string,
  words: readonly string[],
  output: (stream: OutputStream, text: string) => void,
  signal: AbortSignal,
  unlock?: UnlockAccess,
): Promise<ActionResult> {
  const top = await COMMANDS[name]!();
  let spec: CommandSpec = top;
  let args = [...words];
  let path = name;
  if (top.subcommands) {
    const sub = top.subcommands.find((s) => s.name === args[0]);
    if (!sub) return { ok: false, code: null, message: `${name}: no subcommand '${args[0] ?? ''}'` };
    spec = sub;
    path = `${name} ${sub.name}`;
    args = args.slice(1);
  }
  if (!spec.run) return { ok: false, code: null, message: `${path} cannot run from a runbook` };
  try {
    const { values, positionals } = parseCommandArgs(spec, args, path);
    // A step's command never reaches past its own connection: no other server, no other store.
    for (const flag of SERVER_FLAGS) {
      if (values[flag] !== undefined) return { ok: false, code: null, message: `${path}: --${flag} cannot be given inside a runbook (the run has its server)` };
    }
    if (unlock) for (const flag of SERVER_FLAGS) if (unlock.flags[flag] !== undefined) values[flag] = unlock.flags[flag];
    const ctx: CommandContext = {
      stdout: capture('stdout', output),
      // unlock talks to the person (where it is, the passphrase prompt): straight to the terminal,
      // also while a wait step keeps its polls' output quiet.
      stderr: unlock?.terminal?.stderr ?? capture('stderr', output),
      stdin: unlock?.terminal?.stdin ?? Readable.from([]),
      env,
      values,
      positionals,
      connection: conn,
    };
    if (signal.aborted) return { ok: false, code: null, message: 'stopped' };
    const code = await spec.run(ctx);
    // Exit 1 from these is their answer (something is degraded, the RPO is breached), which a
    // runbook step reads; it is not the step failing. For restore it is: the test restore failed.
    const ok = code === 0 || (code === 1 && ANSWERS_WITH_EXIT_1.has(path));
    return { ok, code, message: `opsdeck ${path} exited ${code}${code === 1 && ok ? ' (degraded)' : ''}` };
  } catch (err) {
    return { ok: false, code: err instanceof UserError ? err.exitCode : 2, message: formatError(err).split('\n')[0] ?? 'failed' };
  }
}

function capture(stream: OutputStream, output: (stream: OutputStream, text: string) => void): Writable & { isTTY?: boolean } {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      output(stream, typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });
}

/** The newest verified backup as captures (LATEST_BACKUP, LATEST_DATABASE) for later steps. */
async function newestBackup(conn: ServerConnection): Promise<Record<string, string>> {
  const b = await createBackupContext(conn, conn.target.profile?.backup, conn.target.label, { version: version() });
  const l = await readListing(b.conn, b.settings);
  const newest = l.backups.filter((e) => e.verified).sort((x, y) => y.time - x.time)[0];
  return { LATEST_BACKUP: newest?.id ?? '', LATEST_DATABASE: newest?.database ?? '' };
}
