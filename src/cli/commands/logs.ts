/**
 * `opsdeck logs SERVICE|CONTAINER... [-f] [--since 10m|ISO] [--tail N] [--grep RE] [--level L]
 * [--field K=V] [--json] [--timestamps]`: print (and with -f follow) the logs of services,
 * replicas or containers, merged in timestamp order and tagged like `docker compose logs`.
 * Output is sanitised like the view's; container stderr goes to our stderr, as `docker logs`
 * does, unless --json puts everything on stdout as one object per line.
 *
 * `logsRequest()` turns the same words into a LogViewRequest, so `:logs api --since 10m` in the
 * TUI's command mode reads exactly like the command.
 */
import type { CommandContext, CommandSpec, OptionTable } from '../command.js';
import { intOption, parseCommandArgs } from '../command.js';
import { connectionOptions } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { colorEnabled } from '../../render/health.js';
import { parseSince } from '../../logs/docker-timestamp.js';
import { compileFilter, parseFilter, quoteTerm } from '../../logs/log-filter.js';
import { LogFollower } from '../../logs/log-follower.js';
import { formatPlainLine, jsonRecord, tagWidth } from '../../logs/log-format.js';
import { LEVELS, normaliseLevel, type Level } from '../../logs/log-level.js';
import type { LogLine } from '../../logs/log-line.js';
import { dockerLogApi } from '../../logs/log-source.js';
import type { LogViewRequest } from '../../logs/logs-feature.js';
import { reconnectSignal, resolveOnServer } from '../../logs/logs-feature.js';
import { DEFAULT_BUFFER_LINES } from '../../logs/log-store.js';
import { formatCount } from '../../render/count.js';

/** The options `opsdeck logs` and `:logs` share (no connection flags). */
export const logsOptions: OptionTable = {
  follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until ctrl-c (survives SSH reconnects)' },
  since: { type: 'string', valueName: '10m|ISO', description: 'only lines since a duration ago (30s, 10m, 2h, 1d) or a date/time' },
  tail: { type: 'string', short: 'n', valueName: 'N', description: 'only the last N lines of each container (default: all; the view: its buffer)' },
  grep: { type: 'string', multiple: true, valueName: 'RE', description: "only lines matching RE ('!RE' for lines that do not); repeatable" },
  field: { type: 'string', multiple: true, valueName: 'K=V', description: 'JSON field filter: K=V, K!=V, K=~RE, K!~RE; repeatable' },
  level: { type: 'string', valueName: 'LEVEL', description: `only lines at LEVEL or above (${LEVELS.join(', ')})` },
  json: { type: 'boolean', description: 'one JSON object per line: service, container, stream, time, level, text, fields' },
  timestamps: { type: 'boolean', short: 't', description: "prefix each line with Docker's timestamp" },
  buffer: { type: 'string', valueName: 'N', description: `lines the log view keeps (default ${formatCount(DEFAULT_BUFFER_LINES)})` },
};

interface LogsValues {
  follow?: boolean;
  since?: string;
  tail?: string;
  grep?: string[];
  field?: string[];
  level?: string;
  json?: boolean;
  timestamps?: boolean;
  buffer?: string;
}

/** Flags → what to show. Throws UserError on bad input; `now` is for --since durations. */
export function logsRequest(values: LogsValues, positionals: readonly string[], now: number = Date.now()): LogViewRequest & { follow: boolean } {
  if (positionals.length === 0) throw new UserError('logs: name at least one service or container', { hint: "e.g. 'opsdeck logs api worker -f'" });
  const req: LogViewRequest & { follow: boolean } = { words: [...positionals], follow: values.follow === true };
  if (values.since !== undefined) {
    const since = parseSince(values.since, now);
    if (since === null) throw new UserError(`--since must be a duration (30s, 10m, 2h, 1d) or a date/time, got '${values.since}'`);
    req.since = since;
  }
  if (values.tail !== undefined && values.tail !== 'all') req.tail = intOption(values.tail, 'tail', { min: 0, max: 10_000_000, fallback: 0 });
  if (values.buffer !== undefined) req.buffer = intOption(values.buffer, 'buffer', { min: 100, max: 1_000_000, fallback: DEFAULT_BUFFER_LINES });
  if (values.level !== undefined) {
    const level: Level | null = normaliseLevel(values.level);
    if (!level) throw new UserError(`--level must be one of ${LEVELS.join(', ')}, got '${values.level}'`);
    req.minLevel = level;
  }
  const terms: string[] = [];
  // --grep is always a regex, even with "=" in it: ~ forces that in the filter language.
  for (const g of values.grep ?? []) terms.push(quoteTerm(g.startsWith('!') ? `!~${g.slice(1)}` : `~${g}`));
  for (const f of values.field ?? []) {
    const parsed = parseFilter(quoteTerm(f));
    const t = parsed.terms[0];
    if (parsed.error) throw new UserError(`--field ${f}: ${parsed.error}`);
    if (!t || parsed.terms.length !== 1 || t.kind === 'text') throw new UserError(`--field wants KEY=VALUE (or K!=V, K=~RE, K!~RE), got '${f}'`);
    terms.push(quoteTerm(f));
  }
  if (terms.length) {
    const text = terms.join(' ');
    const { error } = compileFilter({ text });
    if (error) throw new UserError(`--grep: ${error}`);
    req.filter = text;
  }
  return req;
}

