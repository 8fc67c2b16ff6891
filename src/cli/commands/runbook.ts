/**
 * opsdeck runbook list|show|run|resume|log: on-call runbooks from the command line. A run's exit
 * code: 0 done, 1 a step failed or the run was stopped, 2 error (a bad runbook, no connection).
 */
import fs from 'node:fs';
import type { CommandContext, CommandSpec } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { commandActionPort } from '../runbook-actions.js';
import { eventPrinter } from '../runbook-print.js';
import { cliInteraction, collectParams, paramFlags, secretFdParams, type PromptIO } from '../runbook-prompts.js';
import { findRunbook, loadCatalogue, runbookDirectories } from '../../runbook/catalogue.js';
import { RunbookRunner, type ResumePoint, type RunStatus } from '../../runbook/runbook-runner.js';
import { RunbookError, type Runbook } from '../../runbook/runbook-types.js';
import { openRunTranscript, operator, runbookDigest, startEvent } from '../../runbook/run-start.js';
import { listRuns, newRunId, readTranscript, runFile, runsDirectory, runState } from '../../runbook/transcript.js';
import type { StepEndEvent, TranscriptEvent } from '../../runbook/transcript-events.js';
import { transcriptMarkdown } from '../../runbook/transcript-markdown.js';
import { MASK } from '../../docker/secret-mask.js';
import type { ServerConnection } from '../../transport/connection.js';

const json = { json: { type: 'boolean', description: 'print JSON' } } as const;

/**
 * A run keeps its connection through a drop (a reboot step, a flaky link): the steps after it
 * fail while it is down, and a wait step polls until it is back. Other commands fail fast.
 */
const RIDE_OUT_DROPS = { connect: { reconnect: true } };

function storeOpts(ctx: CommandContext): { env: NodeJS.ProcessEnv; configPath?: string } {
  return { env: ctx.env, ...(typeof ctx.values.config === 'string' ? { configPath: ctx.values.config } : {}) };
}

/** A bad runbook file is a user error: its file:line and what is wrong, nothing run. */
function find(ctx: CommandContext, name: string): Runbook {
  try {
    return findRunbook(name, runbookDirectories(storeOpts(ctx)));
  } catch (err) {
    if (err instanceof RunbookError) throw new UserError(err.message);
    throw err;
  }
}

function onePositional(ctx: CommandContext, what: string, command: string): string {
  const [name, ...extra] = ctx.positionals;
  if (!name) throw new UserError(`runbook ${command}: needs ${what}`, { hint: "See them with 'opsdeck runbook list'." });
  if (extra.length) throw new UserError(`runbook ${command}: unexpected argument '${extra[0]}'`);
  return name;
}

const list: CommandSpec = {
  name: 'list',
  summary: 'the runbooks there are (shipped and your own), with the faults each answers',
  usage: 'runbook list [--json]',
  maxPositionals: 0,
  options: { ...json, config: connectionOptions.config! },
  run: async (ctx) => {
    const dirs = runbookDirectories(storeOpts(ctx));
    const { runbooks, problems } = loadCatalogue(dirs);
    for (const p of problems) ctx.stderr.write(`! ${p}\n`);
    if (ctx.values.json) {
      ctx.stdout.write(JSON.stringify(runbooks.map((r) => ({ id: r.id, title: r.title, source: r.source, offerOn: r.offerOn, params: r.params.map((p) => p.name), steps: r.steps.length }))) + '\n');
    } else {
      const w = Math.max(2, ...runbooks.map((r) => r.id.length));
      for (const r of runbooks) {
        const faults = r.offerOn.map((o) => (o.service ? `${o.fault}:${o.service}` : o.fault)).join(', ');
        ctx.stdout.write(`${r.id.padEnd(w)}  ${r.title}${faults ? `  [${faults}]` : ''}  (${r.source})\n`);
      }
      ctx.stdout.write(`\nyour own: ${dirs.join(', ')}\n`);
    }
    return problems.length ? EXIT.degraded : EXIT.ok;
  },
};

