/**
 * Log tails against the lab, through opsdeck's own SSH transport: follow a real container, merge
 * two replicas in order, hostile output and a 200 KB line through a real terminal (tmux), a TTY
 * container's raw stream, and sshd killed mid-follow with nothing lost or doubled. The ground
 * truth is the docker CLI on the lab's socket, which shares no code with opsdeck.
 */
import { runCli } from '../support/run-cli.js';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labDocker, requireLab, startSshd, stopSshd, type LabInfo } from '../lab/api.js';
import { LogFollower } from '../../src/logs/log-follower.js';
import { jsonOf, type LogLine } from '../../src/logs/log-line.js';
import { dockerLogApi } from '../../src/logs/log-source.js';
import { createLogsFeature, resolveOnServer } from '../../src/logs/logs-feature.js';
import { connect, type ServerConnection } from '../../src/transport/connection.js';
import { refusingPrompter } from '../../src/transport/prompter.js';
import { resolveTarget } from '../../src/transport/target.js';
import { runContainer, sleep, startTerminal, waitFor } from './logs-helpers.js';

let lab: LabInfo;
let conn: ServerConnection;
const unhandled: unknown[] = [];
const onUnhandled = (r: unknown) => unhandled.push(r);

function hostFlags(): string[] {
  return ['--host', lab.sshd.hostAlias, '--ssh-config', lab.sshd.sshConfigPath, '--socket', lab.docker.socketPath, '--config', '/nonexistent/opsdeck.json'];
}

beforeAll(async () => {
  lab = await requireLab();
  process.on('unhandledRejection', onUnhandled);
  const t = await resolveTarget({ host: lab.sshd.hostAlias, 'ssh-config': lab.sshd.sshConfigPath, socket: lab.docker.socketPath, config: '/nonexistent/opsdeck.json' }, { HOME: '/nonexistent' });
  conn = await connect(t, refusingPrompter);
});

afterAll(async () => {
  // Whatever happened, leave the lab's sshd running for the next test file.
  await startSshd();
  await conn?.close();
  process.off('unhandledRejection', onUnhandled);
});

interface TruthLine {
  ts: string;
  text: string;
}

/** `docker logs -t --since TS CONTAINER` on the lab's own socket: the independent ground truth. */
/** Docker's own lines, stdout and stderr (the CLI splits them; every line carries its timestamp). */
function dockerLogs(container: string, since: string): TruthLine[] {
  const r = spawnSync('docker', ['-H', lab.docker.host, 'logs', '--timestamps', '--since', since, container], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`docker logs ${container}: ${r.stderr}`);
  const lines = (text: string) =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => ({ ts: l.slice(0, 30), text: l.slice(31) }));
  // Stable: lines of one stream sharing a timestamp keep their order.
  return [...lines(r.stdout), ...lines(r.stderr)].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

/** Our lines for one source must be exactly Docker's over the same span: nothing lost, nothing twice. */
function expectSameAsDocker(ours: LogLine[], container: string): void {
  expect(ours.length).toBeGreaterThan(0);
  const first = ours[0]!.ts;
  const last = ours[ours.length - 1]!.ts;
  const truth = dockerLogs(container, first).filter((l) => l.ts <= last);
  expect(ours.map((l) => `${l.ts} ${l.plain}`)).toEqual(truth.map((l) => `${l.ts} ${l.text}`));
}

function runLogsCli(argv: string[]) {
  return runCli(argv, { HOME: '/nonexistent' });
}

describe('following over SSH', () => {
  it('follows a real container: its recent lines, then new ones as they are written, parsed as JSON', async () => {
    const feature = createLogsFeature(conn, { words: ['shop-api-1'], tail: 5 });
    const un = feature.store.subscribe(() => undefined);
    try {
      await waitFor('the last 5 lines', () => feature.store.getSnapshot().lines.count >= 5);
      const at = feature.store.getSnapshot().received;
      // The API replica writes a line every 0.5 s.
      await waitFor('new lines while following', () => feature.store.getSnapshot().received >= at + 3, 15_000);
      const snap = feature.store.getSnapshot();
      expect(snap.sources.map((s) => [s.tag, s.status.state])).toEqual([['api-1', 'following']]);
      const lines = Array.from({ length: snap.lines.count }, (_, i) => snap.lines.at(i)!);
      for (const l of lines) {
        expect(jsonOf(l)?.fields.find((f) => f[0] === 'request_id')?.[1]).toMatch(/^[0-9a-f]{16}$/);
        expect(l.level).not.toBeNull();
      }
      expectSameAsDocker(lines, 'shop-api-1');
    } finally {
      un();
      feature.dispose();
    }
  });
});