/** `:logs api worker --since 10m` in the TUI: the same words as the command, as a request. */
export function logsRequestFromWords(argv: readonly string[]): LogViewRequest {
  const { values, positionals } = parseCommandArgs({ name: 'logs', summary: '', usage: '', options: logsOptions }, [...argv], 'logs');
  return logsRequest(values as LogsValues, positionals);
}

export const logsCommand: CommandSpec = {
  name: 'logs',
  summary: 'print or follow logs of services and containers, merged in time order',
  usage: 'logs SERVICE|CONTAINER... [-f] [--since 10m|ISO] [--tail N] [--grep RE] [--level LEVEL] [--field K=V] [--json] [-t]',
  options: { ...logsOptions, ...connectionOptions },
  run: (ctx) => runLogs(ctx),
};

async function runLogs(ctx: CommandContext): Promise<number> {
  const values = ctx.values as LogsValues;
  const req = logsRequest(values, ctx.positionals);
  const { predicate } = compileFilter({ text: req.filter ?? '', minLevel: req.minLevel ?? null });
  // A follow should ride out a dropped connection like the view does; a one-shot print should fail fast.
  return withConnection(
    ctx,
    async (conn) => {
      const resolved = await resolveOnServer(conn, req.words);
      if (!resolved.ok) throw new UserError(`logs: ${resolved.error}`, resolved.hint ? { hint: resolved.hint } : {});
      const targets = resolved.targets;
      const out = new BatchedWriter(ctx.stdout);
      const err = new BatchedWriter(ctx.stderr);
      const colour = !values.json && ctx.stdout.isTTY === true && colorEnabled(ctx.env);
      const tags = targets.length > 1 ? targets.map((t) => t.tag) : null;
      const plain = { tags, tagWidth: tagWidth(tags ?? []), timestamps: values.timestamps === true, colour };
      const write = (line: LogLine) => {
        if (predicate && !predicate(line)) return;
        if (values.json) {
          out.write(JSON.stringify(jsonRecord(line, line.source >= 0 ? targets[line.source]! : null)));
          return;
        }
        (line.stream === 'stdout' ? out : err).write(formatPlainLine(line, plain));
      };
      const problems: string[] = [];
      const follower = new LogFollower(dockerLogApi(conn), targets, reconnectSignal(conn), {
        follow: req.follow,
        waitForRestart: false,
        ...(req.tail !== undefined ? { tail: req.tail } : {}),
        ...(req.since !== undefined ? { since: req.since } : {}),
        // Plain lines print the same either way; levels and JSON fields are for filters and --json.
        recogniseLevels: Boolean(values.json || req.filter || req.minLevel),
        onLine: write,
        onStatus: (i, s) => {
          const tag = targets[i]!.tag;
          if (s.state === 'error') problems.push(`${tag}: ${s.detail ?? 'failed'}`);
          if (s.state === 'waiting' && req.follow) err.write(`-- ${tag}: stream interrupted (${s.detail ?? ''}); resuming when the connection is back`);
        },
        onResume: (from) => err.write(`-- reconnected; resuming ${targets.map((t, i) => (from[i] ? `${t.tag} from ${from[i]}` : t.tag)).join(', ')}`),
      });
      const onSigint = () => follower.stop();
      process.once('SIGINT', onSigint);
      try {
        follower.start();
        await follower.done;
      } finally {
        process.removeListener('SIGINT', onSigint);
        await Promise.all([out.flush(), err.flush()]);
      }
      if (problems.length) {
        ctx.stderr.write(problems.map((p) => `opsdeck: logs: ${p}`).join('\n') + '\n');
        return EXIT.error;
      }
      return EXIT.ok;
    },
    { connect: { reconnect: req.follow } },
  );
}

/** Lines collected and written once per tick: one write per line costs more than the parsing. */
class BatchedWriter {
  #parts: string[] = [];
  #size = 0;
  #scheduled = false;
  #pending: Promise<void> = Promise.resolve();
  #waiting = false;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(line: string): void {
    this.#parts.push(line);
    this.#size += line.length + 1;
    if (this.#size > 256 * 1024) this.#drain();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#drain());
    }
  }

  #drain(): void {
    this.#scheduled = false;
    if (this.#parts.length === 0) return;
    const text = this.#parts.join('\n') + '\n';
    this.#parts = [];
    this.#size = 0;
    const ok = this.stream.write(text);
    // One listener per wait, however many writes the wait spans.
    if (!ok && !this.#waiting) {
      this.#waiting = true;
      this.#pending = new Promise((r) =>
        this.stream.once('drain', () => {
          this.#waiting = false;
          r();
        }),
      );
    }
  }

  async flush(): Promise<void> {
    this.#drain();
    await this.#pending;
  }
}
