import type { Readable, Writable } from 'node:stream';
import type { CommandContext, CommandSpec } from '../command.js';
import { intOption } from '../command.js';
import { connectionOptions, type ConnectionFlags } from '../connection-options.js';
import { EXIT, UserError } from '../../errors.js';
import { withConnection } from '../open-connection.js';
import { ConnectError, HostKeyChangedError } from '../../transport/connect-errors.js';
import { cliPrompter, type Prompter } from '../../transport/prompter.js';
import { resolveTarget } from '../../transport/target.js';
import { probeBootState } from '../../unlock/boot-state.js';
import type { CheckReport } from '../../unlock/check/evaluate-check.js';
import { applyFix } from '../../unlock/check/apply-fix.js';
import { pinHostKeys, runUnlockCheck } from '../../unlock/check/run-check.js';
import { unlockThroughDropbear } from '../../unlock/dropbear-unlock.js';
import { readPassphraseFd } from '../passphrase-fd.js';
import type { PassphraseQuestion } from '../../unlock/unlock-flow.js';
import { describeEvent, describeQuestion, describeResult, describeWait } from '../../unlock/unlock-messages.js';
import { requireSshTarget, resolveUnlockEndpoint, type UnlockEndpoint } from '../../unlock/unlock-settings.js';
import { waitForSshd } from '../../unlock/wait-for-sshd.js';
import { formatDuration } from '../../render/duration.js';

type Stdin = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

function prompterFor(ctx: CommandContext): Prompter {
  return cliPrompter({ stdin: ctx.stdin as Stdin, stderr: ctx.stderr as Writable });
}

/** An unknown initramfs key gets advice of its own: the moment to pin it was while the server was up. */
function explainInitramfsRefusal(err: unknown, endpoint: UnlockEndpoint, label: string): unknown {
  if (!(err instanceof ConnectError) || err.step !== 'host-key' || err instanceof HostKeyChangedError) return err;
  return new ConnectError('host-key', `initramfs: ${err.message}`, {
    hint:
      `Compare the fingerprint with the one 'opsdeck unlock check --host ${label}' printed while the server was up (or dropbearkey -y -f /etc/dropbear/initramfs/dropbear_ed25519_host_key on it), ` +
      `then run again with --accept-new to record it in ${endpoint.knownHostsFile}.`,
    retryable: false,
  });
}