describe('merging replicas', () => {
  it('prints two replicas merged in timestamp order, each line exactly once (opsdeck logs api --json)', async () => {
    // Right after `lab up` a replica may not have written 40 lines yet: wait (bounded) until
    // Docker itself holds them, so the count below tests opsdeck and not the lab's age.
    const deadline = Date.now() + 30_000;
    while (['shop-api-1', 'shop-api-2'].some((c) => dockerLogs(c, '0').length < 40) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 500));
    const r = await runLogsCli(['logs', 'api', '--tail', '40', '--json', ...hostFlags()]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const recs = r.out.trim().split('\n').map((l) => JSON.parse(l) as { container: string; time: string; text: string; fields: Record<string, string> });
    expect(recs.length).toBe(80);
    const times = recs.map((x) => x.time);
    expect(times).toEqual([...times].sort());
    for (const name of ['shop-api-1', 'shop-api-2']) {
      const mine = recs.filter((x) => x.container === name);
      expect(mine.length).toBe(40);
      const first = mine[0]!.time;
      const last = mine[mine.length - 1]!.time;
      const truth = dockerLogs(name, first).filter((l) => l.ts <= last);
      expect(mine.map((x) => `${x.time} ${x.text}`)).toEqual(truth.map((l) => `${l.ts} ${l.text}`));
    }
    // The two really interleave (not one block after the other).
    const switches = recs.filter((x, i) => i > 0 && x.container !== recs[i - 1]!.container).length;
    expect(switches).toBeGreaterThan(10);
  });

  it('filters like the on-call queries: errors only, one request id', async () => {
    type Rec = { container: string; time: string; level: string; text: string; fields: Record<string, string> | null };
    const parse = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
    // One fixed window for every call, so the filtered runs can be checked against the unfiltered one.
    const since = String(Math.floor(Date.now() / 1000) - 60);
    const all = parse((await runLogsCli(['logs', 'api', '--since', since, '--json', ...hostFlags()])).out);
    const last = all[all.length - 1]!.time;
    const inWindow = (r: Rec) => r.time <= last;

    const errors = parse((await runLogsCli(['logs', 'api', '--since', since, '--level', 'error', '--json', ...hostFlags()])).out).filter(inWindow);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors).toEqual(all.filter((r) => r.level === 'error' || r.level === 'fatal'));

    const rid = errors[0]!.fields!.request_id!;
    const one = parse((await runLogsCli(['logs', 'api', '--since', since, '--field', `request_id=${rid}`, '--json', ...hostFlags()])).out).filter(inWindow);
    expect(one.length).toBeGreaterThan(0);
    expect(one).toEqual(all.filter((r) => r.fields?.request_id === rid));

    const stripe = parse((await runLogsCli(['logs', 'api', '--since', since, '--field', 'event=~^stripe', '--json', ...hostFlags()])).out).filter(inWindow);
    expect(stripe.length).toBeGreaterThan(0);
    expect(stripe).toEqual(all.filter((r) => /^stripe/.test(r.fields?.event ?? '')));
  });
});