const show: CommandSpec = {
  name: 'show',
  summary: 'a runbook\'s parameters and steps (--source: the file as written)',
  usage: 'runbook show NAME [--source]',
  options: { source: { type: 'boolean', description: 'print the file as written' }, config: connectionOptions.config! },
  run: async (ctx) => {
    const r = find(ctx, onePositional(ctx, 'a runbook name', 'show'));
    if (ctx.values.source) {
      ctx.stdout.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
      return EXIT.ok;
    }
    const lines = [`${r.id}: ${r.title}`, `source: ${r.source}`];
    if (r.description) lines.push(r.description);
    if (r.params.length) {
      lines.push('', 'parameters:');
      for (const p of r.params) {
        const rule = p.enum ? ` one of ${p.enum.join('|')}` : p.pattern ? ` matching ${p.pattern}` : '';
        lines.push(`  ${p.name}${p.secret ? ' (secret)' : ''}${p.required ? ' (required)' : ` = ${p.secret ? MASK : JSON.stringify(p.default)}`}${rule}${p.description ? `: ${p.description}` : ''}`);
      }
    }
    if (r.offerOn.length) lines.push('', `offered on: ${r.offerOn.map((o) => (o.service ? `${o.fault} (${o.service})` : o.fault)).join(', ')}`);
    lines.push('', 'steps:');
    for (const s of r.steps) {
      const body = s.body.type === 'action' ? `opsdeck ${s.body.argv.join(' ')}` : s.body.type === 'shell' ? `${s.body.shell}: ${s.body.script.split('\n')[0]}${s.body.script.includes('\n') ? ' …' : ''}` : s.body.text.split('\n')[0];
      lines.push(`  ${s.id} [${s.kind}] ${s.title}${s.when ? `  when ${s.when}` : ''}`, `      ${body}`);
    }
    ctx.stdout.write(lines.join('\n') + '\n');
    return EXIT.ok;
  },
};

const runOptions = {
  ...connectionOptions,
  param: { type: 'string', multiple: true, valueName: 'K=V', description: 'a parameter value (repeatable); secret ones are asked or read with --secret-fd' },
  'secret-fd': { type: 'string', multiple: true, valueName: 'K=FD', description: 'read a secret parameter from an open file descriptor (repeatable)' },
  yes: { type: 'boolean', short: 'y', description: 'run act steps without asking (a production server also needs --yes-server)' },
  'yes-server': { type: 'string', valueName: 'NAME', description: "with --yes on a production server: its name, typed out" },
  ...json,
} as const;

const run: CommandSpec = {
  name: 'run',
  summary: 'run a runbook step by step (--plan: only its checks, the rest printed); exit 0 done, 1 failed or stopped',
  usage: 'runbook run NAME [--host H] [--param K=V]... [--plan] [--yes] [--json]',
  options: { ...runOptions, plan: { type: 'boolean', description: 'run only the check steps; print every other step with its command' } },
  run: async (ctx) => {
    const runbook = find(ctx, onePositional(ctx, 'a runbook name or file', 'run'));
    const given = paramFlags(runbook, (ctx.values.param as string[] | undefined) ?? []);
    for (const [k, v] of await secretFdParams(runbook, (ctx.values['secret-fd'] as string[] | undefined) ?? [])) given.set(k, v);
    const params = await collectParams(runbook, given, promptIO(ctx));
    return withConnection(
      ctx,
      async (conn) => {
        const id = newRunId(runbook.id, new Date());
        return execute(ctx, conn, runbook, params, { id, plan: ctx.values.plan === true });
      },
      RIDE_OUT_DROPS,
    );
  },
};