async function runUnlock(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const flags = v as ConnectionFlags;
  const out = (line: string) => ctx.stderr.write(`${line}\n`);
  const fdFlag = v['passphrase-fd'];
  const fd = fdFlag === undefined ? undefined : intOption(fdFlag, 'passphrase-fd', { min: 0, max: 1023, fallback: 0 });
  // Every flag is checked before anything is asked or dialled.
  const timeoutSec = v.timeout === undefined ? undefined : intOption(v.timeout, 'timeout', { min: 10, max: 3600, fallback: 300 });
  const stdin = ctx.stdin as Stdin;
  if (fd === 0 && stdin.isTTY) throw new UserError('--passphrase-fd 0 reads the terminal with echo on', { hint: 'Leave out --passphrase-fd to be asked with the input hidden.' });
  if (fd === undefined && !stdin.isTTY) {
    throw new UserError('no way to ask for the passphrase: stdin is not a terminal', { hint: 'Give it on a file descriptor: opsdeck unlock --passphrase-fd 3 3< FILE (or run on a terminal).' });
  }

  const main = requireSshTarget(await resolveTarget(flags, ctx.env), 'unlock');
  const endpoint = await resolveUnlockEndpoint(main, flags, ctx.env);
  const waitMs = timeoutSec !== undefined ? timeoutSec * 1000 : endpoint.waitTimeoutMs;

  const state = await probeBootState(main, endpoint);
  out(state.message);
  if (state.state === 'up') {
    ctx.stdout.write(`${main.label} is up: nothing to unlock\n`);
    return EXIT.ok;
  }
  if (state.state === 'unreachable') throw new UserError(state.message, { hint: state.hint });

  // Read the descriptor only once we know there is somewhere to send it; the flow owns it from here.
  const initial = fd !== undefined ? await readPassphraseFd(fd) : undefined;
  const prompter = prompterFor(ctx);
  const ask = async (q: PassphraseQuestion): Promise<Buffer | null> => {
    const { prompt, note } = describeQuestion(main.label, q);
    if (note) out(note);
    return prompter.askSecret({ kind: 'passphrase', prompt });
  };

  let result;
  try {
    result = await unlockThroughDropbear(endpoint, {
      prompter,
      ...(initial ? { initial } : {}),
      canAskAgain: fd === undefined,
      ask,
      onConnected: (info) => out(`connected to the initramfs (${info.serverVersion || 'SSH'}, host key ${info.hostKey})`),
      onEvent: (e) => {
        if (e.type !== 'running' || e.reuse) out(describeEvent(e));
      },
    });
  } catch (err) {
    throw explainInitramfsRefusal(err, endpoint, main.label);
  }
  const said = describeResult(main.label, result);
  out(said.line);
  if (!said.proceed) throw new UserError(said.line, { ...(said.hint ? { hint: said.hint } : {}), exitCode: EXIT.error });
  if (v['no-wait']) {
    ctx.stdout.write(`${said.line}\n`);
    return EXIT.ok;
  }

  out(`waiting for sshd on ${main.host}:${main.port} (up to ${formatDuration(waitMs)})`);
  let lastReport = 0;
  const waited = await waitForSshd(main, prompter, {
    timeoutMs: waitMs,
    initramfs: { host: endpoint.target.host, port: endpoint.target.port },
    onProgress: (p) => {
      if (p.elapsedMs - lastReport >= 15_000) {
        lastReport = p.elapsedMs;
        out(`still waiting (${formatDuration(p.elapsedMs)}): ${p.last}`);
      }
    },
  });
  const w = describeWait(main.label, waited);
  if (waited.kind === 'back') {
    ctx.stdout.write(`${w.line}\nOpen the dashboard: opsdeck${flags.host ? ` --host ${flags.host}` : ''}\n`);
    return EXIT.ok;
  }
  if (waited.kind === 'refused') throw waited.error;
  out(w.line);
  for (const a of w.advice ?? []) out(`  - ${a}`);
  return EXIT.degraded;
}