describe('hostile output', () => {
  it('leaves a real terminal intact: no title, no clipboard write, no cleared screen, the 200 KB line cut and marked', async () => {
    // Control: the same output printed raw by the docker CLI does get through (so the probes work).
    const control = startTerminal(['docker', '-H', lab.docker.host, 'logs', '--since', '75s', 'hostile-tty']);
    try {
      await waitFor('control run to finish', () => control.dead(), 30_000);
      // tmux marks the pane dead when the program exits, which can be before it has parsed the
      // last of the output (a 200 KB line among it): give it a moment to reach the title.
      await waitFor('control title', () => control.title() === 'you have been pwned', 5_000).catch(() => undefined);
      expect(control.title()).toBe('you have been pwned');
      expect(control.buffers()).toMatch(/curl -s https:\/\/attacker/);
    } finally {
      control.kill();
    }

    const term = startTerminal(['npx', 'tsx', 'bin/opsdeck.ts', 'logs', 'hostile-tty', '--since', '75s', ...hostFlags()], { env: { HOME: '/nonexistent' } });
    try {
      await waitFor('opsdeck logs to finish', () => term.dead(), 60_000);
      const screen = term.screen();
      expect(term.title()).not.toMatch(/pwned/);
      expect(term.buffers()).toBe('');
      expect(term.alternateScreen()).toBe(false);
      // Every kind of line is there, in order, on its own line (nothing moved the cursor over it).
      // Counted from the first whole cycle: `--since` can cut into one (a cycle's lines are printed
      // one `date` apart), and its tail would then come before the next cycle's head.
      const rows = screen.split('\n');
      const first = rows.findIndex((r) => r.includes('plain line before the storm'));
      const order = ['plain line before the storm', 'OSC52 clipboard write', 'OSC0 title', 'OSC8 link click me', 'cursor up and overwrite  fake line', 'cursor home moved', 'clear screen', 'full reset', 'bell  carriagereturn overwrite', 'red bold (plain SGR colours)'].map((t) =>
        rows.findIndex((r, i) => i >= first && r.includes(t)),
      );
      expect(order.every((i) => i >= 0)).toBe(true);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(screen).toMatch(/LONG [A-Za-z0-9+/]+/);
      expect(screen).toMatch(/✂ \[line cut: 19\d\.\d KiB, first 16\.0 KiB shown\]/);
      expect(screen).not.toMatch(/opsdeck: /);
    } finally {
      term.kill();
    }
  });

  it('keeps the log view to one row per line with only validated colours', async () => {
    const feature = createLogsFeature(conn, { words: ['hostile-tty'], since: `${Math.floor(Date.now() / 1000) - 75}.000000000` });
    const un = feature.store.subscribe(() => undefined);
    try {
      await waitFor('a long line and a cycle', () => {
        const s = feature.store.getSnapshot();
        const all = Array.from({ length: s.lines.count }, (_, i) => s.lines.at(i)!);
        return all.some((l) => l.cut) && all.some((l) => l.plain.includes('red bold'));
      }, 20_000);
      const s = feature.store.getSnapshot();
      const all = Array.from({ length: s.lines.count }, (_, i) => s.lines.at(i)!);
      const long = all.find((l) => l.cut)!;
      expect(long.bytes).toBeGreaterThan(190_000);
      expect(long.text.length).toBeLessThan(16_500);
      for (const l of all) {
        expect(l.plain).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        for (const seq of l.text.match(/\u001b[^m]*m?/g) ?? []) expect(seq).toMatch(/^\u001b\[[0-9;]*m$/);
      }
      expect(all.find((l) => l.plain.includes('red bold'))!.text).toContain('\u001b[31mred\u001b[0m');
    } finally {
      un();
      feature.dispose();
    }
  });
});

describe('TTY containers', () => {
  it("reads a TTY container's raw stream: multi-byte text, a long line in 16 KB pieces, CRLF", async () => {
    const name = `opsdeck-e2e-logs-tty-${process.pid}`;
    const c = await runContainer(labDocker(lab), {
      name,
      tty: true,
      script: "printf 'é€😀 tty line\\n'; head -c 40000 /dev/zero | tr '\\0' a; echo; echo done; sleep 600",
    });
    try {
      await waitFor('the container to write', () => dockerLogs(name, '0').some((l) => l.text.includes('done')), 20_000);
      const resolved = await resolveOnServer(conn, [name]);
      expect(resolved.ok).toBe(true);
      const lines: LogLine[] = [];
      const f = new LogFollower(dockerLogApi(conn), resolved.ok ? resolved.targets : [], null, { follow: false, onLine: (l) => lines.push(l) });
      f.start();
      await f.done;
      expect(lines.map((l) => [l.stream, l.cut, l.plain.slice(0, 20)])).toEqual([
        ['stdout', false, 'é€😀 tty line'],
        ['stdout', true, 'a'.repeat(20)],
        ['stdout', false, 'done'],
      ]);
      expect(lines[1]!.bytes).toBe(40_001); // 40,000 a's and the \r the TTY adds
      expect(lines[1]!.plain).toMatch(/^a{16384} ✂ \[line cut: 39\.1 KiB, first 16\.0 KiB shown\]$/);
    } finally {
      await c.remove();
    }
  });
});

describe('reconnecting', () => {
  it('kills the SSH connection mid-follow: the view resumes, says so, and no line is lost or doubled', async () => {
    const feature = createLogsFeature(conn, { words: ['api'], tail: 3 });
    const un = feature.store.subscribe(() => undefined);
    try {
      await waitFor('following both replicas', () => {
        const s = feature.store.getSnapshot();
        return s.sources.every((x) => x.status.state === 'following') && s.received >= 10;
      }, 20_000);
      await stopSshd({ dropSessions: true });
      // Lines keep being written while we are cut off (2 a second per replica).
      await sleep(3000);
      await startSshd();
      await waitFor('the reconnect', () => feature.store.getSnapshot().reconnects === 1, 30_000);
      const resumedAt = feature.store.getSnapshot().received;
      await waitFor('lines after the reconnect', () => feature.store.getSnapshot().received >= resumedAt + 16, 30_000);
      const s = feature.store.getSnapshot();
      const all = Array.from({ length: s.lines.count }, (_, i) => s.lines.at(i)!);
      const notices = all.filter((l) => l.stream === 'system');
      expect(notices).toHaveLength(1);
      expect(notices[0]!.plain).toMatch(/^reconnected at .* resuming api-1 from \d\d:\d\d:\d\d\.\d{3}, api-2 from/);
      expect(s.sources.every((x) => x.status.state === 'following')).toBe(true);
      // Lines written during the outage arrived after the marker.
      const marker = all.indexOf(notices[0]!);
      expect(all.slice(marker + 1).length).toBeGreaterThan(16);
      expectSameAsDocker(all.filter((l) => l.source === 0), 'shop-api-1');
      expectSameAsDocker(all.filter((l) => l.source === 1), 'shop-api-2');
      expect(unhandled).toEqual([]);
    } finally {
      un();
      feature.dispose();
    }
  });
});