const resume: CommandSpec = {
  name: 'resume',
  summary: 'go on with a stopped or interrupted run after its last completed step (its setup checks run again)',
  usage: 'runbook resume RUN [--host H] [--yes] [--json]',
  options: { ...runOptions },
  run: async (ctx) => {
    const runId = onePositional(ctx, 'a run id', 'resume');
    const file = runFile(runsDirectory(storeOpts(ctx)), runId);
    if (!fs.existsSync(file)) throw new UserError(`no run '${runId}'`, { hint: "See the runs with 'opsdeck runbook log'." });
    const { events } = readTranscript(file);
    const state = runState(events);
    if (state.start.plan) throw new UserError(`${runId} was a plan: there is nothing to resume`, { hint: `Run it: opsdeck runbook run ${state.start.runbook}` });
    if (state.ended?.status === 'done') throw new UserError(`${runId} is done: there is nothing to resume`);
    const runbook = find(ctx, state.start.source.startsWith('builtin:') ? state.start.runbook : state.start.source);
    const digest = runbookDigest(runbook);
    if (digest !== state.start.digest) ctx.stderr.write(`! ${runbook.source} changed since the run started: the steps are matched by id\n`);
    // Secrets were never written down: ask again. Other values come from the transcript.
    const given = new Map<string, string>();
    for (const [k, v] of Object.entries(state.start.params)) if (!state.start.secretParams.includes(k)) given.set(k, v);
    for (const [k, v] of await secretFdParams(runbook, (ctx.values['secret-fd'] as string[] | undefined) ?? [])) given.set(k, v);
    if ((ctx.values.param as string[] | undefined)?.length) throw new UserError('runbook resume: a resumed run keeps its parameters (--param is for new runs)');
    const params = await collectParams(runbook, given, promptIO(ctx));
    const captures = new Map([...state.captures].filter(([, v]) => v !== MASK));
    const point: ResumePoint = { completed: new Set(state.completed), outcomes: state.outcomes, captures, lastCompleted: state.lastCompleted };
    return withConnection(ctx, (conn) => execute(ctx, conn, runbook, params, { id: state.start.run, plan: false, resume: point }), RIDE_OUT_DROPS);
  },
};