const GLYPH: Record<string, string> = { pass: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' };

function printReport(ctx: CommandContext, r: CheckReport): void {
  ctx.stdout.write(`Remote unlock setup of ${r.label}\n`);
  for (const i of r.items) {
    ctx.stdout.write(`  ${GLYPH[i.status]}  ${i.title}: ${i.detail}\n`);
    if (i.hint && i.status !== 'pass') ctx.stdout.write(`        ${i.hint}\n`);
  }
}

/** y/N on a terminal; anything but y is no. */
function confirm(ctx: CommandContext, question: string): Promise<boolean> {
  const stdin = ctx.stdin as Stdin;
  if (!stdin.isTTY) return Promise.resolve(false);
  ctx.stderr.write(`${question} [y/N] `);
  return new Promise((resolve) => {
    const onData = (d: Buffer | string) => {
      stdin.off('data', onData);
      stdin.pause();
      resolve(/^y(es)?\s*$/i.test(String(d).trim()));
    };
    stdin.resume();
    stdin.on('data', onData);
  });
}

async function runCheck(ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const flags = v as ConnectionFlags;
  if (v['passphrase-fd'] !== undefined || v['no-wait'] || v.timeout !== undefined) throw new UserError('unlock check: --passphrase-fd, --timeout and --no-wait belong to unlock itself');
  if (v.yes && !v.write) throw new UserError('unlock check: --yes confirms --write; give both');
  return withConnection(
    ctx,
    async (conn) => {
      const endpoint = conn.target.kind === 'ssh' ? await resolveUnlockEndpoint(conn.target, flags, ctx.env) : undefined;
      const { report, plan } = await runUnlockCheck(conn, conn.target.label, endpoint);
      if (v.json) {
        ctx.stdout.write(
          JSON.stringify(
            {
              ...report,
              hostKeys: report.hostKeys.map(({ blob, ...k }) => ({ ...k, publicKey: `${k.keyType} ${blob.toString('base64')}` })),
              initramfs: endpoint ? { host: endpoint.target.host, port: endpoint.target.port, user: endpoint.target.user, knownHostsFile: endpoint.knownHostsFile } : null,
              fix: plan.kind === 'changes' ? { files: plan.files.map((f) => ({ path: f.path, diff: f.diff })), commands: plan.commands } : plan,
            },
            null,
            2,
          ) + '\n',
        );
      } else printReport(ctx, report);

      let code: number = report.ok ? EXIT.ok : EXIT.degraded;
      const unpinned = report.hostKeys.filter((k) => k.pin === 'unknown');
      if (endpoint && unpinned.length) {
        const fps = unpinned.map((k) => `${k.keyType} ${k.fingerprint}`).join(', ');
        const pin = v.pin === true || (!v.json && (await confirm(ctx, `Pin ${fps} for [${endpoint.target.host}]:${endpoint.target.port} in ${endpoint.knownHostsFile}?`)));
        if (pin) {
          const r = pinHostKeys(unpinned, endpoint);
          for (const p of r.pinned) ctx.stderr.write(`pinned ${p.keyType} ${p.fingerprint} in ${p.file} line ${p.line}\n`);
          for (const s of r.skipped) ctx.stderr.write(`not pinned: ${s.keyType} ${s.fingerprint}: ${s.reason}\n`);
        } else if (!v.json) ctx.stderr.write(`Pin it while the server is trusted: opsdeck unlock check${flags.host ? ` --host ${flags.host}` : ''} --pin\n`);
      } else if (v.pin && !endpoint) throw new UserError('unlock check --pin needs a server reached over SSH (the key is pinned for its initramfs address)');

      if (v.write) {
        if (plan.kind === 'cannot') throw new UserError(`unlock check --write: ${plan.reason}`, { hint: 'Nothing was changed.' });
        if (plan.kind === 'nothing-to-do') {
          ctx.stderr.write('nothing to write: the options and keys already have what opsdeck would add\n');
          return code;
        }
        ctx.stderr.write('These changes would be made:\n');
        for (const f of plan.files) {
          ctx.stderr.write(`  ${f.path}${f.before === null ? ' (new file)' : ''}\n`);
          for (const d of f.diff) ctx.stderr.write(`    ${d}\n`);
        }
        for (const c of plan.commands) ctx.stderr.write(`  then: ${c.join(' ')}\n`);
        const go = v.yes === true || (await confirm(ctx, 'Write them and rebuild the initramfs?'));
        if (!go) {
          ctx.stderr.write('nothing was changed\n');
          return code;
        }
        const applied = await applyFix((argv, o) => conn.exec(argv, o), plan);
        for (const s of applied.steps) ctx.stderr.write(`${s}\n`);
        if (!applied.ok) code = EXIT.error;
      }
      return code;
    },
    { connect: { pingDocker: false } },
  );
}

export const unlockCommand: CommandSpec = {
  name: 'unlock',
  summary: 'unlock a LUKS-encrypted server waiting in its initramfs (Dropbear); `unlock check` checks the setup',
  usage: 'unlock [--host H] [--passphrase-fd N] [--timeout S] [--no-wait]   |   unlock check [--host H] [--pin] [--write [--yes]] [--json]',
  options: {
    ...connectionOptions,
    'passphrase-fd': { type: 'string', valueName: 'N', description: 'read the disk passphrase from file descriptor N (one trailing newline is dropped)' },
    timeout: { type: 'string', valueName: 'SECONDS', description: "how long to wait for sshd after unlocking (default: the profile's, else 300)" },
    'no-wait': { type: 'boolean', description: 'stop once the disks are unlocked, without waiting for sshd' },
    pin: { type: 'boolean', description: "check: record Dropbear's host key(s) in the initramfs known_hosts" },
    write: { type: 'boolean', description: 'check: show the changes that would harden the setup, then write them and run update-initramfs -u after confirmation' },
    yes: { type: 'boolean', description: 'check: confirm --write without asking' },
    json: { type: 'boolean', description: 'check: print the report as JSON' },
  },
  run: async (ctx) => {
    const [sub, ...extra] = ctx.positionals;
    if (sub === 'check') {
      if (extra.length) throw new UserError(`unlock check: unexpected argument '${extra[0]}'`);
      return runCheck(ctx);
    }
    if (sub !== undefined) throw new UserError(`unlock: unexpected argument '${sub}'`, { hint: "Run 'opsdeck unlock --help' for usage." });
    for (const f of ['pin', 'write', 'yes', 'json'] as const) if (ctx.values[f]) throw new UserError(`unlock: --${f} belongs to 'unlock check'`);
    return runUnlock(ctx);
  },
};