const log: CommandSpec = {
  name: 'log',
  summary: 'the runs on this machine, newest first; with RUN, its transcript (--markdown for a postmortem)',
  usage: 'runbook log [RUN] [--markdown] [--json]',
  options: { markdown: { type: 'boolean', description: 'the transcript as Markdown' }, ...json, config: connectionOptions.config! },
  run: async (ctx) => {
    const dir = runsDirectory(storeOpts(ctx));
    if (ctx.positionals.length > 1) throw new UserError(`runbook log: unexpected argument '${ctx.positionals[1]}'`);
    const runId = ctx.positionals[0];
    if (!runId) {
      const runs = listRuns(dir);
      if (ctx.values.json) ctx.stdout.write(JSON.stringify(runs) + '\n');
      else if (runs.length === 0) ctx.stdout.write(`no runs yet (transcripts are kept in ${dir})\n`);
      else for (const r of runs) ctx.stdout.write(`${r.run}  ${r.status.padEnd(11)}  ${r.runbook}  on ${r.server}  ${r.started}\n`);
      return EXIT.ok;
    }
    const file = runFile(dir, runId);
    if (!fs.existsSync(file)) throw new UserError(`no run '${runId}'`, { hint: "See the runs with 'opsdeck runbook log'." });
    const { events, problems } = readTranscript(file);
    for (const p of problems) ctx.stderr.write(`! ${file}: ${p}\n`);
    if (ctx.values.json) ctx.stdout.write(events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    else if (ctx.values.markdown) ctx.stdout.write(transcriptMarkdown(events));
    else {
      const print = eventPrinter(ctx.stdout, ctx.stdout);
      for (const e of events) print(e);
    }
    return EXIT.ok;
  },
};

export const runbookCommand: CommandSpec = {
  name: 'runbook',
  summary: 'on-call runbooks: list, show, run, resume, and the log of runs',
  usage: 'runbook list|show|run|resume|log',
  options: {},
  subcommands: [list, show, run, resume, log],
};

function promptIO(ctx: CommandContext): PromptIO {
  return { stdin: ctx.stdin as PromptIO['stdin'], stderr: ctx.stderr };
}


interface ExecuteOptions {
  id: string;
  plan: boolean;
  resume?: ResumePoint;
}

async function execute(ctx: CommandContext, conn: ServerConnection, runbook: Runbook, params: Map<string, string>, opts: ExecuteOptions): Promise<number> {
  const { file, writer, scrub } = openRunTranscript(runbook, params, runsDirectory(storeOpts(ctx)), opts.id);
  const asJson = ctx.values.json === true;
  const print = eventPrinter(asJson ? ctx.stderr : ctx.stdout, ctx.stderr);
  const ends: StepEndEvent[] = [];
  const emit = (e: TranscriptEvent): void => {
    writer.append(e);
    if (e.t === 'step-end') ends.push(e);
    if (!asJson || (ctx.stderr as { isTTY?: boolean }).isTTY === true) print(e);
  };
  const hop = conn.hops().at(-1);
  if (opts.resume) emit({ t: 'resume', at: new Date().toISOString(), ...operator(), after: opts.resume.lastCompleted });
  else {
    const secretNames = runbook.params.filter((p) => p.secret).map((p) => p.name);
    const server = { profile: conn.target.label, host: conn.target.kind === 'ssh' ? conn.target.host : 'local', fingerprint: hop ? hop.hostKey.fingerprint : null };
    emit(startEvent({ run: opts.id, at: new Date(), runbook, params, secretNames, server, plan: opts.plan }));
  }
  const runner = new RunbookRunner({
    runbook,
    params,
    server: conn,
    serverName: conn.target.label,
    actions: commandActionPort(conn, ctx.env, { flags: ctx.values, ...(ctx.stdin.isTTY === true ? { terminal: { stdin: ctx.stdin, stderr: ctx.stderr } } : {}) }),
    interaction: cliInteraction(promptIO(ctx)),
    emit,
    scrub,
    plan: opts.plan,
    yes: ctx.values.yes === true,
    production: conn.target.profile?.environment === 'production',
    ...(typeof ctx.values['yes-server'] === 'string' ? { yesServer: ctx.values['yes-server'] } : {}),
    ...(opts.resume ? { resume: opts.resume } : {}),
  });
  const stopOnSignal = interruptHandler(ctx, runner);
  let status: RunStatus;
  try {
    status = await runner.run();
  } finally {
    stopOnSignal();
  }
  if (writer.error) ctx.stderr.write(`! the transcript could not be written: ${writer.error.message}\n`);
  if (asJson) {
    ctx.stdout.write(JSON.stringify({ run: opts.id, runbook: runbook.id, server: conn.target.label, status, plan: opts.plan, transcript: file, steps: ends.map(({ step, status: s, code, ms, captures, reason }) => ({ step, status: s, code, ms, captures, ...(reason !== undefined ? { reason } : {}) })) }) + '\n');
  } else {
    ctx.stderr.write(`transcript: ${file}\n`);
    if (status !== 'done' && !opts.plan) ctx.stderr.write(`resume with: opsdeck runbook resume ${opts.id}\n`);
  }
  return status === 'done' ? EXIT.ok : EXIT.degraded;
}

/**
 * Ctrl-C during a run asks whether to stop (on a terminal); a second Ctrl-C, or one without a
 * terminal, stops at once. A stopped run ends its current step and can be resumed.
 */
const DOUBLE_DELIVERY_MS = 150;

function interruptHandler(ctx: CommandContext, runner: RunbookRunner): () => void {
  let asking = false;
  let last = 0;
  const onSigint = (): void => {
    // signal-exit (loaded by execa and conf's dependencies, in two versions) raises the same
    // SIGINT again when it miscounts the listeners: one key press arrives twice within
    // microseconds. A person's second Ctrl-C is never that fast.
    const now = Date.now();
    if (now - last < DOUBLE_DELIVERY_MS) return;
    last = now;
    if (asking || ctx.stdin.isTTY !== true) {
      ctx.stderr.write('\nstopping the run\n');
      runner.stop();
      return;
    }
    asking = true;
    ctx.stderr.write('\nStop the run? The current step is interrupted; the run can be resumed. Ctrl-C again stops. [y/N] ');
    const onData = (b: Buffer): void => {
      ctx.stdin.off('data', onData);
      ctx.stdin.pause();
      asking = false;
      if (/^y/i.test(b.toString('utf8').trim())) runner.stop();
    };
    ctx.stdin.on('data', onData);
    ctx.stdin.resume();
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}
